using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace AllClassifier.Feedback.Audit;

/// <summary>One link of the audit chain as it is stored: the canonical body and the columns indexed beside it.</summary>
public sealed record AuditEntry(long Seq, string RecordId, string Kind, double Ts, string? Subject, string? CaseId, string Body, string PrevHash, string Hash);

/// <summary>Where verification found the chain broken: the first record that does not check out, and why.</summary>
public sealed record ChainBreak(long Seq, string RecordId, string Reason, string Code);

/// <summary>The verdict over the whole stored chain.</summary>
public sealed record ChainVerification(bool Ok, long Records, ChainBreak? FirstBreak)
{
    /// <summary>The hash of the last record checked: keep it elsewhere to detect a later truncation of the tail.</summary>
    public string? HeadHash { get; init; }
}

/// <summary>The point a retention sweep cut the chain at: the last deleted record's sequence number and hash.</summary>
public sealed record ChainCheckpoint(long ThroughSeq, string Hash);

/// <summary>
/// The hash chain of the audit trail, defined once for the API and the verification command.
/// <para>
/// Canonical serialisation: a record's body is one JSON object without whitespace, UTF-8, with the properties
/// <c>seq, record_id, kind, time, prev_hash, caller, subject, case_id, data</c> in this order (<c>time</c> ISO 8601 UTC
/// with milliseconds, <c>data</c> the kind's own fields, snake_case, in their declared order). The body is stored
/// verbatim and its hash is the lower-case hex SHA-256 of those bytes; <c>prev_hash</c> is the previous record's hash
/// (64 zeros for the first). Anyone can therefore check a chain without this code: hash each body, compare with the
/// next body's <c>prev_hash</c>, and check that <c>seq</c> counts up by one.
/// </para>
/// </summary>
public static class AuditChain
{
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    public static JsonSerializerOptions DataOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
    };

    /// <summary>Builds the stored link that follows <paramref name="prevSeq"/>/<paramref name="prevHash"/>.</summary>
    public static AuditEntry Link(
        long prevSeq, string prevHash, string kind, DateTimeOffset time, string? caller, string? subject, string? caseId, object data)
    {
        var seq = prevSeq + 1;
        var recordId = NewId();
        var body = Body(seq, recordId, kind, time, prevHash, caller, subject, caseId, JsonSerializer.SerializeToElement(data, data.GetType(), DataOptions));
        return new AuditEntry(seq, recordId, kind, Seconds(time), subject, caseId, body, prevHash, HashOf(body));
    }

    /// <summary>An opaque, unguessable identifier: 128 random bits as 32 lower-case hex digits.</summary>
    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static string HashOf(string body) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));

    /// <summary>Unix seconds with milliseconds, as the indexed <c>ts</c> column and the feedback table keep time.</summary>
    public static double Seconds(DateTimeOffset time) => time.ToUnixTimeMilliseconds() / 1000.0;

    public static string Iso(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// Checks the links in sequence order. The first must follow the retention <paramref name="checkpoint"/> (or the
    /// genesis when nothing was ever deleted); each body must hash to its stored hash, name the previous hash, count
    /// up by one and agree with its indexed columns; the newest retention record must name the checkpoint.
    /// </summary>
    public static async Task<ChainVerification> VerifyAsync(
        IAsyncEnumerable<AuditEntry> entries, ChainCheckpoint? checkpoint, CancellationToken cancellationToken)
    {
        var expectedSeq = (checkpoint?.ThroughSeq ?? 0) + 1;
        var expectedPrev = checkpoint?.Hash ?? GenesisHash;
        long count = 0;
        ChainCheckpoint? lastRetention = null;
        AuditEntry? lastRetentionEntry = null;
        string? head = null;
        await foreach (var entry in entries.WithCancellation(cancellationToken))
        {
            count++;
            if (Check(entry, expectedSeq, expectedPrev) is { } broken)
            {
                return new ChainVerification(false, count, broken) { HeadHash = head };
            }

            if (entry.Kind == AuditKinds.Retention)
            {
                using var body = JsonDocument.Parse(entry.Body);
                var data = body.RootElement.GetProperty("data");
                lastRetention = new ChainCheckpoint(data.GetProperty("deleted_through_seq").GetInt64(), data.GetProperty("deleted_through_hash").GetString()!);
                lastRetentionEntry = entry;
            }

            head = entry.Hash;
            expectedSeq = entry.Seq + 1;
            expectedPrev = entry.Hash;
        }

        if (checkpoint is not null && lastRetention != checkpoint)
        {
            var at = lastRetentionEntry;
            return new ChainVerification(false, count, new ChainBreak(
                at?.Seq ?? checkpoint.ThroughSeq + 1,
                at?.RecordId ?? "",
                $"the retention checkpoint (through record {checkpoint.ThroughSeq}) is not the one the chain's last retention record names",
                "checkpoint_mismatch")) { HeadHash = head };
        }

        return new ChainVerification(true, count, null) { HeadHash = head };
    }

    private static ChainBreak? Check(AuditEntry entry, long expectedSeq, string expectedPrev)
    {
        ChainBreak Break(string code, string reason) => new(entry.Seq, entry.RecordId, reason, code);

        if (entry.Seq != expectedSeq)
        {
            return entry.Seq > expectedSeq
                ? Break("missing_records", $"records {expectedSeq} to {entry.Seq - 1} are missing (deleted)")
                : Break("out_of_order", $"sequence number {entry.Seq} follows {expectedSeq - 1}");
        }

        if (!string.Equals(HashOf(entry.Body), entry.Hash, StringComparison.Ordinal))
        {
            return Break("hash_mismatch", "the record's content does not match its hash (edited)");
        }

        if (!string.Equals(entry.PrevHash, expectedPrev, StringComparison.Ordinal))
        {
            return Break("prev_hash_mismatch", "the record does not name the previous record's hash (the previous record was edited or removed)");
        }

        try
        {
            using var document = JsonDocument.Parse(entry.Body);
            var root = document.RootElement;
            var agrees = root.GetProperty("seq").GetInt64() == entry.Seq
                && root.GetProperty("record_id").GetString() == entry.RecordId
                && root.GetProperty("kind").GetString() == entry.Kind
                && root.GetProperty("prev_hash").GetString() == entry.PrevHash
                && Nullable(root.GetProperty("subject")) == entry.Subject
                && Nullable(root.GetProperty("case_id")) == entry.CaseId
                && Math.Abs(Seconds(root.GetProperty("time").GetDateTimeOffset()) - entry.Ts) < 0.0015;
            return agrees ? null : Break("column_mismatch", "the record's indexed columns differ from its hashed content (edited)");
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return Break("malformed", "the record's content is not a well-formed audit record");
        }
    }

    private static string? Nullable(JsonElement element) => element.ValueKind == JsonValueKind.Null ? null : element.GetString();

    private static string Body(
        long seq, string recordId, string kind, DateTimeOffset time, string prevHash, string? caller, string? subject, string? caseId, JsonElement data)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("seq", seq);
            writer.WriteString("record_id", recordId);
            writer.WriteString("kind", kind);
            writer.WriteString("time", Iso(time));
            writer.WriteString("prev_hash", prevHash);
            WriteNullable(writer, "caller", caller);
            WriteNullable(writer, "subject", subject);
            WriteNullable(writer, "case_id", caseId);
            writer.WritePropertyName("data");
            data.WriteTo(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteNullable(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }
}

/// <summary>The kinds of audit record.</summary>
public static class AuditKinds
{
    public const string Prediction = "prediction";
    public const string HeatmapShown = "heatmap_shown";
    public const string Correction = "correction";
    public const string CaseCreated = "case_created";
    public const string Review = "review";
    public const string SignOff = "signoff";
    public const string Retention = "retention";
}
