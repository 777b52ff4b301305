using AllClassifier.Model;

namespace AllClassifier.Api.Telemetry;

/// <summary>The predicted classes of the last <c>capacity</c> predictions, and their drift from a reference mix.</summary>
public sealed class ClassMixWindow(int capacity)
{
    // Shares this small count as the floor of an empty class, so one class never seen gives a finite index.
    private const double EmptyShare = 1e-4;

    private readonly int[] _recent = new int[capacity];
    private readonly int[] _counts = new int[CellClasses.Count];
    private readonly Lock _lock = new();
    private int _next;
    private int _filled;

    public void Add(string className)
    {
        if (!CellClasses.TryParse(className, out var cell))
        {
            return;
        }

        lock (_lock)
        {
            if (_filled == _recent.Length)
            {
                _counts[_recent[_next]]--;
            }
            else
            {
                _filled++;
            }

            _recent[_next] = (int)cell;
            _counts[(int)cell]++;
            _next = (_next + 1) % _recent.Length;
        }
    }

    /// <summary>
    /// Σ (recent − reference) · ln(recent / reference) over the classes; null without a reference mix or with fewer
    /// than <paramref name="minimum"/> predictions. Below 0.1 is usually read as stable, above 0.25 as a real shift.
    /// </summary>
    public double? PopulationStabilityIndex(IReadOnlyDictionary<string, double> reference, int minimum)
    {
        if (reference.Count == 0)
        {
            return null;
        }

        int[] counts;
        int filled;
        lock (_lock)
        {
            (counts, filled) = ((int[])_counts.Clone(), _filled);
        }

        if (filled < minimum)
        {
            return null;
        }

        var index = 0.0;
        for (var c = 0; c < counts.Length; c++)
        {
            var recent = Math.Max(EmptyShare, (double)counts[c] / filled);
            var expected = Math.Max(EmptyShare, reference.GetValueOrDefault(CellClasses.Names[c]));
            index += (recent - expected) * Math.Log(recent / expected);
        }

        return index;
    }
}
