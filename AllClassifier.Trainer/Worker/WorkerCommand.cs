using AllClassifier.Trainer.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spectre.Console.Cli;

namespace AllClassifier.Trainer.Worker;

/// <summary><c>worker</c>: runs the retraining service until stopped; configured by environment variables.</summary>
public sealed class WorkerCommand : AsyncCommand
{
    public override async Task<int> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddTrainerPipeline();
        builder.Services.AddOptions<WorkerOptions>().Bind(builder.Configuration);
        builder.Services.AddHostedService<RetrainingWorker>();
        using var host = builder.Build();
        await host.RunAsync(cancellationToken);
        return 0;
    }
}
