using System.Globalization;
using System.Text.RegularExpressions;

namespace AllClassifier.Testing;

/// <summary>One sample line of the Prometheus text exposition format.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>A parsed scrape: metric families' declared types and every sample.</summary>
public sealed partial class PrometheusExposition
{
    private PrometheusExposition(IReadOnlyDictionary<string, string> types, IReadOnlyList<PrometheusSample> samples)
    {
        Types = types;
        Samples = samples;
    }

    public IReadOnlyDictionary<string, string> Types { get; }

    public IReadOnlyList<PrometheusSample> Samples { get; }

    public static PrometheusExposition Parse(string text)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new List<PrometheusSample>();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                types[parts[2]] = parts[3];
                continue;
            }

            if (line.StartsWith('#'))
            {
                continue;
            }

            var match = SampleLine().Match(line);
            if (!match.Success)
            {
                throw new FormatException($"Not a Prometheus sample line: {line}");
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match label in LabelPair().Matches(match.Groups["labels"].Value))
            {
                labels[label.Groups["key"].Value] = label.Groups["value"].Value.Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
            }

            var value = match.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                var number => double.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            samples.Add(new PrometheusSample(match.Groups["name"].Value, labels, value));
        }

        return new PrometheusExposition(types, samples);
    }

    public IEnumerable<PrometheusSample> Named(string name) => Samples.Where(s => s.Name == name);

    /// <summary>The sum of the samples named <paramref name="name"/> whose labels include every pair given.</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) =>
        Named(name)
            .Where(s => labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value))
            .Sum(s => s.Value);

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\S+)?$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=\"(?<value>(\\\\.|[^\"\\\\])*)\"")]
    private static partial Regex LabelPair();
}
