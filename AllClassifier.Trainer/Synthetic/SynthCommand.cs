using System.ComponentModel;
using AllClassifier.Model;
using AllClassifier.Training.Synthetic;
using AllClassifier.Trainer.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AllClassifier.Trainer.Synthetic;

public sealed class SynthSettings : CommandSettings
{
    [CommandOption("--out <DIR>")]
    [Description("Folder to write <Class>/<class>_NNNN.jpg into.")]
    public string? OutputDirectory { get; init; }

    [CommandOption("--per-class <N>")]
    [Description("Images per class.")]
    [DefaultValue(60)]
    public int PerClass { get; init; } = 60;

    [CommandOption("--seed <N>")]
    [Description("Generator seed; the same seed gives the same images.")]
    [DefaultValue(7)]
    public int Seed { get; init; } = 7;

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(OutputDirectory) ? ValidationResult.Error("--out is required.")
        : PerClass < 1 ? ValidationResult.Error("--per-class must be at least 1.")
        : ValidationResult.Success();
}

/// <summary><c>synth</c>: writes a seeded synthetic smear dataset in the layout the pipeline reads.</summary>
public sealed class SynthCommand(IAnsiConsole console) : Command<SynthSettings>
{
    public override int Execute(CommandContext context, SynthSettings settings, CancellationToken cancellationToken)
    {
        var total = settings.PerClass * CellClasses.Count;
        var files = new ConsolePipelineReporter(console).WithProgress(
            "Generating synthetic smears",
            total,
            progress => new SmearGenerator(settings.Seed).WriteDataset(settings.OutputDirectory!, settings.PerClass, progress, cancellationToken));
        console.WriteLine($"Wrote {files.Count} images to {Path.GetFullPath(settings.OutputDirectory!)}.");
        return 0;
    }
}
