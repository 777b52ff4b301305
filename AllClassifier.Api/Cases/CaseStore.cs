using AllClassifier.Feedback.Audit;
using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using AllClassifier.Api.Audit;
using AllClassifier.Model;

namespace AllClassifier.Api.Cases;

/// <summary>The state of a case as one read sees it, for the rules a change must pass.</summary>
public sealed record CaseState(CaseSummary Summary, bool Signed);

/// <summary>An image's prediction and review, with the feedback row its current review stored (if any).</summary>
public sealed record StoredCaseImage(CaseImage Image, string CaseId, string Accession, long? FeedbackId, double TopProbability);

/// <summary>Reads of the case tables, shared by the endpoints and the rules inside their write transactions.</summary>
public static class CaseStore
{
    public const string CaseColumns = "c.case_id, c.accession, c.status, c.created_ts, c.created_by, c.signed_ts, c.signed_by";

    private const string Counts = $"""
        (SELECT count(*) FROM {AuditTables.CaseImages} i WHERE i.case_id = c.case_id),
        (SELECT count(*) FROM {AuditTables.CaseImages} i WHERE i.case_id = c.case_id AND i.decision IS NOT NULL),
        (SELECT count(*) FROM {AuditTables.CaseImages} i WHERE i.case_id = c.case_id AND i.refer = 1)
        """;

    private const string ImageColumns =
        "i.prediction_id, i.file_name, i.uploaded_ts, i.uploaded_by, i.probabilities, i.predicted_class, i.model_version, i.refer, " +
        "i.refer_reasons, i.ood_score, i.decision, i.reviewer, i.reviewed_ts, i.feedback_id, i.top_probability, i.case_id, c.accession";

    public const string Open = "open";
    public const string Signed = "signed";

    public static async Task<CaseState?> FindAsync(DbConnection connection, DbTransaction? transaction, string caseId, CancellationToken cancellationToken)
    {
        var cases = await ListAsync(connection, transaction, "c.case_id = @case_id", cancellationToken, int.MaxValue, ("case_id", caseId));
        return cases.Count == 0 ? null : new CaseState(cases[0], cases[0].Status == Signed);
    }

    public static async Task<IReadOnlyList<CaseSummary>> ListAsync(
        DbConnection connection, DbTransaction? transaction, string where, CancellationToken cancellationToken, int limit, params (string, object?)[] parameters)
    {
        await using var select = connection.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = $"SELECT {CaseColumns}, {Counts} FROM {AuditTables.Cases} c WHERE {where} ORDER BY c.created_ts DESC, c.case_id LIMIT @limit";
        Sql.Bind(select, [.. parameters, ("limit", (long)Math.Min(limit, int.MaxValue))]);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var cases = new List<CaseSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            cases.Add(new CaseSummary(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                Iso(reader.GetValue(3))!,
                NullableText(reader, 4),
                Int(reader.GetValue(7)),
                Int(reader.GetValue(8)),
                Int(reader.GetValue(9)),
                Iso(reader.GetValue(5)),
                NullableText(reader, 6)));
        }

        return cases;
    }

    public static async Task<IReadOnlyList<StoredCaseImage>> ImagesAsync(
        DbConnection connection, DbTransaction? transaction, string where, string orderBy, CancellationToken cancellationToken, int limit, params (string, object?)[] parameters)
    {
        await using var select = connection.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = $"""
            SELECT {ImageColumns} FROM {AuditTables.CaseImages} i JOIN {AuditTables.Cases} c ON c.case_id = i.case_id
            WHERE {where} ORDER BY {orderBy} LIMIT @limit
            """;
        Sql.Bind(select, [.. parameters, ("limit", (long)limit)]);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var images = new List<StoredCaseImage>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var predicted = Int(reader.GetValue(5));
            var review = reader.IsDBNull(10)
                ? null
                : new ImageReview(reader.GetString(10), NullableText(reader, 11), Iso(reader.GetValue(12))!);
            var image = new CaseImage(
                reader.GetString(0),
                NullableText(reader, 1),
                Iso(reader.GetValue(2))!,
                NullableText(reader, 3),
                JsonSerializer.Deserialize<float[]>(reader.GetString(4))!,
                predicted,
                CellClasses.Names[predicted],
                Int(reader.GetValue(6)),
                Int(reader.GetValue(7)) != 0,
                JsonSerializer.Deserialize<string[]>(reader.GetString(8))!,
                reader.IsDBNull(9) ? null : Convert.ToDouble(reader.GetValue(9), CultureInfo.InvariantCulture),
                review);
            images.Add(new StoredCaseImage(
                image,
                reader.GetString(15),
                reader.GetString(16),
                reader.IsDBNull(13) ? null : Convert.ToInt64(reader.GetValue(13), CultureInfo.InvariantCulture),
                Convert.ToDouble(reader.GetValue(14), CultureInfo.InvariantCulture)));
        }

        return images;
    }

    public static Task<IReadOnlyList<StoredCaseImage>> ImagesOfAsync(DbConnection connection, DbTransaction? transaction, string caseId, CancellationToken cancellationToken) =>
        ImagesAsync(connection, transaction, "i.case_id = @case_id", "i.uploaded_ts, i.prediction_id", cancellationToken, int.MaxValue, ("case_id", caseId));

    public static async Task<CaseDetail?> DetailAsync(DbConnection connection, DbTransaction? transaction, string caseId, CancellationToken cancellationToken)
    {
        if (await FindAsync(connection, transaction, caseId, cancellationToken) is not { } state)
        {
            return null;
        }

        var images = await ImagesOfAsync(connection, transaction, caseId, cancellationToken);
        return CaseDetail.Of(state.Summary, [.. images.Select(image => image.Image)]);
    }

    public static string? Iso(object value) =>
        value is DBNull ? null : AuditChain.Iso(DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(Convert.ToDouble(value, CultureInfo.InvariantCulture) * 1000)));

    private static int Int(object value) => Convert.ToInt32(value, CultureInfo.InvariantCulture);

    private static string? NullableText(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
