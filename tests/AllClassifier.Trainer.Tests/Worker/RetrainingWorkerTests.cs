using AllClassifier.Model.Registry;
using AllClassifier.Trainer.Pipeline;
using AllClassifier.Trainer.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AllClassifier.Trainer.Tests.Worker;

public sealed class RetrainingWorkerTests
{
    [Fact]
    public async Task On_an_empty_registry_without_a_dataset_it_trains_a_first_model_on_synthetic_data()
    {
        using var root = new TempDirectory();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MODEL_REGISTRY_DIR"] = root.Combine("registry"),
            ["WORK_DIR"] = root.Combine("work"),
            ["FEEDBACK_DIR"] = root.Combine("feedback"),
            ["DATA_DIR"] = "",
            ["SYNTHETIC_PER_CLASS"] = "8",
            ["FB_THRESH"] = "5",
        });
        builder.Services.AddTrainerPipeline();
        builder.Services.AddOptions<WorkerOptions>().Bind(builder.Configuration);
        builder.Services.AddHostedService<RetrainingWorker>();
        using var host = builder.Build();

        await host.StartAsync();
        var registry = new LocalModelRegistry(root.Combine("registry"));
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (registry.Champion() is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        await host.StopAsync();
        var champion = registry.Champion();
        Assert.NotNull(champion);
        Assert.Equal(32, Directory.EnumerateFiles(root.Combine("work", "synthetic"), "*.jpg", SearchOption.AllDirectories).Count());
        Assert.Equal(0, champion.Card.FeedbackHighWaterMark);
        Assert.Equal(5, host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<WorkerOptions>>().Value.FeedbackThreshold);
    }
}
