using AllClassifier.Feedback;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class FeedbackOptionsExtensions
{
    /// <summary>
    /// <see cref="FeedbackOptions"/> bound from its section and validated at start, the one registration the API and
    /// the trainer share, so both read the same threshold and store from the same keys.
    /// </summary>
    public static OptionsBuilder<FeedbackOptions> AddFeedbackOptions(this IServiceCollection services) =>
        services.AddOptions<FeedbackOptions>()
            .BindConfiguration(FeedbackOptions.SectionName)
            .Validate(o => !string.IsNullOrWhiteSpace(o.Directory), "Feedback:Directory (FEEDBACK_DIR) must name a folder.")
            .Validate(o => o.Threshold > 0, "Feedback:Threshold (FB_THRESH) must be a positive number of feedback rows.")
            .Validate(o => o.BusyTimeout >= TimeSpan.Zero && o.UnavailableRetryAfterSeconds > 0,
                "Feedback:BusyTimeout must not be negative and Feedback:UnavailableRetryAfterSeconds must be positive.")
            .ValidateOnStart();
}
