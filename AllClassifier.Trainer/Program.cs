using AllClassifier.Trainer.Commands;
using AllClassifier.Trainer.Pipeline;
using AllClassifier.Trainer.Tracking;
using Microsoft.Extensions.DependencyInjection;

if (!MlflowTrackingOptions.TryFromEnvironment(out var tracking, out var trackingError))
{
    Console.Error.WriteLine($"error: {trackingError}");
    return TrainerCli.ErrorExitCode;
}

var services = new ServiceCollection()
    .AddMlflowTracking(tracking)
    .AddTrainerPipeline();
return await TrainerCli.Create(services).RunAsync(args);
