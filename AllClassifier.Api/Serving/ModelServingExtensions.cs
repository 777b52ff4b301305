using AllClassifier.Model.Inference;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AllClassifier.Api.Serving;

public static class ModelServingExtensions
{
    /// <summary>
    /// Bounds glibc's malloc arenas to <see cref="ModelServingOptions.NativeHeapArenas"/>, read from the environment
    /// (<c>ModelServing__NativeHeapArenas</c>) and the command line. Call it before building the host: glibc fixes its
    /// limit (eight per core unless bounded) for good when a thread asks for an arena while more than eight exist, and
    /// building the host starts enough threads for that, so the setting cannot wait for IOptions. Arenas the runtime made
    /// before this call stay.
    /// </summary>
    public static void BoundNativeHeapArenas(string[] args)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
        var serving = configuration.GetSection(ModelServingOptions.SectionName).Get<ModelServingOptions>() ?? new();
        NativeHeap.BoundArenas(serving.NativeHeapArenas);
    }

    /// <summary>Serves the registry's champion, hot-swapped in the background, and reports it in /health.</summary>
    public static IHostApplicationBuilder AddModelServing(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ModelServingOptions>()
            .BindConfiguration(ModelServingOptions.SectionName)
            .Validate(o => o.MaxConcurrentInferences > 0 && o.QueueLength >= 0 && o.PollInterval > TimeSpan.Zero,
                "MaxConcurrentInferences must be positive, QueueLength not negative and PollInterval positive.")
            .Validate(o => o.NativeHeapArenas >= 0, "NativeHeapArenas must not be negative (0 leaves glibc's limit).")
            .Validate(o => o.WarmupInferences >= 0, "WarmupInferences must not be negative.")
            .Validate(
                o => o.FirstConvolutionForm is ModelServingOptions.AutoForm or FirstConvolutionForm.Uint8 or FirstConvolutionForm.Int8,
                "FirstConvolutionForm must be auto, uint8 or int8.")
            .ValidateOnStart();

        // Before the first session: every model swap would otherwise leave the dropped model's pages on the heap.
        NativeHeap.KeepLargeBlocksOffTheHeap();

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ModelHolder>();
        builder.Services.AddSingleton<ModelLoader>();
        builder.Services.AddSingleton<ChampionWatcher>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ChampionWatcher>());
        // Tagged ready: a model is served only once warmed (ModelLoader), so readiness waits for the warm-up.
        builder.Services.AddHealthChecks()
            .AddCheck<ModelHealthCheck>("model", tags: [ServiceDefaultsExtensions.ReadyTag])
            .AddCheck<ReferralGateHealthCheck>(ReferralGateHealthCheck.Name);
        return builder;
    }
}
