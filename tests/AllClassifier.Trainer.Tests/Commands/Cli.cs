using AllClassifier.Trainer.Commands;
using AllClassifier.Trainer.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace AllClassifier.Trainer.Tests.Commands;

/// <summary>Runs the trainer's command line in process, as a fresh application each time, and captures its output.</summary>
public static class Cli
{
    public static Task<(int ExitCode, string Output)> RunAsync(params string[] args) => RunAsync(_ => { }, args);

    /// <summary>Runs with extra services registered before the trainer's own (e.g. an experiment tracker).</summary>
    public static Task<(int ExitCode, string Output)> RunAsync(Action<IServiceCollection> configure, params string[] args) =>
        RunAsync(configure, null, args);

    /// <summary>Runs with the shared settings taken from <paramref name="settings"/> instead of the environment.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(Action<IServiceCollection> configure, IReadOnlyDictionary<string, string?>? settings, params string[] args)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 240;
        var services = new ServiceCollection();
        configure(services);
        var configuration = settings is null ? null : new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var exitCode = await TrainerCli.Create(services, console, configuration).RunAsync(args);
        return (exitCode, writer.ToString());
    }
}
