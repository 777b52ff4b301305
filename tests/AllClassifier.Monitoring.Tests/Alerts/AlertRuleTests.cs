using System.Text.RegularExpressions;
using AllClassifier.Monitoring.Tests.Prometheus;

namespace AllClassifier.Monitoring.Tests.Alerts;

/// <summary>
/// <c>monitoring/prometheus/alerts.yml</c> under the real promtool: the rules parse, their unit tests
/// (<c>alerts.test.yml</c>) pass, every alert is tested both firing and quiet, and the tests notice a changed threshold.
/// </summary>
public sealed partial class AlertRuleTests
{
    private static readonly string RulesDirectory = Path.Combine(AppContext.BaseDirectory, "monitoring", "prometheus");
    private const string RulesFile = "alerts.yml";
    private const string TestsFile = "alerts.test.yml";

    [Fact]
    public async Task Promtool_accepts_the_rules()
    {
        var check = await Promtool.RunAsync(RulesDirectory, "check", "rules", RulesFile);

        Assert.True(check.Succeeded, check.Output);
        Assert.Contains($"SUCCESS: {AlertNames().Count} rules found", check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_rules_pass_their_promtool_unit_tests()
    {
        var test = await Promtool.RunAsync(RulesDirectory, "test", "rules", TestsFile);

        Assert.True(test.Succeeded, test.Output);
        Assert.Contains("SUCCESS", test.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AllClassifierReferralRateHigh")]
    [InlineData("AllClassifierClassMixDrift")]
    [InlineData("AllClassifierMeanConfidenceDropped")]
    public void The_alert_exists_and_is_tested_both_firing_and_quiet(string alert)
    {
        var cases = File.ReadAllText(Path.Combine(RulesDirectory, TestsFile));
        var expectations = AlertExpectation().Matches(cases).Where(match => match.Groups["alert"].Value == alert).ToList();

        Assert.Contains(alert, AlertNames());
        Assert.Contains(expectations, match => !match.Groups["quiet"].Success);
        Assert.Contains(expectations, match => match.Groups["quiet"].Success);
    }

    [Fact]
    public void Every_alert_of_the_rules_file_is_listed_here() =>
        Assert.Equal(
            ["AllClassifierClassMixDrift", "AllClassifierMeanConfidenceDropped", "AllClassifierReferralRateHigh"],
            AlertNames().Order(StringComparer.Ordinal));

    // Each threshold moved so far that its firing case can no longer fire: the unit tests must say so, for that alert.
    [Theory]
    [InlineData("AllClassifierReferralRateHigh", "\n          > 0.10\n", "\n          > 0.90\n")]
    [InlineData("AllClassifierClassMixDrift", "\n          > 0.25\n", "\n          > 2.5\n")]
    [InlineData("AllClassifierMeanConfidenceDropped", "\n          < 0.9 * (", "\n          < 0.1 * (")]
    public async Task A_moved_threshold_fails_the_unit_tests_of_its_alert(string alert, string threshold, string moved)
    {
        var rules = File.ReadAllText(Path.Combine(RulesDirectory, RulesFile));
        Assert.Equal(1, Regex.Count(rules, Regex.Escape(threshold)));
        var directory = Directory.CreateTempSubdirectory("allclassifier-alerts-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, RulesFile), rules.Replace(threshold, moved, StringComparison.Ordinal));
            File.Copy(Path.Combine(RulesDirectory, TestsFile), Path.Combine(directory, TestsFile));

            var test = await Promtool.RunAsync(directory, "test", "rules", TestsFile);

            Assert.False(test.Succeeded, test.Output);
            Assert.Contains($"alertname: {alert},", test.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(AlertNames().Where(name => name != alert), name => test.Output.Contains($"alertname: {name},", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static List<string> AlertNames() =>
        AlertLine().Matches(File.ReadAllText(Path.Combine(RulesDirectory, RulesFile))).Select(match => match.Groups["alert"].Value).ToList();

    [GeneratedRegex(@"^\s*- alert:\s*(?<alert>\w+)\s*$", RegexOptions.Multiline)]
    private static partial Regex AlertLine();

    // "alertname: X" followed by its expectations: "exp_alerts: []" is a quiet case, a list is a firing one.
    [GeneratedRegex(@"alertname:\s*(?<alert>\w+)\s*\n\s*exp_alerts:[ \t]*(?<quiet>\[\])?")]
    private static partial Regex AlertExpectation();
}
