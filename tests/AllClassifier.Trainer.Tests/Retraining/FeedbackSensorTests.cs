using AllClassifier.Feedback;
using System.Threading.Channels;
using AllClassifier.Trainer.Retraining;
using Microsoft.Extensions.Time.Testing;

namespace AllClassifier.Trainer.Tests.Retraining;

public sealed class FeedbackSensorTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private readonly TempDirectory _root = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly Channel<SensorPoke> _pokes = Channel.CreateUnbounded<SensorPoke>();

    public FeedbackSensorTests() => FeedbackDatabase.Create(DatabasePath);

    private string DatabasePath => _root.Combine("feedback.db");

    [Fact]
    public async Task Succeeds_once_rows_after_the_high_water_mark_reach_the_threshold()
    {
        AddRows(5);
        var sensor = new FeedbackSensor(_time);
        var options = new SensorOptions { FeedbackDatabase = DatabasePath, Threshold = 3, PokeInterval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromDays(1) };

        var waiting = sensor.WaitAsync(options, afterId: 4, poke => _pokes.Writer.TryWrite(poke), CancellationToken.None);

        var first = await NextPoke();
        Assert.Equal(1, first.NewRows);
        AddRows(1);
        _time.Advance(TimeSpan.FromMinutes(59));
        Assert.False(waiting.IsCompleted);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(2, (await NextPoke()).NewRows);
        AddRows(1);
        _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(3, (await NextPoke()).NewRows);

        var result = await waiting.WaitAsync(Deadline);
        Assert.True(result.Reached);
        Assert.Equal(3, result.Pokes);
    }

    [Fact]
    public async Task Gives_up_at_the_timeout()
    {
        AddRows(2);
        var sensor = new FeedbackSensor(_time);
        var options = new SensorOptions { FeedbackDatabase = DatabasePath, Threshold = 100, PokeInterval = TimeSpan.FromHours(1), Timeout = TimeSpan.FromHours(2.5) };

        var waiting = sensor.WaitAsync(options, afterId: 0, poke => _pokes.Writer.TryWrite(poke), CancellationToken.None);
        await NextPoke();
        _time.Advance(TimeSpan.FromHours(1));
        await NextPoke();
        _time.Advance(TimeSpan.FromHours(1));
        await NextPoke();
        Assert.False(waiting.IsCompleted);
        _time.Advance(TimeSpan.FromHours(0.5));

        var result = await waiting.WaitAsync(Deadline);
        Assert.False(result.Reached);
        Assert.Equal(4, result.Pokes);
        Assert.Equal(2, result.NewRows);
    }

    [Fact]
    public async Task A_missing_database_counts_as_no_feedback()
    {
        Assert.Equal(0, await PendingFeedback.CountAsync(new SqliteFeedbackSource(_root.Combine("absent.db")), 0, CancellationToken.None));
    }

    public void Dispose() => _root.Dispose();

    private async Task<SensorPoke> NextPoke() => await _pokes.Reader.ReadAsync().AsTask().WaitAsync(Deadline);

    private void AddRows(int count)
    {
        for (var i = 0; i < count; i++)
        {
            FeedbackDatabase.Insert(DatabasePath, "Pre", TestImages.Png(i));
        }
    }
}
