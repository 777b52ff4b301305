using AllClassifier.Feedback.Audit;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AllClassifier.Api.Access;
using AllClassifier.Api.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Audit;

/// <summary>The answer of <c>GET /audit/verify</c>.</summary>
public sealed record VerifyResponse(bool Ok, long Records, ChainBreak? FirstBreak, string? HeadHash);

/// <summary>One exported record: its hashed body's fields, with the hash that chains it.</summary>
public sealed record ExportedRecord(
    long Seq, string RecordId, string Kind, string Time, string? Caller, string? Subject, string? CaseId, JsonElement Data, string PrevHash, string Hash);

/// <summary>The JSON answer of <c>GET /audit/predictions</c>.</summary>
public sealed record ExportResponse(string From, string To, VerifyResponse Verification, IReadOnlyList<ExportedRecord> Records);

public static class AuditEndpoints
{
    public const string ChainOkHeader = "X-Audit-Chain-Ok";
    public const string ChainRecordsHeader = "X-Audit-Records";
    public const string FirstBreakHeader = "X-Audit-First-Break";

    public static IEndpointRouteBuilder MapAuditEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/audit").WithTags("Audit").RequireAuthorization(ApiPolicies.Admin);

        group.MapGet("/verify", Verify)
            .WithName("VerifyAudit")
            .WithSummary("Checks the whole hash chain of prediction records, reviews and sign-offs and names the first break.")
            .WithDescription(
                "ok=false names the first record that does not check out (seq, record_id, reason, code: hash_mismatch for an " +
                "edited record, prev_hash_mismatch when the record before it was edited or removed, missing_records, " +
                "column_mismatch, checkpoint_mismatch, malformed). head_hash is the newest record's hash: kept elsewhere, " +
                "it also reveals a later truncation of the newest records.")
            .Produces<ErrorResponse>(StatusCodes.Status401Unauthorized);

        group.MapGet("/predictions", Export)
            .WithName("ExportAudit")
            .WithSummary("Exports the prediction records, reviews and sign-offs of a time range (JSON or CSV) with the chain's verification.")
            .WithDescription(
                "Query 'from' and 'to': ISO 8601 dates or times (UTC when no offset; a date alone means its midnight), " +
                "default the last 30 days up to now; 'format': json (default) or csv. The CSV carries the verification in the " +
                $"headers {ChainOkHeader}, {ChainRecordsHeader} and {FirstBreakHeader}. Errors: 422 bad date, range or format.")
            .Produces<ErrorResponse>(StatusCodes.Status401Unauthorized)
            .Produces<ErrorResponse>(StatusCodes.Status422UnprocessableEntity);
        return app;
    }

    private static async Task<Ok<VerifyResponse>> Verify(AuditLedger ledger, CancellationToken cancellationToken) =>
        TypedResults.Ok(ToResponse(await ledger.VerifyAsync(cancellationToken)));

    private static async Task<IResult> Export(
        HttpResponse response,
        AuditLedger ledger,
        TimeProvider time,
        IOptions<AuditOptions> options,
        CancellationToken cancellationToken,
        string? from = null,
        string? to = null,
        string? format = null)
    {
        var now = time.GetUtcNow();
        if (!TryParseTime(to, now, out var end) || !TryParseTime(from, end.AddDays(-options.Value.DefaultExportDays), out var start))
        {
            return new ApiError(StatusCodes.Status422UnprocessableEntity, ErrorCodes.InvalidRange, "'from' and 'to' must be ISO 8601 dates or times, e.g. 2026-01-31 or 2026-01-31T08:00:00Z").ToResult(response);
        }

        if (start >= end)
        {
            return new ApiError(StatusCodes.Status422UnprocessableEntity, ErrorCodes.InvalidRange, "'from' must be before 'to'").ToResult(response);
        }

        var csv = string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase);
        if (format is not null && !csv && !string.Equals(format, "json", StringComparison.OrdinalIgnoreCase))
        {
            return new ApiError(StatusCodes.Status422UnprocessableEntity, ErrorCodes.InvalidFormat, $"'format' is '{format}'; expected json or csv").ToResult(response);
        }

        var verification = ToResponse(await ledger.VerifyAsync(cancellationToken));
        var records = await ledger.ReadAsync(
            async connection =>
            {
                var exported = new List<ExportedRecord>();
                await foreach (var entry in AuditLedger.ReadEntriesAsync(connection, start, end, cancellationToken))
                {
                    exported.Add(ToExported(entry));
                }

                return exported;
            },
            cancellationToken);

        if (!csv)
        {
            return TypedResults.Ok(new ExportResponse(AuditChain.Iso(start), AuditChain.Iso(end), verification, records));
        }

        response.Headers[ChainOkHeader] = verification.Ok ? "true" : "false";
        response.Headers[ChainRecordsHeader] = verification.Records.ToString(CultureInfo.InvariantCulture);
        if (verification.FirstBreak is { } broken)
        {
            response.Headers[FirstBreakHeader] = $"{broken.Seq} {broken.Code}";
        }

        var name = $"audit-{start:yyyyMMdd}-{end:yyyyMMdd}.csv";
        return TypedResults.File(Encoding.UTF8.GetBytes(AuditCsv.Write(records)), "text/csv; charset=utf-8", name);
    }

    private static VerifyResponse ToResponse(ChainVerification verification) =>
        new(verification.Ok, verification.Records, verification.FirstBreak, verification.HeadHash);

    private static ExportedRecord ToExported(AuditEntry entry)
    {
        using var document = JsonDocument.Parse(entry.Body);
        var root = document.RootElement;
        string? Text(string name) => root.GetProperty(name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;
        return new ExportedRecord(
            entry.Seq, entry.RecordId, entry.Kind, Text("time")!, Text("caller"), entry.Subject, entry.CaseId,
            root.GetProperty("data").Clone(), entry.PrevHash, entry.Hash);
    }

    private static bool TryParseTime(string? text, DateTimeOffset fallback, out DateTimeOffset value)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            value = fallback;
            return true;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }
}

/// <summary>The CSV export: one row per record, the fields a lab filters on first and the full data as JSON.</summary>
public static class AuditCsv
{
    private static readonly string[] DataColumns = ["prediction_id", "model_version", "class_name", "image_sha256", "decision", "accession"];

    public static string Write(IEnumerable<ExportedRecord> records)
    {
        var csv = new StringBuilder();
        csv.AppendLine(string.Join(',', ["seq", "time", "kind", "caller", "subject", "case_id", .. DataColumns, "data", "prev_hash", "hash"]));
        foreach (var record in records)
        {
            string[] fields =
            [
                record.Seq.ToString(CultureInfo.InvariantCulture), record.Time, record.Kind, record.Caller ?? "", record.Subject ?? "", record.CaseId ?? "",
                .. DataColumns.Select(column => record.Data.TryGetProperty(column, out var value) && value.ValueKind != JsonValueKind.Null ? value.ToString() : ""),
                record.Data.GetRawText(), record.PrevHash, record.Hash,
            ];
            csv.AppendLine(string.Join(',', fields.Select(Quote)));
        }

        return csv.ToString();
    }

    // RFC 4180 quoting; a leading formula character is prefixed so a spreadsheet shows text instead of running it.
    private static string Quote(string field)
    {
        if (field.Length > 0 && field[0] is '=' or '+' or '-' or '@')
        {
            field = "'" + field;
        }

        return field.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : field;
    }
}
