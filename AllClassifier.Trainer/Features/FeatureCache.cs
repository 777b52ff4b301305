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
        // secure_delete: features of an image that was deleted are zeroed, not left in free pages (RemoveImagesExcept).
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            PRAGMA secure_delete = ON;
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

    /// <summary>
    /// Deletes the entries of every image whose content hash is not in <paramref name="keptSha256"/> (its views and
    /// shifted copies alike), then truncates the WAL so the deleted vectors leave the files; returns the entries deleted.
    /// </summary>
    public int RemoveImagesExcept(IReadOnlySet<string> keptSha256)
    {
        var doomed = new List<string>();
        using (var keys = _connection.CreateCommand())
        {
            keys.CommandText = "SELECT DISTINCT sha256 FROM features";
            using var reader = keys.ExecuteReader();
            while (reader.Read())
            {
                var key = reader.GetString(0);
                // A shifted copy's key is "<sha256>:<shift>" (FeatureRequest.CacheKey).
                var separator = key.IndexOf(':', StringComparison.Ordinal);
                if (!keptSha256.Contains(separator < 0 ? key : key[..separator]))
                {
                    doomed.Add(key);
                }
            }
        }

        if (doomed.Count == 0)
        {
            return 0;
        }

        var removed = 0;
        using (var transaction = _connection.BeginTransaction())
        using (var delete = _connection.CreateCommand())
        {
            delete.Transaction = transaction;
            delete.CommandText = "DELETE FROM features WHERE sha256 = $sha";
            var sha = delete.Parameters.Add("$sha", SqliteType.Text);
            foreach (var key in doomed)
            {
                sha.Value = key;
                removed += delete.ExecuteNonQuery();
            }

            transaction.Commit();
        }

        using var checkpoint = _connection.CreateCommand();
        checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
        checkpoint.ExecuteNonQuery();
        return removed;
    }

    public void Dispose() => _connection.Dispose();
}
