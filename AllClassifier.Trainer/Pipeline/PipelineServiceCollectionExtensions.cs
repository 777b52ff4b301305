using AllClassifier.Model.Imaging;
using AllClassifier.Trainer.Evaluation;
using AllClassifier.Trainer.Features;
using AllClassifier.Trainer.Retraining;
using AllClassifier.Trainer.Tracking;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AllClassifier.Trainer.Pipeline;

public static class PipelineServiceCollectionExtensions
{
    /// <summary>
    /// The pipeline's tasks and what they need. The experiment tracker is added only if none is registered yet,
    /// so a tracking-server implementation registered before this call replaces the one that records nothing.
    /// </summary>
    public static IServiceCollection AddTrainerPipeline(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IExperimentTracker, NullExperimentTracker>();
        services.TryAddSingleton(_ => new ImagePreprocessor());
        services.TryAddSingleton<BackboneFeaturizer>();
        services.TryAddSingleton<FeatureExtractor>();
        services.TryAddSingleton<ModelEvaluator>();
        services.TryAddSingleton<NotAssessableCheck>();
        services.TryAddSingleton<FeedbackSensor>();
        // The worker runs wait_feedback itself, so the task is also resolvable as what it is.
        services.AddSingleton<WaitFeedbackTask>();
        services.AddSingleton<IPipelineTask>(provider => provider.GetRequiredService<WaitFeedbackTask>());
        services.AddSingleton<IPipelineTask, PreprocessImagesTask>();
        services.AddSingleton<IPipelineTask, PrepareDataTask>();
        services.AddSingleton<IPipelineTask, TrainClassifierTask>();
        services.AddSingleton<IPipelineTask, TestClassifierTask>();
        services.AddSingleton<IPipelineTask, RegisterModelTask>();
        services.TryAddSingleton<PipelineRunner>();
        services.TryAddSingleton<ITrainingPipeline>(provider => provider.GetRequiredService<PipelineRunner>());
        return services;
    }
}
