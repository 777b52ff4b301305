using AllClassifier.Feedback;
using AllClassifier.Model;
using AllClassifier.Model.Imaging;
using AllClassifier.Trainer.Dataset;
using Microsoft.Data.Sqlite;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;

namespace AllClassifier.Trainer.Pipeline;

/// <summary>What preprocess_images found: counts, the files it could not use and why, and the feedback used.</summary>
public sealed record PreprocessReport
{
    public string? DataDirectory { get; init; }

    public int DatasetImages { get; init; }

    public int FeedbackImages { get; init; }

    /// <summary>Files whose bytes equal an earlier file's.</summary>
    public int ExactDuplicates { get; init; }

    /// <summary>Different files that became the same 224x224 image.</summary>
    public int ProcessedDuplicates { get; init; }

    public IReadOnlyList<string> Rejected { get; init; } = [];

    public IReadOnlyList<string> Conflicts { get; init; } = [];

    /// <summary>The highest feedback row id read (used or skipped).</summary>
    public long FeedbackHighWaterMark { get; init; }

    /// <summary>Processed copies and feature-cache entries of images no longer in the dataset or feedback, deleted.</summary>
    public DeletedImagePurge? Purged { get; init; }
}

/// <summary>
/// preprocess_images: validates and resizes every dataset image and feedback image to the model's 224x224 input,
/// writes them as PNG under <c>processed/</c>, and drops exact duplicates and images that become identical once
/// resized (the first one, in path order then feedback id order, is kept). Unreadable files are reported and skipped.
/// </summary>
public sealed class PreprocessImagesTask(ImagePreprocessor preprocessor) : IPipelineTask
{
    private static readonly PngEncoder Encoder = new() { CompressionLevel = PngCompressionLevel.BestSpeed };

    public string Id => PipelineTaskIds.PreprocessImages;

    public async Task<string> ExecuteAsync(PipelineOptions options, IPipelineReporter reporter, CancellationToken cancellationToken)
    {
        var dataDirectory = options.DataDirectory
            ?? throw new InvalidOperationException("preprocess_images needs a dataset folder (--data).");
        var work = new WorkDirectory(options.WorkDirectory);
        var files = DatasetScanner.Scan(dataDirectory);
        var source = FeedbackSources.OpenIfConfigured(options.FeedbackConnectionString, options.FeedbackDatabase);
        var feedback = source is null ? new FeedbackBatch([], [], 0) : await source.ReadRowsAsync(0, cancellationToken);
        foreach (var skipped in feedback.Skipped)
        {
            reporter.Warning($"Skipped {skipped}.");
        }

        var candidates = files
            .Select(file => new Candidate(file.RelativePath, file.Label, ImageSource.Dataset, () => File.ReadAllBytes(file.Path), null))
            .Concat(feedback.Rows.Select(row => new Candidate($"feedback row {row.Id}", row.Label, ImageSource.Feedback, () => source!.ReadImage(row.Id), row.Sha256)))
            .ToList();
        if (candidates.Count == 0)
        {
            throw new InvalidDataException($"The dataset folder '{dataDirectory}' holds no images.");
        }

        var processed = Processed(work);
        var outcomes = new Outcome[candidates.Count];
        var done = 0;
        reporter.WithProgress("Preprocessing images", candidates.Count, progress =>
        {
            Parallel.For(
                0,
                candidates.Count,
                new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
                i =>
                {
                    outcomes[i] = Process(candidates[i], work, processed);
                    progress.Report(Interlocked.Increment(ref done));
                });
            return outcomes.Length;
        });

        var purged = PurgeDeleted(outcomes, work, reporter);
        var report = Collect(candidates, outcomes, work, out var index) with
        {
            DataDirectory = Path.GetFullPath(dataDirectory),
            FeedbackHighWaterMark = feedback.HighWaterMark,
            Purged = purged,
        };
        foreach (var line in report.Rejected.Concat(report.Conflicts))
        {
            reporter.Warning(line);
        }

        ManifestFile.Write(work.ProcessedIndex, index);
        WorkDirectory.WriteJson(work.PreprocessReport, report);
        return $"{index.Count} images ({report.DatasetImages} dataset, {report.FeedbackImages} feedback); " +
            $"{report.ExactDuplicates} exact and {report.ProcessedDuplicates} resized duplicates removed; {report.Rejected.Count} rejected";
    }

    /// <summary>
    /// Deletes what earlier runs derived from images that are gone from the dataset and the feedback table, before
    /// anything is trained: every image still there has just been processed, so whatever else is in the work folder
    /// belongs to a deleted one.
    /// </summary>
    private static DeletedImagePurge PurgeDeleted(IReadOnlyList<Outcome> outcomes, WorkDirectory work, IPipelineReporter reporter)
    {
        var kept = outcomes.Where(outcome => outcome.Path is not null).ToList();
        var purged = work.PurgeDeletedImages(
            kept.Select(outcome => Path.GetFullPath(outcome.Path!)).ToHashSet(StringComparer.Ordinal),
            kept.Select(outcome => outcome.ProcessedSha!).ToHashSet(StringComparer.Ordinal));
        reporter.Info($"Purged {purged.ProcessedFiles} processed images and {purged.FeatureCacheEntries} feature-cache entries " +
            "of images no longer in the dataset or the feedback table.");
        return purged;
    }

