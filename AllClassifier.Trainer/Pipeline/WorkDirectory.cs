using AllClassifier.Training.Onnx;
using System.Text.Json;
using AllClassifier.Model.Registry;

namespace AllClassifier.Trainer.Pipeline;

/// <summary>
/// The files through which tasks hand their results to the next one, so each task can also run as its own
/// process under an external scheduler:
/// <c>processed/</c> (images, index.csv, report.json), <c>manifests/</c> (train/val/test.csv, groups.csv, summary.json),
/// <c>feature-cache.db</c>, and <c>runs/&lt;run_id&gt;/</c> with <c>runs/latest</c> naming the newest run.
/// </summary>
public sealed class WorkDirectory(string root)
{
    public string Root { get; } = Path.GetFullPath(root);

    public string Processed => Path.Combine(Root, "processed");

    public string ProcessedIndex => Path.Combine(Processed, "index.csv");

    public string PreprocessReport => Path.Combine(Processed, "report.json");

    public string Manifests => Path.Combine(Root, Pipeline.RunFiles.ManifestsFolder);

    public string TrainManifest => Path.Combine(Manifests, "train.csv");

    public string ValidationManifest => Path.Combine(Manifests, "val.csv");

    public string TestManifest => Path.Combine(Manifests, "test.csv");

    public string DataSummary => Path.Combine(Manifests, "summary.json");

    /// <summary>Each image's near-duplicate group (columns sha256,group,label), for auditing the split.</summary>
    public string NearDuplicateGroups => Path.Combine(Manifests, "groups.csv");

    /// <summary>The fp32 backbone's features in one layout (the layout is part of the file name: vectors differ in length).</summary>
    public string FeatureCache(FeatureLayout layout = FeatureLayout.GlobalPool) =>
        Path.Combine(Root, layout == FeatureLayout.GlobalPool ? Features.FeatureCache.FileName : $"feature-cache-{layout.Name()}.db");

    /// <summary>prepare_data's grouping features, of an INT8 backbone calibrated for grouping alone.</summary>
    public string GroupingFeatureCache(string calibrationFingerprint) =>
        Path.Combine(Root, $"feature-cache-grouping-{calibrationFingerprint}.db");

    /// <summary>Features of an INT8 backbone depend on its calibration, so each calibration has its own cache.</summary>
    public string Int8FeatureCache(string calibrationFingerprint, FeatureLayout layout = FeatureLayout.GlobalPool) =>
        Path.Combine(Root, layout == FeatureLayout.GlobalPool
            ? $"feature-cache-int8-{calibrationFingerprint}.db"
            : $"feature-cache-int8-{layout.Name()}-{calibrationFingerprint}.db");

    /// <summary>Every feature cache file in this directory, whatever backbone, calibration or layout it is for.</summary>
    public IEnumerable<string> FeatureCaches() => Directory.Exists(Root)
        ? Directory.EnumerateFiles(Root, "feature-cache*.db")
        : [];

    /// <summary>
    /// Deletes what earlier runs derived from images that are no longer in the dataset or the feedback table (a
    /// correction deleted on a patient's request, a row past retention): processed copies under <c>processed/</c>
    /// other than <paramref name="keptFiles"/> (leftover temporary files included) and the feature-cache entries of
    /// content hashes other than <paramref name="keptSha256"/>.
    /// </summary>
    public DeletedImagePurge PurgeDeletedImages(IReadOnlySet<string> keptFiles, IReadOnlySet<string> keptSha256)
    {
        var files = 0;
        if (Directory.Exists(Processed))
        {
            foreach (var file in Directory.EnumerateDirectories(Processed).SelectMany(Directory.EnumerateFiles).ToList())
            {
                if (!keptFiles.Contains(Path.GetFullPath(file)))
                {
                    File.Delete(file);
                    files++;
                }
            }
        }

        var entries = 0;
        foreach (var path in FeatureCaches().ToList())
        {
            using var cache = new Features.FeatureCache(path);
            entries += cache.RemoveImagesExcept(keptSha256);
        }

        return new DeletedImagePurge(files, entries);
    }

    public string Runs => Path.Combine(Root, "runs");

    public string LatestRunFile => Path.Combine(Runs, "latest");

    public string RunDirectory(string runId) => Path.Combine(Runs, runId);

    /// <summary>The artifact paths of a run.</summary>
    public RunFiles RunFiles(string runId) => new(RunDirectory(runId));

    /// <summary>The absolute path of a manifest path (relative to this directory).</summary>
    public string Resolve(string relativePath) => Path.GetFullPath(Path.Combine(Root, relativePath));

    public string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

    /// <summary>The run named in the options, else the latest trained run.</summary>
    public string ResolveRunId(string? runId)
    {
        if (!string.IsNullOrWhiteSpace(runId))
        {
            if (!Directory.Exists(RunDirectory(runId)))
            {
                throw new DirectoryNotFoundException($"Run '{runId}' does not exist under '{Runs}'.");
            }

            return runId;
        }

        return File.Exists(LatestRunFile)
            ? File.ReadAllText(LatestRunFile).Trim()
            : throw new FileNotFoundException($"No run has been trained in '{Root}' yet; run train_classifier first.");
    }

    /// <summary>The run named in the options (else the latest), with what train_classifier recorded about it.</summary>
    public TrainedRun OpenTrainedRun(string? runId)
    {
        var resolved = ResolveRunId(runId);
        var files = RunFiles(resolved);
        return new TrainedRun(resolved, files, ReadJson<RunInfo>(files.Info));
    }

    /// <summary>
    /// Deletes run folders other than <paramref name="keep"/> and the latest run (each holds a ~64 MB model);
    /// returns the run ids removed. Runs of one work directory happen one at a time, so no other run is in progress.
    /// </summary>
    public IReadOnlyList<string> PruneRuns(IEnumerable<string> keep)
    {
        if (!Directory.Exists(Runs))
        {
            return [];
        }

        var kept = keep.ToHashSet(StringComparer.Ordinal);
        if (File.Exists(LatestRunFile))
        {
            kept.Add(File.ReadAllText(LatestRunFile).Trim());
        }

        var doomed = Directory.EnumerateDirectories(Runs)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(runId => !kept.Contains(runId))
            .ToList();
        foreach (var runId in doomed)
        {
            Directory.Delete(RunDirectory(runId), recursive: true);
        }

        return doomed;
    }

    public static void WriteJson<T>(string path, T value)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(value, ModelCard.JsonOptions));
        File.Move(temporary, path, overwrite: true);
    }

    public static T ReadJson<T>(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"'{path}' does not exist; run the task that writes it first.", path);
        }

        return JsonSerializer.Deserialize<T>(File.ReadAllText(path), ModelCard.JsonOptions)
            ?? throw new InvalidDataException($"'{path}' is empty.");
    }
}

/// <summary>What <see cref="WorkDirectory.PurgeDeletedImages"/> deleted.</summary>
public sealed record DeletedImagePurge(int ProcessedFiles, int FeatureCacheEntries);

/// <summary>A trained run: its id, its artifact paths under runs/ and its run.json.</summary>
public sealed record TrainedRun(string RunId, RunFiles Files, RunInfo Info);
