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
                    outcomes[i] = Process(candidates[i], work);
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

    private Outcome Process(Candidate candidate, WorkDirectory work)
    {
        try
        {
            var bytes = candidate.Read();
            // The API hashed feedback images when it stored them.
            var sourceSha = candidate.KnownSha256 ?? ImageHash.Sha256(bytes);
            var path = Path.Combine(work.Processed, candidate.Label.Name(), $"{sourceSha}.png");
            if (!File.Exists(path))
            {
                using var image = preprocessor.LoadResized(bytes);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
                image.Save(temporary, Encoder);
                File.Move(temporary, path, overwrite: true);
            }

            var processedSha = ImageHash.Sha256(File.ReadAllBytes(path));
            return new Outcome(sourceSha, processedSha, path, null);
        }
        catch (ImageRejectedException ex)
        {
            return new Outcome(null, null, null, $"Skipped {candidate.Origin}: {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or SqliteException)
        {
            return new Outcome(null, null, null, $"Skipped {candidate.Origin}: {ex.Message}");
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
            index.Add(new ManifestEntry(work.Relative(outcome.Path!), candidate.Label.Name(), outcome.ProcessedSha!, candidate.Source));
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

    private sealed record Outcome(string? SourceSha, string? ProcessedSha, string? Path, string? Error);
}
