using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using AllClassifier.ServiceDefaults.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AllClassifier.ServiceDefaults.Tests.Configuration;

public sealed partial class SettingAliasesTests
{
    [Fact]
    public void A_flat_name_reaches_every_section_key_it_stands_for()
    {
        var configuration = Aliased(new() { ["MODEL_REGISTRY_DIR"] = "/srv/registry" });

        Assert.Equal("/srv/registry", configuration["ModelServing:RegistryDirectory"]);
        Assert.Equal("/srv/registry", configuration["Trainer:RegistryDirectory"]);
        Assert.Null(configuration["Feedback:Directory"]);
    }

    [Fact]
    public void Options_bound_from_their_section_see_the_flat_name_and_the_section_key_alike()
    {
        var fromAlias = Bind(Aliased(new() { ["FB_THRESH"] = "12", ["MLFLOW_TRACKING_URI"] = "http://mlflow:5000" }));
        var fromSection = Bind(Aliased(new() { ["Feedback:Threshold"] = "13" }));

        Assert.Equal(12, fromAlias.Feedback.Threshold);
        Assert.Equal(new Uri("http://mlflow:5000"), fromAlias.Mlflow.TrackingUri);
        Assert.Equal(13, fromSection.Feedback.Threshold);
        Assert.Null(fromSection.Mlflow.TrackingUri);
    }

    [Fact]
    public void Where_one_source_sets_both_the_section_key_wins()
    {
        var configuration = Aliased(new() { ["FB_THRESH"] = "12", ["Feedback:Threshold"] = "30" });

        Assert.Equal("30", configuration["Feedback:Threshold"]);
    }

    [Fact]
    public void A_flat_name_set_in_a_later_source_wins_over_the_section_key_of_an_earlier_one()
    {
        // appsettings.json first, then the environment: the operator's variable is what counts.
        var configuration = Aliased(new() { ["Feedback:Threshold"] = "100" }, new() { ["FB_THRESH"] = "7" });

        Assert.Equal("7", configuration["Feedback:Threshold"]);
    }

    [Fact]
    public void A_section_key_set_in_a_later_source_wins_over_the_flat_name_of_an_earlier_one()
    {
        // The environment first, then the command line.
        var configuration = Aliased(new() { ["FB_THRESH"] = "7" }, new() { ["Feedback:Threshold"] = "9" });

        Assert.Equal("9", configuration["Feedback:Threshold"]);
    }

