using AllClassifier.Model.Imaging;
using OpenTelemetry.Metrics;

namespace AllClassifier.Api.Telemetry;

public static class ClassifierMetricsExtensions
{
    public static IHostApplicationBuilder AddClassifierMetrics(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ClassifierMetrics>();
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(ClassifierMetrics.MeterName, ImagingMetrics.MeterName));
        return builder;
    }
}
