using System.Globalization;

namespace AllClassifier.Model.Registry;

/// <summary>One registered version as found on disk.</summary>
public sealed record RegisteredVersion(int Version, string Directory, ModelCard Card)
{
    public string ModelPath => Path.Combine(Directory, LocalModelRegistry.ModelFileName);

    public string ConfusionMatrixPath => Path.Combine(Directory, LocalModelRegistry.ConfusionMatrixFileName);
}

/// <summary>
/// The on-disk model registry shared by trainer and API:
/// <c>{root}/all-classifier/versions/{N}/model.onnx|model.json|confusion_matrix.png</c> and
/// <c>{root}/all-classifier/aliases/champion</c> holding a version number.
/// A version directory is assembled under a temporary name and renamed into place, and the alias is replaced
/// by rename, so readers never see half a version and concurrent trainers never share a number.
/// </summary>
public sealed class LocalModelRegistry(string root)
{
    public const string ModelName = "all-classifier";
    public const string ModelFileName = "model.onnx";
    public const string CardFileName = "model.json";
    public const string ConfusionMatrixFileName = "confusion_matrix.png";
    public const string ChampionAlias = "champion";

    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    public string Root { get; } = Path.GetFullPath(root);

    public string ModelDirectory => Path.Combine(Root, ModelName);

    public string VersionsDirectory => Path.Combine(ModelDirectory, "versions");

    public string AliasesDirectory => Path.Combine(ModelDirectory, "aliases");

    public string AliasPath(string alias) => Path.Combine(AliasesDirectory, alias);

    /// <summary>
    /// Registers a new version. <paramref name="cardForVersion"/> receives the number the version will get
    /// (it may be asked again with a higher number if another trainer took that one first).
    /// </summary>
    public RegisteredVersion Register(
        byte[] model,
        Func<int, ModelCard> cardForVersion,
        byte[]? confusionMatrixPng = null,
        IReadOnlyDictionary<string, byte[]>? extraFiles = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Directory.CreateDirectory(VersionsDirectory);
        var staging = Path.Combine(VersionsDirectory, $".staging-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            File.WriteAllBytes(Path.Combine(staging, ModelFileName), model);
            if (confusionMatrixPng is not null)
            {
                File.WriteAllBytes(Path.Combine(staging, ConfusionMatrixFileName), confusionMatrixPng);
            }

            foreach (var (name, content) in extraFiles ?? new Dictionary<string, byte[]>())
            {
                File.WriteAllBytes(Path.Combine(staging, Path.GetFileName(name)), content);
            }

            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var version = NextVersionNumber();
                var card = cardForVersion(version) with { Version = version, Name = ModelName };
                File.WriteAllText(Path.Combine(staging, CardFileName), card.ToJson());
                var target = VersionDirectory(version);
                try
                {
                    // rename(2) of a non-empty directory onto an existing non-empty one fails, so exactly one
                    // trainer wins each number.
                    Directory.Move(staging, target);
                    return new RegisteredVersion(version, target, card);
                }
                catch (IOException) when (Directory.Exists(target))
                {
                }
            }

            throw new IOException("Could not allocate a model version number after 1000 attempts.");
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    public IReadOnlyList<RegisteredVersion> List()
    {
        if (!Directory.Exists(VersionsDirectory))
        {
            return [];
        }

        return Directory.EnumerateDirectories(VersionsDirectory)
            .Select(path => int.TryParse(Path.GetFileName(path), NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : -1)
            .Where(version => version > 0)
            .Order()
            .Select(Find)
            .OfType<RegisteredVersion>()
            .ToList();
    }

    public RegisteredVersion? Find(int version)
    {
        var directory = VersionDirectory(version);
        var cardPath = Path.Combine(directory, CardFileName);
        if (!File.Exists(cardPath))
        {
            return null;
        }

        return new RegisteredVersion(version, directory, ModelCard.FromJson(File.ReadAllText(cardPath)));
    }

    /// <summary>The version an alias points to, or null when the alias is unset or names a missing version.</summary>
    public int? ResolveAlias(string alias = ChampionAlias)
    {
        var path = AliasPath(alias);
        if (!File.Exists(path))
        {
            return null;
        }

        var text = File.ReadAllText(path).Trim();
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            && Directory.Exists(VersionDirectory(version))
                ? version
                : null;
    }

    public RegisteredVersion? Champion() => ResolveAlias() is { } version ? Find(version) : null;

    /// <summary>Points an alias at a registered version, replacing the alias file by rename.</summary>
    public void SetAlias(int version, string alias = ChampionAlias)
    {
        if (Find(version) is null)
        {
            throw new ArgumentException($"Version {version} of {ModelName} is not registered.", nameof(version));
        }

        Directory.CreateDirectory(AliasesDirectory);
        var temporary = Path.Combine(AliasesDirectory, $".{alias}-{Guid.NewGuid():N}");
        File.WriteAllText(temporary, version.ToString(CultureInfo.InvariantCulture));
        File.Move(temporary, AliasPath(alias), overwrite: true);
    }

    /// <summary>
    /// Rewrites a version's model card (e.g. to record the version's number in an external registry), replacing
    /// <c>model.json</c> by rename so readers see the old or the new card, never half of one. Version and name stay.
    /// </summary>
    public RegisteredVersion UpdateCard(int version, Func<ModelCard, ModelCard> update)
    {
        var existing = Find(version) ?? throw new ArgumentException($"Version {version} of {ModelName} is not registered.", nameof(version));
        var card = update(existing.Card) with { Version = version, Name = ModelName };
        var path = Path.Combine(existing.Directory, CardFileName);
        var temporary = Path.Combine(existing.Directory, $".{CardFileName}-{Guid.NewGuid():N}");
        File.WriteAllText(temporary, card.ToJson());
        File.Move(temporary, path, overwrite: true);
        return existing with { Card = card };
    }

    /// <summary>
    /// Runs <paramref name="action"/> while holding the registry's exclusive lock, so read-compare-write steps
    /// (like the promotion rule) of two trainers never interleave.
    /// </summary>
    public T WithLock<T>(Func<T> action)
    {
        Directory.CreateDirectory(ModelDirectory);
        var lockPath = Path.Combine(ModelDirectory, ".lock");
        var deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            try
            {
                using var handle = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                return action();
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20);
            }
        }
    }

    private string VersionDirectory(int version) =>
        Path.Combine(VersionsDirectory, version.ToString(CultureInfo.InvariantCulture));

    private int NextVersionNumber()
    {
        var numbers = Directory.Exists(VersionsDirectory)
            ? Directory.EnumerateDirectories(VersionsDirectory)
                .Select(path => int.TryParse(Path.GetFileName(path), NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : 0)
            : [];
        return numbers.DefaultIfEmpty(0).Max() + 1;
    }
}
