namespace AllClassifier.Api.Tests.Infrastructure;

/// <summary>Waits for a state by polling it, with a deadline, instead of sleeping for a guessed time.</summary>
public static class Poll
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public static Task UntilAsync(Func<bool> condition, string what) => UntilAsync(() => Task.FromResult(condition()), what);

    public static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }
    }
}
