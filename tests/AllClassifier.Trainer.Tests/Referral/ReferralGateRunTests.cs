using AllClassifier.Model.Imaging;
using AllClassifier.Model.Inference;
using AllClassifier.Model.Referral;
using AllClassifier.Model.Registry;
using AllClassifier.Trainer.Pipeline;
using AllClassifier.Trainer.Tests.Commands;
using AllClassifier.Trainer.Tests.Pipeline;
using AllClassifier.Training.Referral;
using AllClassifier.Training.Synthetic;

namespace AllClassifier.Trainer.Tests.Referral;

/// <summary>The referral gate of the fixture's real run: fitted, stored with the model, measured, and judged at promotion.</summary>
[Collection(TrainedPipelineCollection.Name)]
public sealed class ReferralGateRunTests(TrainedPipelineFixture fixture)
{
    [Fact]
    public void The_champion_carries_a_gate_chosen_on_the_validation_split_at_the_default_coverage_and_measured_on_test()
    {
        Assert.True(fixture.RunExitCode == 0, fixture.RunOutput);
        var champion = new LocalModelRegistry(fixture.RegistryDirectory).Champion()!;
        var gate = champion.Card.ReferralGate;

        Assert.NotNull(gate);
        Assert.True(gate.Present);
        Assert.Equal(ReferralGate.MahalanobisMethod, gate.Method);
        Assert.Equal(ReferralGate.DefaultCoverage, gate.Coverage);
        Assert.True(gate.HeldOut > 0);
        // At least the coverage of the held-out images passes: the referral rate is at most what rounding allows.
        Assert.InRange(gate.HeldOutReferralRate, 0, 1 - (Math.Ceiling(gate.Coverage * gate.HeldOut) / gate.HeldOut) + 1e-12);
        Assert.Equal(champion.Card.Metrics.TestCount, gate.TestCount);
        Assert.NotNull(gate.TestReferralRate);
        Assert.Equal(1024, gate.FeatureCount);
        Assert.NotNull(gate.Quality);
        Assert.Equal(ReferralGateFitter.MinSide, gate.Quality.MinSide);
        Assert.Equal(1.0, champion.Card.TrainingClassMix.Values.Sum(), 9);
        Assert.Contains("there is no champion yet", champion.Card.PromotionReason);
    }

    [Fact]
    public void The_served_model_scores_in_graph_what_the_fitted_gate_scores_and_refers_junk_but_not_new_smears()
    {
        var champion = new LocalModelRegistry(fixture.RegistryDirectory).Champion()!;
        var gate = champion.Card.ReferralGate!;
        var files = new RunFiles(new WorkDirectory(fixture.WorkDirectory).RunDirectory(champion.Card.RunId));
        var parameters = MahalanobisGate.Load(files.ReferralGate(champion.Card.Precision).Parameters);
        using var classifier = OnnxClassifier.Load(champion.ModelPath, new ScorerOptions { IntraOpThreads = Environment.ProcessorCount });
        var preprocessor = new ImagePreprocessor();
        ReferralDecision Judge(byte[] image, out double managed)
        {
            var header = preprocessor.Inspect(image);
            var tensor = preprocessor.ToTensor(image);
            var scores = classifier.Score(tensor);
            managed = parameters.Score(scores.Features);
            var (_, inGraph) = classifier.ClassifyWithOodScore(tensor);
            Assert.NotNull(inGraph);
            Assert.True(Math.Abs(inGraph.Value - managed) <= 1e-2 * Math.Max(1, managed), $"in-graph {inGraph}, managed {managed}");
            return gate.Decide(ImageQuality.Measure(tensor, header.Width, header.Height), inGraph.Value);
        }

        // New smears from another seed of the same generator: in-distribution, so mostly let through.
        var generator = new SmearGenerator(seed: 4242);
        var smears = Model.CellClasses.All.SelectMany(c => Enumerable.Range(0, 5).Select(i => generator.GenerateJpeg(c, i))).ToList();
        var referredSmears = smears.Count(image => Judge(image, out _).Refer);
        Assert.True(referredSmears <= smears.Count / 4, $"{referredSmears} of {smears.Count} new smears referred");

        // Seeded junk (uniform squares, noise, patterns, a text page) is nothing like a smear.
        foreach (var junk in Junk.Images(seed: 5))
        {
            var decision = Judge(junk, out _);
            Assert.True(decision.Refer);
            Assert.NotEmpty(decision.Reasons);
        }
    }

