using System.Diagnostics.Metrics;
using System.Globalization;

namespace AllClassifier.ServiceDefaults.Metrics;

/// <summary>
/// Process CPU and host free memory under the node/process exporter names the dashboards query:
/// <c>process_cpu_seconds_total</c> and <c>node_memory_MemAvailable_bytes</c>.
/// </summary>
public sealed class HostMetrics
{
    public const string MeterName = "AllClassifier.Host";
    private const string MemInfoPath = "/proc/meminfo";

    public HostMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableCounter(
            "process_cpu",
            () => Environment.CpuUsage.TotalTime.TotalSeconds,
            unit: "s",
            description: "User and system CPU time of this process.");
        meter.CreateObservableGauge(
            "node_memory_MemAvailable",
            ObserveAvailableMemory,
            unit: "By",
            description: "Memory available to new work on this host, from /proc/meminfo.");
    }

    /// <summary>MemAvailable from /proc/meminfo in bytes, or null where the file does not exist.</summary>
    public static long? ReadAvailableMemoryBytes()
    {
        if (!File.Exists(MemInfoPath))
        {
            return null;
        }

        foreach (var line in File.ReadLines(MemInfoPath))
        {
            if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal))
            {
                continue;
            }

            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var kibibytes))
            {
                return kibibytes * 1024;
            }
        }

        return null;
    }

    private static IEnumerable<Measurement<long>> ObserveAvailableMemory() =>
        ReadAvailableMemoryBytes() is { } bytes ? [new Measurement<long>(bytes)] : [];
}
