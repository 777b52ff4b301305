using AllClassifier.Bench;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("allclassifier-bench");
    config.AddCommand<PrepareCommand>("prepare").WithDescription("Registers a composed model as champion in a new registry and writes a test image.");
    config.AddCommand<SwapCommand>("swap").WithDescription("Registers a new composed model and makes it champion.");
    config.AddCommand<FlatPngCommand>("flat-png").WithDescription("Writes a flat PNG of the given size.");
    config.AddCommand<FeedbackTableCommand>("feedback-table").WithDescription("Fills a feedback table with large, distinct images through the API's store.");
    config.AddCommand<ReferralCommand>("referral").WithDescription("Measures the referral gate: referral rates, accuracy on the rest, AUROC and added latency.");
    config.AddCommand<ChampionCopyCommand>("champion-copy").WithDescription("Copies a registry's champion into a new registry signed with the bench's key, optionally without its referral gate.");
    config.AddCommand<AuditCommitCommand>("audit-commit").WithDescription("Measures the prediction record's commit on a disk: the API's recorder, and a WAL commit with synchronous FULL and NORMAL.");
    config.AddCommand<SwapMemoryCommand>("swap-memory").WithDescription("Measures resident memory around model loads and swaps with the API's loader, both ways it swaps.");
    config.AddCommand<RawScorerCommand>("raw").WithDescription("Measures the in-process scorer: latency on one thread and images/s on every core.");
});
return app.Run(args);
