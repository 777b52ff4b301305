using AllClassifier.Trainer.Tracking;
using Microsoft.Extensions.Configuration;

namespace AllClassifier.Trainer.Tests.Tracking;

public sealed class MlflowTrackingOptionsTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void Tracking_is_off_without_a_tracking_uri(string? value)
    {
        Assert.True(MlflowTrackingOptions.TryFromConfiguration(Configuration(value), out var options, out var error));
        Assert.Null(options);
        Assert.Null(error);
    }

    [Fact]
    public void An_http_tracking_uri_turns_tracking_on_with_the_pipeline_names()
    {
        Assert.True(MlflowTrackingOptions.TryFromConfiguration(Configuration("http://mlflow:5000/prefix/"), out var options, out _));
        Assert.Equal(new Uri("http://mlflow:5000/prefix/"), options!.TrackingUri);
        Assert.Equal("all_classification_pipeline", options.ExperimentName);
        Assert.Equal("all-classifier", options.RegisteredModelName);
        Assert.Equal("champion", options.ChampionAlias);
    }

    [Theory]
    [InlineData("file:///mlruns")]
    [InlineData("databricks")]
    public void Uris_that_need_the_python_client_are_refused_with_a_reason(string value)
    {
        Assert.False(MlflowTrackingOptions.TryFromConfiguration(Configuration(value), out var options, out var error));
        Assert.Null(options);
        Assert.Contains("Trainer:Mlflow:TrackingUri (MLFLOW_TRACKING_URI) must be the http(s) URL", error);
    }

    private static IConfiguration Configuration(string? trackingUri) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["MLFLOW_TRACKING_URI"] = trackingUri }).Build();
}
