using AllClassifier.Trainer.Commands;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
Spectre.Console.Cli.CommandApp cli;
try
{
    cli = TrainerCli.Create(new ServiceCollection(), configuration: configuration);
}
catch (InvalidOperationException configurationError)
{
    Console.Error.WriteLine($"error: {configurationError.Message}");
    return TrainerCli.ErrorExitCode;
}

return await cli.RunAsync(args);