    /// <summary>
    /// What the last run recorded about the processed files that are still there, by path: a rerun takes their hashes
    /// from it instead of decoding their sources again. Entries without a difference hash are processed again.
    /// </summary>
    private static Dictionary<string, ManifestEntry> Processed(WorkDirectory work)
    {
        if (!File.Exists(work.ProcessedIndex))
        {
            return [];
        }

        try
        {
            return ManifestFile.Read(work.ProcessedIndex)
                .Where(entry => entry.RecordedDifferenceHash is not null)
                .DistinctBy(entry => entry.Path, StringComparer.Ordinal)
                .ToDictionary(entry => entry.Path, StringComparer.Ordinal);
        }
        catch (InvalidDataException)
        {
            return [];
        }
    }

    /// <summary>
    /// Validates, decodes and resizes one image once, and takes everything later tasks need from that one decode: the
    /// PNG's hash from the bytes about to be written (not by reading the file back) and the difference hash that groups
    /// near-duplicates.
    /// </summary>
    private Outcome Process(Candidate candidate, WorkDirectory work, IReadOnlyDictionary<string, ManifestEntry> processed)
    {
        try
        {
            var bytes = candidate.Read();
            // The API hashed feedback images when it stored them.
            var sourceSha = candidate.KnownSha256 ?? ImageHash.Sha256(bytes);
            var path = Path.Combine(work.Processed, candidate.Label.Name(), $"{sourceSha}.png");
            if (processed.TryGetValue(work.Relative(path), out var known) && File.Exists(path))
            {
                return new Outcome(sourceSha, known.Sha256, path, null, known.DifferenceHash);
            }

            using var image = preprocessor.LoadResized(bytes);
            byte[] png;
            using (var output = new MemoryStream())
            {
                image.Save(output, Encoder);
                png = output.ToArray();
            }

            if (!File.Exists(path))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
                File.WriteAllBytes(temporary, png);
                File.Move(temporary, path, overwrite: true);
            }

            var differenceHash = DifferenceHash.Of(image).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
            return new Outcome(sourceSha, ImageHash.Sha256(png), path, null, differenceHash);
        }
        catch (ImageRejectedException ex)
        {
            return new Outcome(null, null, null, $"Skipped {candidate.Origin}: {ex.Message}", null);
        }
        catch (Exception ex) when (ex is IOException or SqliteException)
        {
            return new Outcome(null, null, null, $"Skipped {candidate.Origin}: {ex.Message}", null);
        }
    }

    private static PreprocessReport Collect(IReadOnlyList<Candidate> candidates, IReadOnlyList<Outcome> outcomes, WorkDirectory work, out List<ManifestEntry> index)
    {
        index = [];
        var rejected = new List<string>();
        var conflicts = new List<string>();
        var seenSources = new HashSet<string>();
        var firstByProcessed = new Dictionary<string, Candidate>();
        int exact = 0, resized = 0, dataset = 0, feedback = 0;
        for (var i = 0; i < candidates.Count; i++)
        {
            var (candidate, outcome) = (candidates[i], outcomes[i]);
            if (outcome.Error is not null)
            {
                rejected.Add(outcome.Error);
                continue;
            }

            var isNewSource = seenSources.Add(outcome.SourceSha!);
            if (firstByProcessed.TryGetValue(outcome.ProcessedSha!, out var first))
            {
                if (isNewSource)
                {
                    resized++;
                }
                else
                {
                    exact++;
                }

                if (first.Label != candidate.Label)
                {
                    conflicts.Add($"{candidate.Origin} ({candidate.Label.Name()}) is the same image as {first.Origin} ({first.Label.Name()}); kept {first.Label.Name()}.");
                }

                continue;
            }

            firstByProcessed[outcome.ProcessedSha!] = candidate;
            index.Add(new ManifestEntry(work.Relative(outcome.Path!), candidate.Label.Name(), outcome.ProcessedSha!, candidate.Source, outcome.DifferenceHash));
            if (candidate.Source == ImageSource.Feedback)
            {
                feedback++;
            }
            else
            {
                dataset++;
            }
        }

        return new PreprocessReport
        {
            DatasetImages = dataset,
            FeedbackImages = feedback,
            ExactDuplicates = exact,
            ProcessedDuplicates = resized,
            Rejected = rejected,
            Conflicts = conflicts,
        };
    }

    private sealed record Candidate(string Origin, CellClass Label, string Source, Func<byte[]> Read, string? KnownSha256);

    private sealed record Outcome(string? SourceSha, string? ProcessedSha, string? Path, string? Error, string? DifferenceHash);
}
