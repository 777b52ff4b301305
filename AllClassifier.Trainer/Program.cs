using AllClassifier.Trainer.Commands;
using AllClassifier.Trainer.Pipeline;
using AllClassifier.Trainer.Tracking;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
if (!MlflowTrackingOptions.TryFromConfiguration(configuration, out var tracking, out var trackingError))
{
    Console.Error.WriteLine($"error: {trackingError}");
    return TrainerCli.ErrorExitCode;
}

var services = new ServiceCollection()
    .AddMlflowTracking(tracking)
    .AddTrainerPipeline();
return await TrainerCli.Create(services, configuration: configuration).RunAsync(args);
