namespace AllClassifier.Web.Retraining;

public static class RetrainingExtensions
{
    public static IHostApplicationBuilder AddRetrainingProgress(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RetrainingOptions>()
            .Configure<IConfiguration>((options, configuration) =>
                options.Threshold = configuration.GetValue(RetrainingOptions.ThresholdKey, options.Threshold))
            .Validate(options => options.Threshold > 0, "FB_THRESH must be a positive number of feedback rows.")
            .ValidateOnStart();
        return builder;
    }
}
