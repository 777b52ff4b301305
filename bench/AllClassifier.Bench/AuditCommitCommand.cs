using System.ComponentModel;
using System.Diagnostics;
using AllClassifier.Api.Audit;
using AllClassifier.Api.Predict;
using AllClassifier.Api.Uploads;
using AllClassifier.Feedback;
using AllClassifier.Feedback.Audit;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Spectre.Console.Cli;

namespace AllClassifier.Bench;

/// <summary>
/// What the prediction record adds to every classification, on the disk the feedback store lives on: the API's own
/// recorder (hash chain, image kept, one transaction with <c>synchronous=FULL</c>) one record after another, as one
/// connection sends them, and a plain WAL transaction of the same size with <c>synchronous=FULL</c> and with
/// <c>NORMAL</c>: their difference is the disk's flush, which a 1-connection client waits for on every answer.
/// </summary>
public sealed class AuditCommitCommand : Command<AuditCommitCommand.Settings>
{
    private static readonly string RecordBody = new('x', 700); // about a prediction record's JSON

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--directory <DIR>")]
        [Description("A folder on the disk to measure (the feedback store's); a new database is made in a subfolder and removed.")]
        public required string Directory { get; init; }

        [CommandOption("--records <N>")]
        [DefaultValue(200)]
        public int Records { get; init; }

        [CommandOption("--image <FILE>")]
        [Description("The image kept with each record (a JPEG as clients send it).")]
        public required string Image { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var image = File.ReadAllBytes(settings.Image);
        var root = System.IO.Directory.CreateDirectory(Path.Combine(settings.Directory, $"audit-commit-{Guid.NewGuid():N}")).FullName;
        try
        {
            var recorder = Path.Combine(root, "recorder");
            Report("prediction record (the API's recorder)", Measure(settings.Records, RecordWith(recorder, image, cancellationToken)));
            foreach (var synchronous in new[] { "FULL", "NORMAL" })
            {
                using var connection = OpenPlain(Path.Combine(root, synchronous.ToLowerInvariant()), synchronous);
                Report($"plain WAL commit, synchronous={synchronous}", Measure(settings.Records, () => Commit(connection, image)));
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            System.IO.Directory.Delete(root, recursive: true);
        }

        return 0;
    }

    private static Action RecordWith(string directory, byte[] image, CancellationToken cancellationToken)
    {
        var feedback = Options.Create(new FeedbackOptions { Directory = directory });
        var ledger = new AuditLedger(new SqliteAuditDatabase(feedback), TimeProvider.System);
        var recorder = new PredictionRecorder(ledger, Options.Create(new AuditOptions()), feedback, NullLogger<PredictionRecorder>.Instance);
        var prediction = new PredictionResponse([0.7f, 0.1f, 0.1f, 0.1f], 0, "Benign", 1) { ImageContentType = "image/jpeg" };
        // A new upload each time, so each record hashes its image as a request does.
        return () => recorder.RecordAsync(
                prediction, new ImageUpload(image, null, new Dictionary<string, string>()), null, "bench", PredictionSources.Predict, false, cancellationToken)
            .GetAwaiter().GetResult();
    }

    private static SqliteConnection OpenPlain(string directory, string synchronous)
    {
        System.IO.Directory.CreateDirectory(directory);
        var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "plain.db")}");
        connection.Open();
        using var create = connection.CreateCommand();
        create.CommandText = $"PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; CREATE TABLE t(id INTEGER PRIMARY KEY, img BLOB, body TEXT)";
        create.ExecuteNonQuery();
        return connection;
    }

    private static void Commit(SqliteConnection connection, byte[] image)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO t(img, body) VALUES (@img, @body)";
        insert.Parameters.AddWithValue("@img", image);
        insert.Parameters.AddWithValue("@body", RecordBody);
        insert.ExecuteNonQuery();
        transaction.Commit();
    }

    /// <summary>Wall-clock milliseconds per call (sorted) and the process's CPU milliseconds per call.</summary>
    private static (double[] Wall, double CpuMs) Measure(int count, Action write)
    {
        write(); // opens the file and creates the schema outside the measurement
        var wall = new double[count];
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        for (var i = 0; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            write();
            wall[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        process.Refresh();
        Array.Sort(wall);
        return (wall, (process.TotalProcessorTime - cpu).TotalMilliseconds / count);
    }

    private static void Report(string what, (double[] Wall, double CpuMs) measured) =>
        Console.WriteLine(FormattableString.Invariant(
            $"{what}: p50 {measured.Wall[measured.Wall.Length / 2]:F2} ms, p90 {measured.Wall[measured.Wall.Length * 9 / 10]:F2} ms, {measured.CpuMs:F2} CPU ms per record"));
}
