using AllClassifier.Api.Predict;
using AllClassifier.Api.Serving;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Tests.Serving;

public sealed class InferenceGateTests
{
    private static InferenceGate Gate(int cores, bool wholeMachineWhenIdle = true) => new(Options.Create(new ModelServingOptions
    {
        MaxConcurrentInferences = cores,
        QueueLength = 4,
        WholeMachineWhenIdle = wholeMachineWhenIdle,
    }));

    [Fact]
    public async Task An_idle_machine_gives_one_inference_every_core_and_a_busy_one_gives_each_a_single_core()
    {
        using var gate = Gate(cores: 2);

        using (var alone = await gate.EnterAsync(CancellationToken.None))
        {
            Assert.True(alone.IsAcquired);
            Assert.True(alone.WholeMachine);
        }

        using var first = await gate.EnterAsync(CancellationToken.None);
        Assert.True(first.WholeMachine);
        // The whole-machine inference holds both cores: the next one waits for it instead of oversubscribing.
        var second = gate.EnterAsync(CancellationToken.None).AsTask();
        Assert.False(second.IsCompleted);

        first.Dispose();
        using var granted = await second.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(granted.IsAcquired);
        Assert.False(granted.WholeMachine);

        // One core is busy, so the next inference gets the other one alone.
        using var third = await gate.EnterAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(third.WholeMachine);
        var fourth = gate.EnterAsync(CancellationToken.None).AsTask();
        Assert.False(fourth.IsCompleted);
        granted.Dispose();
        using var afterQueue = await fourth.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(afterQueue.WholeMachine);
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(2, false)]
    public async Task Whole_machine_inference_is_off_with_one_core_or_when_disabled(int cores, bool wholeMachineWhenIdle)
    {
        using var gate = Gate(cores, wholeMachineWhenIdle);

        using var slot = await gate.EnterAsync(CancellationToken.None);

        Assert.True(slot.IsAcquired);
        Assert.False(slot.WholeMachine);
    }
}
