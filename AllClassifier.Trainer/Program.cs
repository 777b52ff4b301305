using AllClassifier.Trainer.Commands;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

var configuration = new ConfigurationManager();
configuration.AddEnvironmentVariables();
configuration.AddSettingAliases();
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
