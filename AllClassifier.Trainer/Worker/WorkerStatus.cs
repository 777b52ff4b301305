namespace AllClassifier.Trainer.Worker;

public enum WorkerActivity
{
    Starting,
    TrainingFirstModel,
    WaitingForFeedback,
    Retraining,
    BackingOff,
}

/// <summary>What the retraining worker is doing and how its last pipeline run ended; read by its health check.</summary>
public sealed class WorkerStatus(TimeProvider timeProvider)
{
    private readonly Lock _gate = new();
    private WorkerSnapshot _snapshot = new(WorkerActivity.Starting, timeProvider.GetUtcNow(), null, null, null, null);

    public WorkerSnapshot Current
    {
        get
        {
            lock (_gate)
            {
                return _snapshot;
            }
        }
    }

    public void Enter(WorkerActivity activity)
    {
        lock (_gate)
        {
            _snapshot = _snapshot with { Activity = activity, Since = timeProvider.GetUtcNow() };
        }
    }

    public void RunSucceeded(string runId)
    {
        lock (_gate)
        {
            _snapshot = _snapshot with { LastRunId = runId, LastRunFinished = timeProvider.GetUtcNow(), LastError = null };
        }
    }

    /// <summary>Records what is wrong with the registry's champion (null once it is usable again).</summary>
    public void ReportRegistryProblem(string? problem)
    {
        lock (_gate)
        {
            _snapshot = _snapshot with { RegistryProblem = problem };
        }
    }

    public void RunFailed(string error)
    {
        lock (_gate)
        {
            _snapshot = _snapshot with { LastRunFinished = timeProvider.GetUtcNow(), LastError = error };
        }
    }
}

public sealed record WorkerSnapshot(
    WorkerActivity Activity,
    DateTimeOffset Since,
    string? LastRunId,
    DateTimeOffset? LastRunFinished,
    string? LastError,
    string? RegistryProblem);
