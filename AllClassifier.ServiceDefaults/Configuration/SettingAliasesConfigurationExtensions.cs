using AllClassifier.ServiceDefaults.Configuration;

namespace Microsoft.Extensions.Configuration;

public static class SettingAliasesConfigurationExtensions
{
    /// <summary>
    /// Adds the flat names of <see cref="SettingAliases"/> as a source, once: the values set under them appear at their
    /// section keys, where the options are bound. <c>AddServiceDefaults</c> calls it for every service's host.
    /// </summary>
    public static IConfigurationManager AddSettingAliases(this IConfigurationManager configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration.Sources.OfType<SettingAliasSource>().Any())
        {
            return configuration;
        }

        var root = configuration as IConfigurationRoot
            ?? throw new ArgumentException("The configuration must also be its root (a ConfigurationManager).", nameof(configuration));
        configuration.Sources.Add(new SettingAliasSource(root));
        return configuration;
    }

    /// <summary>
    /// <paramref name="configuration"/> with the flat names of <see cref="SettingAliases"/> at their section keys: itself
    /// when it already has them, else a view over it that adds them.
    /// </summary>
    public static IConfiguration WithSettingAliases(this IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration is IConfigurationManager manager and IConfigurationRoot)
        {
            return (IConfiguration)manager.AddSettingAliases();
        }

        var view = new ConfigurationManager();
        view.AddConfiguration(configuration, shouldDisposeConfiguration: false);
        view.AddSettingAliases();
        return view;
    }
}
