using System.Globalization;

namespace AllClassifier.AppHost.Extensions;

/// <summary>
/// How many <c>backend</c> processes serve (<c>AllClassifier:BackendReplicas</c>, default 1). They share the feedback
/// store and follow the same champion in the shared registry; the web app reaches them by service discovery.
/// </summary>
public static class BackendReplicas
{
    public const string ConfigurationKey = "AllClassifier:BackendReplicas";

    public static int FromConfiguration(IDistributedApplicationBuilder builder)
    {
        var setting = builder.Configuration[ConfigurationKey];
        if (string.IsNullOrWhiteSpace(setting))
        {
            return 1;
        }

        return int.TryParse(setting, NumberStyles.None, CultureInfo.InvariantCulture, out var replicas) && replicas >= 1
            ? replicas
            : throw new InvalidOperationException($"{ConfigurationKey} must be a whole number of at least 1, not '{setting}'.");
    }
}