    [Fact]
    public void Sources_added_after_the_aliases_count_too()
    {
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Feedback:Threshold"] = "100" });
        configuration.AddSettingAliases();
        configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["FB_THRESH"] = "3" });

        Assert.Equal("3", configuration["Feedback:Threshold"]);
        Assert.Equal(["Threshold"], configuration.GetSection("Feedback").GetChildren().Select(child => child.Key));
    }

    [Fact]
    public void An_empty_flat_name_counts_as_unset()
    {
        var configuration = Aliased(new() { ["Trainer:DataDirectory"] = "/data" }, new() { ["DATA_DIR"] = "" });

        Assert.Equal("/data", configuration["Trainer:DataDirectory"]);
    }

    [Fact]
    public void A_flat_name_in_the_environment_reaches_its_section_key()
    {
        // A prefix of its own, so no other test or process sees the variable.
        const string prefix = "ALLCLASSIFIER_ALIAS_TEST_";
        Environment.SetEnvironmentVariable(prefix + "FEEDBACK_DIR", "/srv/feedback");
        Environment.SetEnvironmentVariable(prefix + "Audit__RetentionDays", "30");
        try
        {
            var configuration = new ConfigurationManager();
            configuration.AddEnvironmentVariables(prefix);
            configuration.AddSettingAliases();

            Assert.Equal("/srv/feedback", configuration["Feedback:Directory"]);
            Assert.Equal("30", configuration["Audit:RetentionDays"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable(prefix + "FEEDBACK_DIR", null);
            Environment.SetEnvironmentVariable(prefix + "Audit__RetentionDays", null);
        }
    }

    [Fact]
    public void Adding_the_aliases_twice_adds_one_source()
    {
        var configuration = new ConfigurationManager();
        configuration.AddSettingAliases();
        configuration.AddSettingAliases();

        Assert.Single(configuration.Sources, source => source is SettingAliasSource);
    }

    [Fact]
    public void A_plain_configuration_gets_a_view_with_the_aliases()
    {
        var plain = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["WORK_DIR"] = "/srv/work" })
            .Build();

        Assert.Equal("/srv/work", plain.WithSettingAliases()["Trainer:WorkDirectory"]);
        Assert.Null(plain["Trainer:WorkDirectory"]);
    }

    [Fact]
    public async Task Every_service_host_binds_the_flat_names_and_a_bad_value_stops_it_at_start()
    {
        var good = Host(new() { ["FB_THRESH"] = "12" });
        Assert.Equal(12, good.Services.GetRequiredService<IOptions<ProbeFeedbackOptions>>().Value.Threshold);

        using var bad = Host(new() { ["FB_THRESH"] = "0" });
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => bad.StartAsync());
        Assert.Contains("Threshold", error.Message);
    }

    [Fact]
    public void No_flat_name_stands_for_a_key_of_another_flat_name()
    {
        var names = SettingAliases.All.Select(alias => alias.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);

        Assert.Equal(SettingAliases.All.Count, names.Count);
        Assert.DoesNotContain(SettingAliases.All.SelectMany(alias => alias.Keys), names.Contains);
        Assert.All(SettingAliases.All.SelectMany(alias => alias.Keys), key => Assert.Contains(':', key));
    }

    [Fact]
    public void The_configuration_page_documents_every_flat_name_with_its_section_keys()
    {
        var documented = DocumentedAliases();
        var table = SettingAliases.All
            .SelectMany(alias => alias.Keys.Select(key => (Name: alias.Name.Replace(":", "__"), Key: key)))
            .OrderBy(pair => pair.Name, StringComparer.Ordinal).ThenBy(pair => pair.Key, StringComparer.Ordinal);

        Assert.Equal(table, documented.OrderBy(pair => pair.Name, StringComparer.Ordinal).ThenBy(pair => pair.Key, StringComparer.Ordinal));
    }

    private static List<(string Name, string Key)> DocumentedAliases()
    {
        var page = File.ReadAllLines(Path.Combine(RepositoryRoot(), "docs", "configuration.md"));
        var pairs = new List<(string Name, string Key)>();
        foreach (var row in page.SkipWhile(line => line != "## Settings and their flat names")
                     .SkipWhile(line => !line.StartsWith("| section key | flat name |", StringComparison.Ordinal))
                     .TakeWhile(line => line.StartsWith('|'))
                     .Where(line => line.StartsWith("| `", StringComparison.Ordinal)))
        {
            var cells = row.Split('|', StringSplitOptions.TrimEntries);
            var key = Code().Match(cells[1]).Groups[1].Value.Replace("__", ":");
            foreach (Match name in Code().Matches(cells[2]))
            {
                pairs.Add((name.Groups[1].Value, key));
            }
        }

        return pairs;
    }

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Code();

    /// <summary>The sources in order of precedence, lowest first, as appsettings.json comes before the environment.</summary>
    private static IConfiguration Aliased(Dictionary<string, string?> first, Dictionary<string, string?>? second = null)
    {
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(first);
        if (second is not null)
        {
            configuration.AddInMemoryCollection(second);
        }

        configuration.AddSettingAliases();
        return configuration;
    }

    private static (ProbeFeedbackOptions Feedback, ProbeMlflowOptions Mlflow) Bind(IConfiguration configuration)
    {
        var services = new ServiceCollection().AddSingleton(configuration);
        services.AddOptions<ProbeFeedbackOptions>().BindConfiguration(ProbeFeedbackOptions.SectionName);
        services.AddOptions<ProbeMlflowOptions>().BindConfiguration(ProbeMlflowOptions.SectionName);
        using var provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<IOptions<ProbeFeedbackOptions>>().Value,
            provider.GetRequiredService<IOptions<ProbeMlflowOptions>>().Value);
    }

    private static WebApplication Host(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseSetting("urls", "http://127.0.0.1:0");
        builder.AddServiceDefaults();
        builder.Services.AddOptions<ProbeFeedbackOptions>()
            .BindConfiguration(ProbeFeedbackOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return builder.Build();
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AllClassifier.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No AllClassifier.sln above {AppContext.BaseDirectory}.");
    }

    public sealed class ProbeFeedbackOptions
    {
        public const string SectionName = "Feedback";

        [Range(1, int.MaxValue)]
        public int Threshold { get; set; } = 100;
    }

    public sealed class ProbeMlflowOptions
    {
        public const string SectionName = "Trainer:Mlflow";

        public Uri? TrackingUri { get; set; }
    }
}
