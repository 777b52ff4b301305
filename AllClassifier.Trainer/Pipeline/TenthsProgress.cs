namespace AllClassifier.Trainer.Pipeline;

/// <summary>
/// Progress for plain output (logs, redirected consoles): calls <paramref name="write"/> with (done, percent) only
/// when another tenth of the work is done, so long steps give about ten lines. Safe to report from many threads.
/// </summary>
public sealed class TenthsProgress(int total, Action<int, int> write) : IProgress<int>
{
    private readonly Lock _lock = new();
    private int _writtenTenths = -1;

    public void Report(int value)
    {
        var tenths = total <= 0 ? 10 : Math.Clamp(value * 10 / total, 0, 10);
        lock (_lock)
        {
            if (tenths <= _writtenTenths)
            {
                return;
            }

            _writtenTenths = tenths;
            write(value, tenths * 10);
        }
    }

    public void Finish() => Report(total);
}
