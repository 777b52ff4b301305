using AllClassifier.Model.Settings;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AllClassifier.Api.Serving;

public static class ModelServingExtensions
{
    /// <summary>Serves the registry's champion, hot-swapped in the background, and reports it in /health.</summary>
    public static IHostApplicationBuilder AddModelServing(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ModelServingOptions>()
            .Bind(builder.Configuration.GetSection(ModelServingOptions.SectionName))
            .Configure<IConfiguration>((options, configuration) =>
            {
                if (configuration[SharedSettings.RegistryDirectory] is { Length: > 0 } directory)
                {
                    options.RegistryDirectory = directory;
                }
            })
            .Validate(o => o.MaxConcurrentInferences > 0 && o.QueueLength >= 0 && o.PollInterval > TimeSpan.Zero,
                "MaxConcurrentInferences must be positive, QueueLength not negative and PollInterval positive.")
            .ValidateOnStart();

        // Before the first session: every model swap would otherwise leave the dropped model's pages on the heap.
        NativeHeap.KeepLargeBlocksOffTheHeap();

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ModelHolder>();
        builder.Services.AddSingleton<ModelLoader>();
        builder.Services.AddSingleton<ChampionWatcher>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ChampionWatcher>());
        builder.Services.AddHealthChecks().AddCheck<ModelHealthCheck>("model");
        return builder;
    }
}
