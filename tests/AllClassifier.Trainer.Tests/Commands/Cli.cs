using AllClassifier.Trainer.Commands;
using AllClassifier.Trainer.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace AllClassifier.Trainer.Tests.Commands;

/// <summary>Runs the trainer's command line in process, as a fresh application each time, and captures its output.</summary>
public static class Cli
{
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
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
        var exitCode = await TrainerCli.Create(new ServiceCollection().AddTrainerPipeline(), console).RunAsync(args);
        return (exitCode, writer.ToString());
    }
}
