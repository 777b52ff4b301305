using AllClassifier.Feedback.Audit;
using System.Data.Common;
using System.Text.Json;

namespace AllClassifier.Api.Audit;

/// <summary>A prediction as its record and the kept image describe it.</summary>
public sealed record RecordedPrediction(PredictionRecordData Data, string? Caller, string? CaseId, byte[]? Image, string? ContentType, bool Expired);

/// <summary>Finds a prediction's record, and its kept image while it is kept.</summary>
public static class PredictionLookup
{
    public static async Task<RecordedPrediction?> FindAsync(
        DbConnection connection, DbTransaction? transaction, string predictionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Ids are 32 hex digits; anything else cannot be one, and is not looked up.
        if (predictionId.Length != 32 || !predictionId.All(Uri.IsHexDigit))
        {
            return null;
        }

        var record = (await AuditLedger.ReadSubjectAsync(connection, transaction, predictionId, cancellationToken))
            .FirstOrDefault(entry => entry.Kind == AuditKinds.Prediction);
        if (record is null)
        {
            return null;
        }

        using var body = JsonDocument.Parse(record.Body);
        var data = body.RootElement.GetProperty("data").Deserialize<PredictionRecordData>(AuditChain.DataOptions)!;
        var caller = body.RootElement.GetProperty("caller") is { ValueKind: JsonValueKind.String } name ? name.GetString() : null;

        await using var select = connection.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = $"SELECT img, content_type, expires_ts FROM {AuditTables.Images} WHERE prediction_id = @id";
        Sql.Bind(select, ("id", predictionId));
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return new RecordedPrediction(data, caller, record.CaseId, null, null, Expired: true);
        }

        var expired = !reader.IsDBNull(2) && reader.GetDouble(2) < AuditChain.Seconds(now);
        return new RecordedPrediction(data, caller, record.CaseId, expired ? null : (byte[])reader.GetValue(0), reader.GetString(1), expired);
    }
}
