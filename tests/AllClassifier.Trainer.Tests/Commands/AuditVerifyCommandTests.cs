using AllClassifier.Feedback;
using AllClassifier.Feedback.Audit;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace AllClassifier.Trainer.Tests.Commands;

public sealed class AuditVerifyCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("allclassifier-audit-cli-").FullName;

    [Fact]
    public async Task Verify_passes_an_intact_chain_and_names_the_first_edited_record()
    {
        var ledger = new AuditLedger(new SqliteAuditDatabase(Options.Create(new FeedbackOptions { Directory = _directory })), TimeProvider.System);
        for (var i = 0; i < 3; i++)
        {
            await ledger.WriteAsync(writer => writer.AppendAsync(AuditKinds.Prediction, "web:alice", $"p{i}", null, new { n = i }, CancellationToken.None), CancellationToken.None);
        }

        var (ok, okOutput) = await Cli.RunAsync("audit", "verify", "--feedback-dir", _directory);
        Assert.True(ok == 0, okOutput);
        Assert.Contains("ok: 3 records", okOutput, StringComparison.Ordinal);

        SqliteConnection.ClearAllPools();
        using (var connection = new SqliteConnection($"Data Source={FeedbackTable.DatabasePath(_directory)}"))
        {
            connection.Open();
            using var edit = connection.CreateCommand();
            edit.CommandText = "UPDATE audit_records SET body = replace(body, 'web:alice', 'web:eve') WHERE seq = 2";
            Assert.Equal(1, edit.ExecuteNonQuery());
        }

        var (broken, brokenOutput) = await Cli.RunAsync("audit", "verify", "--feedback-dir", _directory);
        Assert.Equal(1, broken);
        Assert.Contains("broken at record 2", brokenOutput, StringComparison.Ordinal);
        Assert.Contains("hash_mismatch", brokenOutput, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
