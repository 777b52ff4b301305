using System.ComponentModel;
using AllClassifier.Model.Registry;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AllClassifier.Bench;

/// <summary>Registers a new model version and moves the champion alias to it: what a promotion does to the API.</summary>
public sealed class SwapCommand : Command<SwapCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--registry <DIR>")]
        public required string Registry { get; init; }

        [CommandOption("--seed <N>")]
        [Description("Seed of the new head's weights.")]
        public int Seed { get; init; }

        [CommandOption("--precision <PRECISION>")]
        [Description("Backbone arithmetic: fp32, or int8 (calibrated on generated smears).")]
        [DefaultValue(BackbonePrecision.Fp32)]
        public string Precision { get; init; } = BackbonePrecision.Fp32;

        public override ValidationResult Validate() => BenchModels.ValidatePrecision(Precision);
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var version = BenchModels.RegisterChampion(settings.Registry, settings.Seed, BenchModels.Int8RangesFor(settings.Precision));
        Console.WriteLine($"champion is now version {version.Version}");
        return 0;
    }
}
