using System.Globalization;

namespace AllClassifier.Model.Registry;

/// <summary>One registered version as found on disk.</summary>
public sealed record RegisteredVersion(int Version, string Directory, ModelCard Card)
{
    public string ModelPath => Path.Combine(Directory, LocalModelRegistry.ModelFileName);

    public string ConfusionMatrixPath => Path.Combine(Directory, LocalModelRegistry.ConfusionMatrixFileName);

    /// <summary>
    /// Reads <c>model.onnx</c> and checks it against the SHA-256 on the card, so a model file that was replaced,
    /// cut short or corrupted after registration is never served. Cards written before the hash was recorded
    /// have none and are read unchecked.
    /// </summary>
    public byte[] ReadVerifiedModel()
    {
        var bytes = File.ReadAllBytes(ModelPath);
        if (Card.ModelSha256 is { } expected && !string.Equals(ModelCard.Sha256Of(bytes), expected, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException(
                $"Version {Version}'s {LocalModelRegistry.ModelFileName} does not match the SHA-256 on its model card ({expected}).");
        }

        return bytes;
    }
}

/// <summary>The registry's lock is held by another process for longer than the caller would wait.</summary>
public sealed class RegistryBusyException(string message, Exception inner) : IOException(message, inner);

/// <summary>The champion when it is usable, else why not (null and null: no champion has been chosen yet).</summary>
public sealed record ChampionCheck(RegisteredVersion? Champion, string? Problem);

/// <summary>
/// The on-disk model registry shared by trainer and API:
/// <c>{root}/all-classifier/versions/{N}/model.onnx|model.json|confusion_matrix.png|signature.json</c> and
/// <c>{root}/all-classifier/aliases/champion</c> holding a version number.
/// A version directory is assembled under a temporary name and renamed into place, and the alias is replaced
/// by rename, so readers never see half a version and concurrent trainers never share a number. Every file is
/// flushed to disk and its directory synced before the rename that publishes it, so after a crash or a power cut
/// the alias names a complete version. <c>aliases/previous-champion</c> remembers the champion an alias move
/// replaced, which <see cref="Prune"/> keeps.
/// </summary>
public sealed class LocalModelRegistry(string root, TimeProvider? timeProvider = null)
{
    public const string ModelName = "all-classifier";
    public const string ModelFileName = "model.onnx";
    public const string CardFileName = "model.json";
    public const string ConfusionMatrixFileName = "confusion_matrix.png";
    public const string ChampionAlias = "champion";
    public const string PreviousChampionAlias = "previous-champion";

    /// <summary>Challengers kept by default: enough to compare recent retrainings, few enough to bound the disk (~64 MB each).</summary>
    public const int DefaultChallengersToKeep = 3;

    private const string PrunedPrefix = ".pruned-";
    private const string StagingPrefix = ".staging-";

