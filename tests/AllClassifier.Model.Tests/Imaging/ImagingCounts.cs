using System.Diagnostics.Metrics;
using AllClassifier.Model.Imaging;

namespace AllClassifier.Model.Tests.Imaging;

/// <summary>
/// Header reads, decodes and hashes, as <see cref="ImagingMetrics"/> counts them; <see cref="OwnDecodes"/> are the
/// decodes (part of <see cref="Decodes"/>) of bytes the process encoded itself.
/// </summary>
public readonly record struct ImageWork(long HeaderReads, long Decodes, long Hashes, long OwnDecodes = 0)
{
    public static ImageWork operator -(ImageWork after, ImageWork before) => new(
        after.HeaderReads - before.HeaderReads, after.Decodes - before.Decodes, after.Hashes - before.Hashes, after.OwnDecodes - before.OwnDecodes);
}

/// <summary>
/// Counts <see cref="ImagingMetrics"/> measurements of every thread in the process from creation to disposal: tests
/// that use it must not run beside other tests that decode images (a non-parallel collection).
/// </summary>
public sealed class ImagingCounts : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _headerReads;
    private long _decodes;
    private long _hashes;
    private long _ownDecodes;

    public ImagingCounts()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ImagingMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            switch (instrument.Name)
            {
                case ImagingMetrics.HeaderReadsName:
                    Interlocked.Add(ref _headerReads, value);
                    break;
                case ImagingMetrics.DecodesName:
                    Interlocked.Add(ref _decodes, value);
                    foreach (var tag in tags)
                    {
                        if (tag is { Key: ImagingMetrics.DecodeTag, Value: ImagingMetrics.Own })
                        {
                            Interlocked.Add(ref _ownDecodes, value);
                        }
                    }

                    break;
                case ImagingMetrics.HashesName:
                    Interlocked.Add(ref _hashes, value);
                    break;
            }
        });
        _listener.Start();
    }

    public ImageWork Now => new(
        Interlocked.Read(ref _headerReads), Interlocked.Read(ref _decodes), Interlocked.Read(ref _hashes), Interlocked.Read(ref _ownDecodes));

    public void Dispose() => _listener.Dispose();
}
