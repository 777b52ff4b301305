using AllClassifier.Trainer.Retraining;
using AllClassifier.Trainer.Synthetic;
using AllClassifier.Trainer.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AllClassifier.Trainer.Commands;

/// <summary>The command line: commands, help, and errors reported as one line with a non-zero exit code.</summary>
public static class TrainerCli
{
    public const int ErrorExitCode = 1;

    /// <summary>
    /// <c>task wait_feedback</c> timed out below the threshold: "try again later" (sysexits' EX_TEMPFAIL), not an error.
    /// </summary>
    public const int NotReachedExitCode = 75;

    /// <summary>
    /// The command line over <paramref name="services"/> composed by <c>AddTrainer</c> from
    /// <paramref name="configuration"/> (the environment variables when none is given): options a command is not given
    /// fall back on the trainer's bound options. Services registered before this call (a test's tracker) come first.
    /// </summary>
    /// <exception cref="InvalidOperationException">The configuration names an unusable MLflow server.</exception>
    public static CommandApp Create(IServiceCollection services, IAnsiConsole? console = null, IConfiguration? configuration = null)
    {
        console ??= AnsiConsole.Console;
        services.AddSingleton(console);
        services.AddTrainer(configuration ?? new ConfigurationBuilder().AddEnvironmentVariables().Build());
        var app = new CommandApp(new TypeRegistrar(services));
        app.Configure(config =>
        {
            config.SetApplicationName("AllClassifier.Trainer");
            config.Settings.Console = console;
            config.SetExceptionHandler((exception, _) =>
            {
                if (Innermost(exception) is FeedbackThresholdNotReachedException notReached)
                {
                    console.WriteLine(notReached.Message);
                    return NotReachedExitCode;
                }

                console.MarkupLine($"[red]error:[/] {Markup.Escape(OneLine(exception))}");
                return ErrorExitCode;
            });

            config.AddCommand<SynthCommand>("synth")
                .WithDescription("Generate a synthetic smear dataset (class folders of JPEGs).")
                .WithExample("synth", "--out", ".data/synthetic", "--per-class", "40", "--seed", "7");
            config.AddCommand<RunCommand>("run")
                .WithDescription("Run preprocess_images -> prepare_data -> train_classifier -> test_classifier -> register_model.")
                .WithExample("run", "--data", ".data/synthetic", "--workdir", ".data/work", "--registry", ".data/registry");
            config.AddCommand<TaskCommand>("task")
                .WithDescription("Run one task of all_classification_pipeline; tasks hand over state through the work directory.")
                .WithExample("task", "wait_feedback", "--feedback-db", "/app/data/feedback.db", "--timeout", "0")
                .WithExample("task", "train_classifier", "--workdir", ".data/work", "--registry", ".data/registry");
            config.AddCommand<WorkerCommand>("worker")
                .WithDescription("Run the retraining service (sections Trainer and Feedback; DATA_DIR, MODEL_REGISTRY_DIR, FEEDBACK_DIR, FB_THRESH, WORK_DIR).");
            config.AddBranch("audit", audit =>
            {
                audit.SetDescription("The audit trail of predictions, reviews and sign-offs in the feedback database.");
                audit.AddCommand<AuditVerifyCommand>("verify")
                    .WithDescription("Check the hash chain (the API's GET /audit/verify); exit code 1 names the first break.")
                    .WithExample("audit", "verify", "--feedback-dir", "/app/data");
            });
            config.AddBranch("models", models =>
            {
                models.SetDescription("Inspect and manage the model registry.");
                models.AddCommand<ModelsListCommand>("list").WithDescription("List registered versions and the champion.");
                models.AddCommand<ModelsPromoteCommand>("promote").WithDescription("Make a registered version the champion.");
                models.AddCommand<ModelsKeygenCommand>("keygen")
                    .WithDescription("Make a model signing key pair: the private key for the trainer, the public key for the API.")
                    .WithExample("models", "keygen", "--out", "/run/secrets/model-signing-key.pem");
                models.AddCommand<ModelsSignCommand>("sign")
                    .WithDescription("Sign a registered version as it is now (one registered without a key, or imported by hand).")
                    .WithExample("models", "sign", "3", "--key", "/run/secrets/model-signing-key.pem");
            });
        });
        return app;
    }

    private static Exception Innermost(Exception exception)
    {
        while (exception is AggregateException { InnerException: { } inner })
        {
            exception = inner;
        }

        return exception;
    }

    private static string OneLine(Exception exception) =>
        string.Join(' ', Innermost(exception).Message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