    /// <summary>A staging folder untouched this long belongs to a writer that died; registering takes seconds.</summary>
    private static readonly TimeSpan AbandonedAfter = TimeSpan.FromDays(1);

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
    /// <param name="seal">
    /// Called on the assembled folder, every file written, just before it is published: the trainer signs the version
    /// there (<see cref="ModelSignature.Sign"/>), so no reader ever sees the version without its signature.
    /// </param>
    public RegisteredVersion Register(
        byte[] model,
        Func<int, ModelCard> cardForVersion,
        byte[]? confusionMatrixPng = null,
        IReadOnlyDictionary<string, byte[]>? extraFiles = null,
        Action<string>? seal = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var staging = CreateStagingDirectory();
        try
        {
            DurableFile.WriteAllBytes(Path.Combine(staging, ModelFileName), model);
            var modelSha256 = ModelCard.Sha256Of(model);
            if (confusionMatrixPng is not null)
            {
                DurableFile.WriteAllBytes(Path.Combine(staging, ConfusionMatrixFileName), confusionMatrixPng);
            }

            foreach (var (name, content) in extraFiles ?? new Dictionary<string, byte[]>())
            {
                DurableFile.WriteAllBytes(Path.Combine(staging, Path.GetFileName(name)), content);
            }

            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var version = NextVersionNumber();
                var card = cardForVersion(version) with { Version = version, Name = ModelName, ModelSha256 = modelSha256 };
                DurableFile.WriteAllText(Path.Combine(staging, CardFileName), card.ToJson());
                seal?.Invoke(staging);
                DurableFile.SyncDirectory(staging);
                var target = VersionDirectory(version);
                try
                {
                    // rename(2) of a non-empty directory onto an existing non-empty one fails, so exactly one
                    // trainer wins each number.
                    Directory.Move(staging, target);
                    DurableFile.SyncDirectory(VersionsDirectory);
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

    /// <summary>
    /// A new folder beside the versions in which a version is assembled before it is renamed into place; one
    /// left behind by a killed writer is removed by a later <see cref="Prune"/>.
    /// </summary>
    public string CreateStagingDirectory()
    {
        Directory.CreateDirectory(VersionsDirectory);
        return Directory.CreateDirectory(Path.Combine(VersionsDirectory, $"{StagingPrefix}{Guid.NewGuid():N}")).FullName;
    }

    public IReadOnlyList<RegisteredVersion> List()
    {
        if (!Directory.Exists(VersionsDirectory))
        {
            return [];
        }

        return VersionNumbers()
            .Order()
            .Select(TryFind)
            .OfType<RegisteredVersion>()
            .ToList();
    }

    /// <summary>Like <see cref="Find"/>, but an unreadable card counts as no version (<see cref="List"/> skips it).</summary>
    public RegisteredVersion? TryFind(int version)
    {
        try
        {
            return Find(version);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            return null;
        }
    }

    /// <summary>The version, or null when it has no card; throws <see cref="InvalidDataException"/> when the card is unreadable.</summary>
    public RegisteredVersion? Find(int version)
    {
        var directory = VersionDirectory(version);
        var cardPath = Path.Combine(directory, CardFileName);
        if (!File.Exists(cardPath))
        {
            return null;
        }

        // The folder's number is the version: a copy fetched from MLflow keeps the trainer's signed card, which
        // names the trainer's number for it.
        return new RegisteredVersion(version, directory, ModelCard.FromJson(File.ReadAllText(cardPath)) with { Version = version });
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

    /// <summary>The usable champion, or null when there is none or it is unusable (<see cref="CheckChampion"/> says why).</summary>
    public RegisteredVersion? Champion() => CheckChampion().Champion;

    /// <summary>
    /// Looks at what the champion alias names without trusting it: an alias that is not a number, a version that
    /// is missing or has an unreadable card, or a missing or empty <c>model.onnx</c> is a problem, not an exception.
    /// The model file's hash is not checked here (that means reading it); <see cref="RegisteredVersion.ReadVerifiedModel"/> does.
    /// </summary>
    public ChampionCheck CheckChampion()
    {
        var path = AliasPath(ChampionAlias);
        string text;
        try
        {
            if (!File.Exists(path))
            {
                return new ChampionCheck(null, null);
            }

            text = File.ReadAllText(path).Trim();
        }
        catch (IOException ex)
        {
            return new ChampionCheck(null, $"the champion alias cannot be read: {ex.Message}");
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            return new ChampionCheck(null, $"the champion alias holds '{text}', not a version number");
        }

        if (!Directory.Exists(VersionDirectory(version)))
        {
            return new ChampionCheck(null, $"the champion alias names version {version}, which is not in the registry");
        }

        RegisteredVersion? registered;
        try
        {
            registered = Find(version);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            return new ChampionCheck(null, $"champion version {version}'s {CardFileName} is unreadable: {ex.Message}");
        }

        if (registered is null)
        {
            return new ChampionCheck(null, $"champion version {version} has no {CardFileName}");
        }

        var model = new FileInfo(registered.ModelPath);
        return model.Exists && model.Length > 0
            ? new ChampionCheck(registered, null)
            : new ChampionCheck(null, $"champion version {version}'s {ModelFileName} is missing or empty");
    }

    /// <summary>
    /// Points an alias at a registered version, replacing the alias file by rename. Moving the champion alias
    /// first records the champion it replaces as <see cref="PreviousChampionAlias"/>.
    /// </summary>
    public void SetAlias(int version, string alias = ChampionAlias)
    {
        if (Find(version) is null)
        {
            throw new ArgumentException($"Version {version} of {ModelName} is not registered.", nameof(version));
        }

        if (alias == ChampionAlias && ResolveAlias() is { } current && current != version)
        {
            WriteAlias(PreviousChampionAlias, current);
        }

        WriteAlias(alias, version);
    }

    /// <summary>
    /// Removes version folders nobody needs: keeps every aliased version (the champion and the previous
    /// champion) and the <paramref name="challengersToKeep"/> newest other versions, which include the newest
    /// version and so the highest feedback high-water mark. Call it under <see cref="WithLock{T}"/>.
    /// A folder is renamed away before it is deleted, so readers never see half of a version under its number.
    /// </summary>
    public IReadOnlyList<int> Prune(int challengersToKeep)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(challengersToKeep, 1);
        if (!Directory.Exists(VersionsDirectory))
        {
            return [];
        }

        var aliased = Directory.Exists(AliasesDirectory)
            ? Directory.EnumerateFiles(AliasesDirectory)
                .Where(path => !Path.GetFileName(path).StartsWith('.'))
                .Select(path => ResolveAlias(Path.GetFileName(path)))
                .OfType<int>()
                .ToHashSet()
            : [];
        var doomed = VersionNumbers()
            .Where(version => !aliased.Contains(version))
            .OrderDescending()
            .Skip(challengersToKeep)
            .Order()
            .ToList();
        foreach (var version in doomed)
        {
            Directory.Move(VersionDirectory(version), Path.Combine(VersionsDirectory, $"{PrunedPrefix}{version}-{Guid.NewGuid():N}"));
        }

        // Also what killed writers left behind: pruned folders nobody reads, and staging folders abandoned long ago.
        var abandonedBefore = (timeProvider ?? TimeProvider.System).GetUtcNow().UtcDateTime - AbandonedAfter;
        var leftovers = Directory.EnumerateDirectories(VersionsDirectory, $"{PrunedPrefix}*")
            .Concat(Directory.EnumerateDirectories(VersionsDirectory, $"{StagingPrefix}*")
                .Where(staging => Directory.GetLastWriteTimeUtc(staging) < abandonedBefore))
            .ToList();
        foreach (var leftover in leftovers)
        {
            Directory.Delete(leftover, recursive: true);
        }

        if (doomed.Count > 0)
        {
            DurableFile.SyncDirectory(VersionsDirectory);
        }

        return doomed;
    }

    /// <summary>
    /// Rewrites a version's model card (e.g. to record the version's number in an external registry), replacing
    /// <c>model.json</c> by rename so readers see the old or the new card, never half of one. Version and name stay.
    /// </summary>
    /// <param name="seal">Called on the version's folder once the card is replaced: the trainer signs the version again.</param>
    public RegisteredVersion UpdateCard(int version, Func<ModelCard, ModelCard> update, Action<string>? seal = null)
    {
        var existing = Find(version) ?? throw new ArgumentException($"Version {version} of {ModelName} is not registered.", nameof(version));
        var card = update(existing.Card) with { Version = version, Name = ModelName };
        var path = Path.Combine(existing.Directory, CardFileName);
        var temporary = Path.Combine(existing.Directory, $".{CardFileName}-{Guid.NewGuid():N}");
        DurableFile.WriteAllText(temporary, card.ToJson());
        File.Move(temporary, path, overwrite: true);
        seal?.Invoke(existing.Directory);
        DurableFile.SyncDirectory(existing.Directory);
        return existing with { Card = card };
    }

    /// <summary>
    /// Runs <paramref name="action"/> while holding the registry's exclusive lock, so read-compare-write steps
    /// (like the promotion rule) of two trainers never interleave.
    /// </summary>
    public T WithLock<T>(Func<T> action) => WithLock(action, LockTimeout);

    /// <summary>
    /// Like <see cref="WithLock{T}(Func{T})"/>, waiting at most <paramref name="wait"/> for the lock (zero: one try);
    /// throws <see cref="RegistryBusyException"/> when another process holds it longer, e.g. a trainer re-measuring
    /// the champion, so an interactive caller can answer at once instead of blocking.
    /// </summary>
    public T WithLock<T>(Func<T> action, TimeSpan wait)
    {
        Directory.CreateDirectory(ModelDirectory);
        var lockPath = Path.Combine(ModelDirectory, ".lock");
        var deadline = DateTime.UtcNow + wait;
        FileStream handle;
        while (true)
        {
            try
            {
                handle = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                break;
            }
            catch (IOException ex)
            {
                if (DateTime.UtcNow >= deadline)
                {
                    throw new RegistryBusyException($"The model registry at {Root} is locked by another process.", ex);
                }

                Thread.Sleep(20);
            }
        }

        // Only the lock's own open is retried: an IOException of the action itself is the caller's to see.
        using (handle)
        {
            return action();
        }
    }

    private string VersionDirectory(int version) =>
        Path.Combine(VersionsDirectory, version.ToString(CultureInfo.InvariantCulture));

    private void WriteAlias(string alias, int version)
    {
        Directory.CreateDirectory(AliasesDirectory);
        var temporary = Path.Combine(AliasesDirectory, $".{alias}-{Guid.NewGuid():N}");
        DurableFile.WriteAllText(temporary, version.ToString(CultureInfo.InvariantCulture));
        File.Move(temporary, AliasPath(alias), overwrite: true);
        DurableFile.SyncDirectory(AliasesDirectory);
    }

    private IEnumerable<int> VersionNumbers() =>
        Directory.Exists(VersionsDirectory)
            ? Directory.EnumerateDirectories(VersionsDirectory)
                .Select(path => int.TryParse(Path.GetFileName(path), NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : 0)
                .Where(version => version > 0)
            : [];

    // Pruned numbers are never reused: the newest version is always kept, so the maximum only grows.
    private int NextVersionNumber() => VersionNumbers().DefaultIfEmpty(0).Max() + 1;
}
