using AllClassifier.Api.Audit;
using AllClassifier.Api.Serving;
using AllClassifier.Api.Tests.Infrastructure;
using AllClassifier.Feedback;
using AllClassifier.Model.Settings;
using AllClassifier.ServiceDefaults.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Tests.Configuration;

/// <summary>The API binds its options from their sections only; the flat names reach them through the alias table.</summary>
public sealed class ApiSettingsTests
{
    [Fact]
    public void The_flat_names_reach_the_API_options()
    {
        using var api = new ApiFactory(settings: new Dictionary<string, string?>
        {
            ["FB_THRESH"] = "17",
            ["FEEDBACK_RETENTION_DAYS"] = "9",
            ["AUDIT_RETENTION_DAYS"] = "31",
            ["MLFLOW_TRACKING_URI"] = "http://mlflow.invalid:5000/",
            ["ConnectionStrings:feedback"] = "",
        });

        var feedback = Options<FeedbackOptions>(api);
        Assert.Equal(api.FeedbackDirectory, feedback.Directory);
        Assert.Equal(17, feedback.Threshold);
        Assert.Equal(9, feedback.RetentionDays);
        Assert.Null(feedback.PostgresConnectionString);
        Assert.Equal(31, Options<AuditOptions>(api).RetentionDays);
        Assert.Equal(api.RegistryDirectory, Options<ModelServingOptions>(api).RegistryDirectory);
        Assert.Equal(new Uri("http://mlflow.invalid:5000/"), Options<MlflowChampionOptions>(api).TrackingUri);
    }

    [Fact]
    public void A_section_key_beside_its_flat_name_in_the_same_source_wins()
    {
        var directory = Path.Combine(Path.GetTempPath(), "allclassifier-section-wins");
        // ApiFactory sets FEEDBACK_DIR and MODEL_REGISTRY_DIR in the same source.
        using var api = new ApiFactory(settings: new Dictionary<string, string?>
        {
            ["Feedback:Directory"] = directory,
            ["Feedback:Threshold"] = "4",
            ["FB_THRESH"] = "40",
        });

        Assert.Equal(directory, Options<FeedbackOptions>(api).Directory);
        Assert.Equal(4, Options<FeedbackOptions>(api).Threshold);
    }

    [Theory]
    [InlineData("FB_THRESH", "0", "Feedback:Threshold (FB_THRESH) must be a positive number")]
    [InlineData("FEEDBACK_RETENTION_DAYS", "-1", "Feedback:RetentionDays (FEEDBACK_RETENTION_DAYS) must be a positive")]
    [InlineData("AUDIT_RETENTION_DAYS", "0", "Audit:RetentionDays (AUDIT_RETENTION_DAYS)")]
    [InlineData("ModelServing:Mlflow:FollowChampion", "true", "ModelServing:Mlflow:TrackingUri (MLFLOW_TRACKING_URI)")]
    public void A_bad_value_stops_the_API_at_start_naming_the_setting(string name, string value, string message)
    {
        using var api = new ApiFactory(settings: new Dictionary<string, string?> { [name] = value });

        // More than one option can fail on one setting (the served registry depends on the MLflow options).
        var failure = Assert.ThrowsAny<Exception>(() => api.CreateClient());
        var failures = failure is AggregateException aggregate ? aggregate.Flatten().InnerExceptions : [failure];
        Assert.All(failures, exception => Assert.IsType<OptionsValidationException>(exception));
        Assert.Contains(failures, exception => exception.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void A_value_of_the_wrong_type_stops_the_API_at_start_naming_the_section_key()
    {
        using var api = new ApiFactory(settings: new Dictionary<string, string?> { ["FB_THRESH"] = "many" });

        var failure = Assert.ThrowsAny<InvalidOperationException>(() => api.CreateClient());
        Assert.Contains("Feedback:Threshold", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_shared_flat_name_is_in_the_alias_table()
    {
        var names = SettingAliases.All.Select(alias => alias.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var shared = typeof(SharedSettings).GetFields()
            .Where(field => field.IsLiteral && field.FieldType == typeof(string) && !field.Name.StartsWith("Default", StringComparison.Ordinal))
            .Select(field => (string)field.GetRawConstantValue()!)
            .Append("ConnectionStrings:" + FeedbackTable.ConnectionName);

        Assert.All(shared, name => Assert.Contains(name, names));
    }

    private static T Options<T>(ApiFactory api)
        where T : class => api.Services.GetRequiredService<IOptions<T>>().Value;
}
