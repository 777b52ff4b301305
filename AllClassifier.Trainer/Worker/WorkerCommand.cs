using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Spectre.Console.Cli;

namespace AllClassifier.Trainer.Worker;

/// <summary>
/// <c>worker</c>: runs the retraining service until stopped; configured by environment variables. It serves
/// <c>/health</c>, <c>/alive</c> and <c>/metrics</c> (ASPNETCORE_URLS / HTTP_PORTS choose the address) so an
/// orchestrator can watch it, and <c>POST /pipeline/run</c> for an admin to start a run now.
/// </summary>
public sealed class WorkerCommand : AsyncCommand
{
    public override async Task<int> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateBuilder();
        builder.AddServiceDefaults();
        builder.AddRetrainingWorker();
        await using var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapRunNowEndpoints();
        await app.RunAsync(cancellationToken);
        return 0;
    }
}
