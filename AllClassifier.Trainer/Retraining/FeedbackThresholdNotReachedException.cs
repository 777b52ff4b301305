namespace AllClassifier.Trainer.Retraining;

/// <summary>
/// wait_feedback gave up before enough corrections arrived: not a failure, only "not yet". The command line answers
/// it with <see cref="Commands.TrainerCli.NotReachedExitCode"/>, so a scheduler that checks once per poke (Airflow's
/// rescheduling sensor) can tell it from an error.
/// </summary>
public sealed class FeedbackThresholdNotReachedException(string message) : TimeoutException(message);
