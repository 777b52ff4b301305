using System.Runtime.InteropServices;
using AllClassifier.Training.Augmentation;
using Microsoft.Data.Sqlite;

namespace AllClassifier.Trainer.Features;

/// <summary>
/// Backbone features on disk (<c>&lt;workdir&gt;/feature-cache.db</c>), keyed by the processed image's SHA-256 and
/// the dihedral view, so a rerun computes features only for images it has not seen. A shifted copy of an image
/// (<see cref="AcquisitionShift"/>) is keyed by its <see cref="FeatureRequest.CacheKey"/>.
/// </summary>
public sealed class FeatureCache : IDisposable
{
    public const string FileName = "feature-cache.db";

    private readonly SqliteConnection _connection;

    public FeatureCache(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        using var command = _connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS features(
              sha256 TEXT NOT NULL,
              view INTEGER NOT NULL,
              vector BLOB NOT NULL,
              PRIMARY KEY (sha256, view));
            """;
        command.ExecuteNonQuery();
    }

    public int Count
    {
        get
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM features";
            return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    public float[]? TryGet(string sha256, int view)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT vector FROM features WHERE sha256 = $sha AND view = $view";
        command.Parameters.AddWithValue("$sha", sha256);
        command.Parameters.AddWithValue("$view", view);
        return command.ExecuteScalar() is byte[] blob ? MemoryMarshal.Cast<byte, float>(blob).ToArray() : null;
    }

    public void PutMany(IEnumerable<(string Sha256, int View, float[] Vector)> entries)
    {
        using var transaction = _connection.BeginTransaction();
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT OR REPLACE INTO features(sha256, view, vector) VALUES ($sha, $view, $vector)";
        var sha = command.Parameters.Add("$sha", SqliteType.Text);
        var view = command.Parameters.Add("$view", SqliteType.Integer);
        var vector = command.Parameters.Add("$vector", SqliteType.Blob);
        foreach (var entry in entries)
        {
            sha.Value = entry.Sha256;
            view.Value = entry.View;
            vector.Value = MemoryMarshal.AsBytes(entry.Vector.AsSpan()).ToArray();
            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    public void Dispose() => _connection.Dispose();
}
