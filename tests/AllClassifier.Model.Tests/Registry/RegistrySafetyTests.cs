using AllClassifier.Model.Registry;

namespace AllClassifier.Model.Tests.Registry;

/// <summary>Bad files found in a registry, the model file's hash, and bounded version folders.</summary>
public sealed class RegistrySafetyTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("registry-safety-").FullName;
    private readonly LocalModelRegistry _registry;

    public RegistrySafetyTests() => _registry = new LocalModelRegistry(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_usable_champion_has_no_problem_and_an_empty_registry_has_neither()
    {
        Assert.Equal(new ChampionCheck(null, null), _registry.CheckChampion());

        var registered = Register(1);
        _registry.SetAlias(registered.Version);

        Assert.Equal(registered.Version, _registry.CheckChampion().Champion?.Version);
        Assert.Null(_registry.CheckChampion().Problem);
    }

    [Theory]
    [InlineData("corrupt card", "model.json is unreadable")]
    [InlineData("card of the wrong shape", "model.json is unreadable")]
    [InlineData("alias to a missing version", "names version 9, which is not in the registry")]
    [InlineData("alias that is no number", "holds 'latest', not a version number")]
    [InlineData("empty model", "model.onnx is missing or empty")]
    [InlineData("missing model", "model.onnx is missing or empty")]
    public void A_bad_file_behind_the_champion_is_a_problem_not_an_exception(string breakage, string problem)
    {
        var registered = Register(1);
        _registry.SetAlias(registered.Version);
        var cardPath = Path.Combine(registered.Directory, LocalModelRegistry.CardFileName);
        switch (breakage)
        {
            case "corrupt card":
                File.WriteAllText(cardPath, "{\"run_id\": ");
                break;
            case "card of the wrong shape":
                File.WriteAllText(cardPath, "[1, 2, 3]");
                break;
            case "alias to a missing version":
                File.WriteAllText(_registry.AliasPath(LocalModelRegistry.ChampionAlias), "9");
                break;
            case "alias that is no number":
                File.WriteAllText(_registry.AliasPath(LocalModelRegistry.ChampionAlias), "latest");
                break;
            case "empty model":
                File.WriteAllBytes(registered.ModelPath, []);
                break;
            case "missing model":
                File.Delete(registered.ModelPath);
                break;
        }

        var check = _registry.CheckChampion();

        Assert.Null(check.Champion);
        Assert.Contains(problem, check.Problem);
        Assert.Null(_registry.Champion());
    }

    [Fact]
    public void List_skips_a_version_with_an_unreadable_card()
    {
        Register(1);
        var broken = Register(2);
        Register(3);
        File.WriteAllText(Path.Combine(broken.Directory, LocalModelRegistry.CardFileName), "not json");

        Assert.Equal([1, 3], _registry.List().Select(v => v.Version));
        Assert.Throws<InvalidDataException>(() => _registry.Find(2));
    }

    [Fact]
    public void The_card_records_the_model_sha256_and_a_changed_file_is_refused()
    {
        byte[] model = [10, 20, 30, 40];
        var registered = _registry.Register(model, _ => Card());

        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(model)), registered.Card.ModelSha256);
        Assert.Equal(registered.Card.ModelSha256, _registry.Find(registered.Version)!.Card.ModelSha256);
        Assert.Equal(model, registered.ReadVerifiedModel());

        File.WriteAllBytes(registered.ModelPath, [10, 20, 30, 41]);
        var error = Assert.Throws<InvalidDataException>(registered.ReadVerifiedModel);
        Assert.Contains("SHA-256", error.Message);
    }

    [Fact]
    public void Moving_the_champion_remembers_the_previous_one()
    {
        Register(1);
        Register(2);
        _registry.SetAlias(1);
        _registry.SetAlias(2);

        Assert.Equal(1, _registry.ResolveAlias(LocalModelRegistry.PreviousChampionAlias));

        _registry.SetAlias(2);
        Assert.Equal(1, _registry.ResolveAlias(LocalModelRegistry.PreviousChampionAlias));
    }

    [Fact]
    public void Pruning_keeps_the_champion_the_previous_champion_and_the_newest_challengers()
    {
        for (var i = 1; i <= 9; i++)
        {
            Register(i);
        }

        _registry.SetAlias(2);
        _registry.SetAlias(4);
        Directory.CreateDirectory(Path.Combine(_registry.VersionsDirectory, ".pruned-3-left-by-a-killed-process"));
        var abandoned = _registry.CreateStagingDirectory();
        Directory.SetLastWriteTimeUtc(abandoned, DateTime.UtcNow.AddDays(-2));
        var inProgress = _registry.CreateStagingDirectory();

        var pruned = _registry.Prune(challengersToKeep: 3);

        Assert.Equal([1, 3, 5, 6], pruned);
        Assert.Equal([2, 4, 7, 8, 9], _registry.List().Select(v => v.Version));
        Assert.Equal(4, _registry.Champion()?.Version);
        Assert.Equal([inProgress], Directory.GetDirectories(_registry.VersionsDirectory, ".*"));
        Assert.Equal(10, Register(10).Version);
        Assert.Empty(_registry.Prune(challengersToKeep: 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => _registry.Prune(challengersToKeep: 0));
    }

    private RegisteredVersion Register(int seed) => _registry.Register([(byte)seed, 1, 2], _ => Card());

    private static ModelCard Card() => new()
    {
        RunId = "run",
        TrainingDataHash = "hash",
        Metrics = new EvaluationMetrics { MacroF1 = 0.5 },
    };
}
