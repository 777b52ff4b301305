using System.ComponentModel;
using AllClassifier.Feedback;
using AllClassifier.Feedback.Audit;
using Microsoft.Extensions.Options;
using Npgsql;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AllClassifier.Trainer.Commands;

public sealed class AuditVerifySettings : CommandSettings
{
    [CommandOption("--feedback-dir <DIR>")]
    [Description("Directory of feedback.db, which holds the audit chain. Default: Feedback:Directory ($FEEDBACK_DIR), else /app/data.")]
    public string? FeedbackDirectory { get; init; }

    [CommandOption("--connection-string <CS>")]
    [Description("The PostgreSQL feedback database instead. Default: Feedback:ConnectionString ($ConnectionStrings__feedback).")]
    public string? ConnectionString { get; init; }
}

/// <summary>
/// <c>audit verify</c>: checks the hash chain of prediction records, reviews and sign-offs in the feedback database,
/// the same check as the API's <c>GET /audit/verify</c>; exit code 1 names the first break.
/// </summary>
public sealed class AuditVerifyCommand(IAnsiConsole console, IOptions<FeedbackOptions> feedback) : AsyncCommand<AuditVerifySettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, AuditVerifySettings settings, CancellationToken cancellationToken)
    {
        var connectionString = settings.ConnectionString ?? (settings.FeedbackDirectory is null ? feedback.Value.PostgresConnectionString : null);
        AuditDatabase database;
        NpgsqlDataSource? dataSource = null;
        if (!string.IsNullOrEmpty(connectionString))
        {
            dataSource = NpgsqlDataSource.Create(connectionString);
            database = new PostgresAuditDatabase(dataSource);
        }
        else
        {
            var options = new FeedbackOptions { Directory = settings.FeedbackDirectory ?? feedback.Value.Directory };
            if (!File.Exists(options.DatabasePath))
            {
                throw new FileNotFoundException($"there is no feedback database at {options.DatabasePath}");
            }

            database = new SqliteAuditDatabase(Options.Create(options));
        }

        try
        {
            var verification = await new AuditLedger(database, TimeProvider.System).VerifyAsync(cancellationToken);
            if (verification.FirstBreak is { } broken)
            {
                console.MarkupLineInterpolated(
                    $"[red]broken[/] at record {broken.Seq} ({broken.RecordId}): {broken.Reason} [[{broken.Code}]]; {verification.Records} records read, {database.Describe}");
                return TrainerCli.ErrorExitCode;
            }

            console.MarkupLineInterpolated($"[green]ok[/]: {verification.Records} records chain without a break in {database.Describe}; head {verification.HeadHash ?? "-"}");
            return 0;
        }
        finally
        {
            if (dataSource is not null)
            {
                await dataSource.DisposeAsync();
            }
        }
    }
}
