using System.Text.Json;
using System.Text.RegularExpressions;

namespace AllClassifier.Monitoring.Tests.Dashboard;

/// <summary>One PromQL expression of a Grafana dashboard panel, with Grafana's variables replaced.</summary>
public sealed record DashboardQuery(string Panel, string RefId, string Expression, string PromQl)
{
    public override string ToString() => $"{Panel} [{RefId}]";
}

/// <summary>Reads every target expression of a Grafana dashboard (rows' nested panels included).</summary>
public static partial class DashboardQueries
{
    // Values Grafana would put in for a 30-minute view at a 1 s scrape interval.
    private static readonly Dictionary<string, string> Variables = new(StringComparer.Ordinal)
    {
        ["__rate_interval"] = "1m",
        ["__interval"] = "15s",
        ["__interval_ms"] = "15000",
        ["__range"] = "30m",
        ["__range_s"] = "1800",
        ["__range_ms"] = "1800000",
    };

    public static string DashboardPath(string fileName = "all-api.json") =>
        Path.Combine(AppContext.BaseDirectory, "monitoring", "grafana", "dashboards", fileName);

    public static IReadOnlyList<DashboardQuery> Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var queries = new List<DashboardQuery>();
        foreach (var panel in Panels(document.RootElement))
        {
            if (!panel.TryGetProperty("targets", out var targets))
            {
                continue;
            }

            var title = panel.GetProperty("title").GetString()!;
            foreach (var target in targets.EnumerateArray())
            {
                var expression = target.GetProperty("expr").GetString()!;
                queries.Add(new DashboardQuery(title, target.GetProperty("refId").GetString()!, expression, Substitute(expression)));
            }
        }

        return queries;
    }

    /// <summary>Every panel, including those nested in collapsed rows.</summary>
    public static IEnumerable<JsonElement> Panels(JsonElement dashboard)
    {
        foreach (var panel in dashboard.GetProperty("panels").EnumerateArray())
        {
            yield return panel;
            if (panel.TryGetProperty("panels", out var nested))
            {
                foreach (var child in nested.EnumerateArray())
                {
                    yield return child;
                }
            }
        }
    }

    /// <summary>Replaces <c>$name</c>, <c>${name}</c> and <c>[[name]]</c> variables; an unknown variable is an error.</summary>
    public static string Substitute(string expression) =>
        VariablePattern().Replace(expression, match =>
        {
            var name = match.Groups["braced"].Success ? match.Groups["braced"].Value
                : match.Groups["bracketed"].Success ? match.Groups["bracketed"].Value
                : match.Groups["plain"].Value;
            return Variables.TryGetValue(name, out var value)
                ? value
                : throw new InvalidOperationException($"The dashboard query '{expression}' uses the variable '{name}', which has no test value.");
        });

    [GeneratedRegex(@"\$\{(?<braced>\w+)(:\w+)?\}|\[\[(?<bracketed>\w+)\]\]|\$(?<plain>\w+)")]
    private static partial Regex VariablePattern();
}