    [Fact]
    public async Task A_challenger_whose_gate_refers_far_more_test_images_than_its_card_states_is_kept_back_with_the_reason()
    {
        string[] common = ["--workdir", fixture.WorkDirectory, "--registry", fixture.RegistryDirectory];
        var work = new WorkDirectory(fixture.WorkDirectory);
        var registry = new LocalModelRegistry(fixture.RegistryDirectory);
        var championBefore = registry.ResolveAlias();

        var train = await Cli.RunAsync(["task", "train_classifier", .. common]);
        Assert.True(train.ExitCode == 0, train.Output);
        // The run's gate claims to let every test image but one in a million through with the threshold at the
        // validation split's lowest score: most test images score above it, far more than such a coverage allows.
        var runId = File.ReadAllText(work.LatestRunFile).Trim();
        var (cardPath, _) = new RunFiles(work.RunDirectory(runId)).ReferralGate(BackbonePrecision.Int8);
        var fitted = WorkDirectory.ReadJson<ReferralGate>(cardPath);
        WorkDirectory.WriteJson(cardPath, fitted with { Coverage = 0.999999, OodThreshold = 0 });
        var test = await Cli.RunAsync(["task", "test_classifier", .. common]);
        var register = await Cli.RunAsync(["task", "register_model", .. common]);

        Assert.True(test.ExitCode == 0, test.Output);
        Assert.True(register.ExitCode == 0, register.Output);
        Assert.Contains("far more", register.Output);
        var challenger = registry.List().Last();
        Assert.Equal(championBefore, registry.ResolveAlias());
        Assert.Contains("far more", challenger.Card.PromotionReason);
        Assert.Equal(1.0, challenger.Card.ReferralGate!.TestReferralRate);
    }

    [Fact]
    public async Task Images_staff_marked_not_assessable_test_both_gates_and_a_challenger_letting_them_through_is_kept_back()
    {
        string[] common = ["--workdir", fixture.WorkDirectory, "--registry", fixture.RegistryDirectory];
        var work = new WorkDirectory(fixture.WorkDirectory);
        var registry = new LocalModelRegistry(fixture.RegistryDirectory);
        var championBefore = registry.Champion()!;
        var feedback = Path.Combine(fixture.WorkDirectory, "..", "not-assessable", "feedback.db");
        Directory.CreateDirectory(Path.GetDirectoryName(feedback)!);
        FeedbackDatabase.CreateWithApiSchema(feedback);
        var junk = Junk.Images(seed: 11).ToList();
        foreach (var image in junk)
        {
            FeedbackDatabase.Insert(feedback, "NotAssessable", image);
        }

        FeedbackDatabase.Insert(feedback, "not_assessable", null); // nothing to test on
        var train = await Cli.RunAsync(["task", "train_classifier", .. common]);
        Assert.True(train.ExitCode == 0, train.Output);
        // A challenger whose gate refers nothing, with a card that claims exactly that, so only the staff's images
        // can tell it from the champion.
        var runId = File.ReadAllText(work.LatestRunFile).Trim();
        var (cardPath, _) = new RunFiles(work.RunDirectory(runId)).ReferralGate(BackbonePrecision.Int8);
        var fitted = WorkDirectory.ReadJson<ReferralGate>(cardPath);
        WorkDirectory.WriteJson(cardPath, fitted with { Coverage = 1, OodThreshold = double.MaxValue, Quality = null });

        var test = await Cli.RunAsync(["task", "test_classifier", "--feedback-db", feedback, .. common]);
        var register = await Cli.RunAsync(["task", "register_model", .. common]);

        Assert.True(test.ExitCode == 0, test.Output);
        Assert.True(register.ExitCode == 0, register.Output);
        var report = WorkDirectory.ReadJson<TestReport>(new RunFiles(work.RunDirectory(runId)).Metrics);
        var staff = report.NotAssessable!;
        Assert.Equal(junk.Count, staff.Count);
        Assert.Equal(0, staff.Referred);
        Assert.Equal(championBefore.Version, staff.ChampionVersion);
        // The champion's real gate catches the junk: the same check the API makes on each of these uploads.
        Assert.True(staff.ChampionReferred >= junk.Count - 1, $"champion referred {staff.ChampionReferred} of {junk.Count}");
        Assert.Equal(staff.ChampionReferred, staff.ChampionOnly);
        // The console wraps long lines; the words stay in order.
        Assert.Contains(
            $"refers 0 of {junk.Count} images staff marked not assessable",
            System.Text.RegularExpressions.Regex.Replace(test.Output, @"\s+", " "));

        var challenger = registry.List().Last();
        Assert.Equal(championBefore.Version, registry.Champion()!.Version);
        Assert.Contains("not assessable", challenger.Card.PromotionReason);
        Assert.Equal(junk.Count, challenger.Card.ReferralGate!.NotAssessableCount);
        Assert.Equal(0.0, challenger.Card.ReferralGate.NotAssessableReferralRate);
    }
}
