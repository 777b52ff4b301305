namespace AllClassifier.Trainer.Worker;

/// <summary>The key of the worker's admin endpoints (<c>Admin__ApiKey</c>; the app host passes its API key). Unset, they answer 401.</summary>
public sealed class WorkerAdminOptions
{
    public const string SectionName = "Admin";

    public string? ApiKey { get; set; }
}
