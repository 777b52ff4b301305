using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace AllClassifier.ServiceDefaults.Configuration;

/// <summary>Presents the values set under the flat names of <see cref="SettingAliases"/> at their section keys.</summary>
internal sealed class SettingAliasSource(IConfigurationRoot root) : IConfigurationSource
{
    public IConfigurationProvider Build(IConfigurationBuilder builder) => new SettingAliasProvider(root);
}

/// <summary>
/// Reads the other providers of its root when asked, not once at load: sources added after it (a test's settings,
/// the command line) count too, and each alias takes the precedence of the source that sets it rather than this
/// provider's place in the list.
/// </summary>
internal sealed class SettingAliasProvider(IConfigurationRoot root) : IConfigurationProvider
{
    public bool TryGet(string key, out string? value)
    {
        value = null;
        var names = SettingAliases.NamesOf(key).ToArray();
        if (names.Length == 0)
        {
            return false;
        }

        foreach (var provider in root.Providers.Reverse())
        {
            if (ReferenceEquals(provider, this))
            {
                continue;
            }

            if (provider.TryGet(key, out _))
            {
                // The section key itself is set here: the root finds it there, over any alias lower down.
                return false;
            }

            foreach (var name in names)
            {
                // Empty counts as unset, as an empty environment variable does in a shell script.
                if (provider.TryGet(name, out var aliased) && !string.IsNullOrEmpty(aliased))
                {
                    value = aliased;
                    return true;
                }
            }
        }

        return false;
    }

    public IEnumerable<string> GetChildKeys(IEnumerable<string> earlierKeys, string? parentPath)
    {
        var prefix = parentPath is null ? string.Empty : parentPath + ConfigurationPath.KeyDelimiter;
        var children = SettingAliases.All
            .SelectMany(alias => alias.Keys)
            .Where(key => key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && TryGet(key, out _))
            .Select(key => key[prefix.Length..].Split(ConfigurationPath.KeyDelimiter)[0]);
        return earlierKeys.Concat(children).Order(ConfigurationKeyComparer.Instance);
    }

    // Values are looked up when asked for, so there is nothing to load and nothing of its own to reload.
    public void Load()
    {
    }

    public IChangeToken GetReloadToken() => NullChangeToken.Singleton;

    // Setting a value through the root sets it on every provider; the alias's own source keeps it.
    public void Set(string key, string? value)
    {
    }
}
