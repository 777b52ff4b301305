namespace AllClassifier.Api.Audit;

/// <summary>
/// How long prediction records and kept images live (section <c>Audit</c>; <c>AUDIT_RETENTION_DAYS</c> is an alias of
/// <c>Audit:RetentionDays</c>).
/// </summary>
public sealed class AuditOptions
{
    public const string SectionName = "Audit";

    /// <summary>
    /// How long the image of a prediction made outside a case is kept, so that a correction can name the prediction
    /// instead of sending the bytes again; after it, such a correction is answered 410.
    /// </summary>
    public int PendingImageMinutes { get; set; } = 60;

    /// <summary>Records, cases and case images older than this many days are deleted; the chain keeps a checkpoint.</summary>
    public int RetentionDays { get; set; } = 180;

    /// <summary>How often expired images and records are deleted.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The default range of <c>GET /audit/predictions</c> when <c>from</c> is not given.</summary>
    public int DefaultExportDays { get; set; } = 30;
}
