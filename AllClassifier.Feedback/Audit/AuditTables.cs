namespace AllClassifier.Feedback.Audit;

/// <summary>
/// The tables of prediction records, kept images and cases, beside the feedback table in the same database (SQLite
/// file or PostgreSQL). The chain is <c>audit_records</c>; every other table is working state that the chain records
/// the changes of, so deleting from them (an expired image, a case past retention) never breaks it.
/// </summary>
public static class AuditTables
{
    public const string Records = "audit_records";
    public const string Checkpoint = "audit_checkpoint";
    public const string Images = "audit_images";
    public const string Cases = "cases";
    public const string CaseImages = "case_images";

    /// <summary>The schema with the dialect's type names for binary, floating-point and integer columns.</summary>
    public static string CreateSql(string blob, string real, string integer) => $"""
        CREATE TABLE IF NOT EXISTS {Records}(
          seq       {integer} PRIMARY KEY,
          record_id TEXT NOT NULL UNIQUE,
          kind      TEXT NOT NULL,
          ts        {real} NOT NULL,
          subject   TEXT,
          case_id   TEXT,
          body      TEXT NOT NULL,
          prev_hash TEXT NOT NULL,
          hash      TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS audit_records_subject ON {Records}(subject);
        CREATE INDEX IF NOT EXISTS audit_records_ts ON {Records}(ts);
        CREATE INDEX IF NOT EXISTS audit_records_case ON {Records}(case_id);
        CREATE TABLE IF NOT EXISTS {Checkpoint}(
          id         {integer} PRIMARY KEY,
          through_seq {integer} NOT NULL,
          hash       TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS {Images}(
          prediction_id TEXT PRIMARY KEY,
          case_id       TEXT,
          content_type  TEXT NOT NULL,
          img           {blob} NOT NULL,
          ts            {real} NOT NULL,
          expires_ts    {real}
        );
        CREATE INDEX IF NOT EXISTS audit_images_expires ON {Images}(expires_ts);
        CREATE TABLE IF NOT EXISTS {Cases}(
          case_id    TEXT PRIMARY KEY,
          accession  TEXT NOT NULL,
          status     TEXT NOT NULL,
          created_ts {real} NOT NULL,
          created_by TEXT,
          signed_ts  {real},
          signed_by  TEXT
        );
        CREATE UNIQUE INDEX IF NOT EXISTS cases_open_accession ON {Cases}(accession) WHERE status = 'open';
        CREATE TABLE IF NOT EXISTS {CaseImages}(
          prediction_id   TEXT PRIMARY KEY,
          case_id         TEXT NOT NULL,
          file_name       TEXT,
          uploaded_ts     {real} NOT NULL,
          uploaded_by     TEXT,
          probabilities   TEXT NOT NULL,
          predicted_class {integer} NOT NULL,
          model_version   {integer} NOT NULL,
          top_probability {real} NOT NULL,
          refer           {integer} NOT NULL,
          refer_reasons   TEXT NOT NULL,
          ood_score       {real},
          decision        TEXT,
          reviewer        TEXT,
          reviewed_ts     {real},
          feedback_id     {integer}
        );
        CREATE INDEX IF NOT EXISTS case_images_case ON {CaseImages}(case_id, uploaded_ts);
        """;
}
