using AllClassifier.Model.Registry;

namespace AllClassifier.Model.Tests.Registry;

public sealed class LocalModelRegistryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("registry-test-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Registers_versions_with_the_documented_layout()
    {
        var registry = new LocalModelRegistry(_root);

        var first = registry.Register([1, 2, 3], v => Card($"run-{v}", 0.5), confusionMatrixPng: [9, 9]);
        var second = registry.Register([4, 5], v => Card($"run-{v}", 0.6));

        Assert.Equal(1, first.Version);
        Assert.Equal(2, second.Version);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(Path.Combine(_root, "all-classifier", "versions", "1", "model.onnx")));
        Assert.True(File.Exists(Path.Combine(_root, "all-classifier", "versions", "1", "confusion_matrix.png")));
        var card = ModelCard.FromJson(File.ReadAllText(Path.Combine(_root, "all-classifier", "versions", "2", "model.json")));
        Assert.Equal(2, card.Version);
        Assert.Equal("run-2", card.RunId);
        Assert.Equal([1, 2], registry.List().Select(v => v.Version));
        Assert.Empty(Directory.GetDirectories(registry.VersionsDirectory, ".staging-*"));
    }

    [Fact]
    public void Card_update_replaces_model_json_and_keeps_version_and_files()
    {
        var registry = new LocalModelRegistry(_root);
        var registered = registry.Register([1, 2, 3], v => Card($"run-{v}", 0.5));

        var updated = registry.UpdateCard(registered.Version, card => card with
        {
            Version = 99,
            Parameters = new Dictionary<string, string>(card.Parameters) { ["mlflow_model_version"] = "7" },
        });

        var reread = registry.Find(registered.Version)!;
        Assert.Equal(1, reread.Card.Version);
        Assert.Equal("7", reread.Card.Parameters["mlflow_model_version"]);
        Assert.Equal("run-1", reread.Card.RunId);
        Assert.Equal(updated.Card.ToJson(), reread.Card.ToJson());
        Assert.Equal(["model.json", "model.onnx"], Directory.GetFiles(reread.Directory).Select(Path.GetFileName).Order());
        Assert.Throws<ArgumentException>(() => registry.UpdateCard(5, card => card));
    }

    [Fact]
    public void Model_card_json_uses_snake_case_contract_names()
    {
        var json = Card("abc", 0.75).ToJson();

        Assert.Contains("\"run_id\": \"abc\"", json);
        Assert.Contains("\"macro_f1\": 0.75", json);
        Assert.Contains("\"training_data_hash\"", json);
        Assert.Contains("\"confusion_matrix\"", json);
        Assert.Equal(0.75, ModelCard.FromJson(json).Metrics.MacroF1);
    }

    [Fact]
    public void Model_card_records_the_served_precision_and_both_candidates_scores_and_old_cards_read_as_fp32()
    {
        var card = Card("abc", 0.75) with { Precision = BackbonePrecision.Int8, Fp32MacroF1 = 0.752, Int8MacroF1 = 0.75 };

        var json = card.ToJson();
        var old = ModelCard.FromJson(json.Replace("\"precision\": \"int8\",", "", StringComparison.Ordinal));

        Assert.Contains("\"precision\": \"int8\"", json);
        Assert.Contains("\"fp32_macro_f1\": 0.752", json);
        Assert.Contains("\"int8_macro_f1\": 0.75", json);
        var reread = ModelCard.FromJson(json);
        Assert.Equal((BackbonePrecision.Int8, 0.752, 0.75), (reread.Precision, reread.Fp32MacroF1, reread.Int8MacroF1));
        Assert.Equal(BackbonePrecision.Fp32, old.Precision);
        Assert.Null(Card("abc", 0.75).Int8MacroF1);
    }

    [Fact]
    public void Model_card_records_test_time_augmentation_and_old_cards_read_as_one_view()
    {
        var json = (Card("abc", 0.75) with { TestTimeAugmentation = 4 }).ToJson();
        var old = ModelCard.FromJson(json.Replace("\"test_time_augmentation\": 4,", "", StringComparison.Ordinal));

        Assert.Contains("\"test_time_augmentation\": 4", json);
        Assert.Equal(4, ModelCard.FromJson(json).TestTimeAugmentation);
        Assert.Equal(1, old.TestTimeAugmentation);
    }

    [Fact]
    public void Concurrent_registrations_never_share_a_version_number()
    {
        var registry = new LocalModelRegistry(_root);

        var versions = new int[24];
        Parallel.For(0, versions.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            // Each writer uses its own registry instance, as separate trainer processes would.
            versions[i] = new LocalModelRegistry(_root).Register(BitConverter.GetBytes(i), v => Card($"run-{i}", 0.5)).Version;
        });

        Assert.Equal(Enumerable.Range(1, versions.Length), versions.Order());
        foreach (var version in registry.List())
        {
            // Every directory holds the bytes of the writer whose card it holds: nothing was mixed.
            var writer = int.Parse(version.Card.RunId["run-".Length..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(BitConverter.GetBytes(writer), File.ReadAllBytes(version.ModelPath));
            Assert.Equal(version.Version, version.Card.Version);
        }
    }

    [Fact]
    public void Champion_alias_is_a_file_holding_the_version_number()
    {
        var registry = new LocalModelRegistry(_root);
        Assert.Null(registry.Champion());
        registry.Register([1], v => Card("a", 0.5));
        registry.Register([2], v => Card("b", 0.5));

        registry.SetAlias(2);

        Assert.Equal("2", File.ReadAllText(Path.Combine(_root, "all-classifier", "aliases", "champion")));
        Assert.Equal(2, registry.Champion()?.Version);
        Assert.Throws<ArgumentException>(() => registry.SetAlias(7));
        Assert.Empty(Directory.GetFiles(registry.AliasesDirectory, ".*"));
    }

    [Fact]
    public void Alias_pointing_at_a_missing_version_resolves_to_nothing()
    {
        var registry = new LocalModelRegistry(_root);
        Directory.CreateDirectory(registry.AliasesDirectory);
        File.WriteAllText(registry.AliasPath("champion"), "42");

        Assert.Null(registry.ResolveAlias());
    }

    [Fact]
    public void The_lock_serializes_read_compare_write_steps()
    {
        var registry = new LocalModelRegistry(_root);
        var counterPath = Path.Combine(_root, "counter");
        File.WriteAllText(counterPath, "0");

        Parallel.For(0, 40, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
            new LocalModelRegistry(_root).WithLock(() =>
            {
                var value = int.Parse(File.ReadAllText(counterPath), System.Globalization.CultureInfo.InvariantCulture);
                File.WriteAllText(counterPath, (value + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
                return value;
            }));

        Assert.Equal("40", File.ReadAllText(counterPath));
    }

    private static ModelCard Card(string runId, double macroF1) => new()
    {
        RunId = runId,
        TrainingDataHash = "hash",
        Metrics = new EvaluationMetrics { MacroF1 = macroF1, Accuracy = macroF1 },
    };
}
