using AllClassifier.Model.Imaging;
using AllClassifier.Training.Augmentation;
using AllClassifier.Training.Onnx;
using AllClassifier.Training.Quantization;

namespace AllClassifier.Trainer.Features;

/// <summary>One processed image seen in one dihedral view, optionally as another lab's acquisition would show it.</summary>
public sealed record FeatureRequest(string ImagePath, string Sha256, int View, AcquisitionShift? Shift = null)
{
    /// <summary>The feature cache's image key: the content hash, followed by the shift's key for a shifted copy.</summary>
    public string CacheKey => Shift is null ? Sha256 : $"{Sha256}:{Shift.Key}";
}

public sealed record FeatureExtractionResult(IReadOnlyList<float[]> Features, int CacheHits, int Computed);

/// <summary>Backbone features for processed images, served from the cache where possible.</summary>
public sealed class FeatureExtractor(ImagePreprocessor preprocessor, BackboneFeaturizer backbone)
{
    private const int CommitEvery = 64;

    /// <summary>
    /// Features in request order, of the fp32 backbone or of the INT8 one calibrated with <paramref name="int8Backbone"/>
    /// in <paramref name="layout"/> (the cache must be that backbone's and layout's); <paramref name="progress"/>
    /// receives the number of requests done.
    /// </summary>
    public FeatureExtractionResult Extract(
        FeatureCache cache,
        IReadOnlyList<FeatureRequest> requests,
        IProgress<int>? progress,
        CancellationToken cancellationToken,
        ActivationRanges? int8Backbone = null,
        FeatureLayout layout = FeatureLayout.GlobalPool)
    {
        var results = new float[requests.Count][];
        var missing = new List<int>();
        var firstIndexOfKey = new Dictionary<(string, int), int>();
        var duplicates = new List<(int Index, int Original)>();
        for (var i = 0; i < requests.Count; i++)
        {
            var key = (requests[i].CacheKey, requests[i].View);
            if (firstIndexOfKey.TryGetValue(key, out var original))
            {
                duplicates.Add((i, original));
                continue;
            }

            firstIndexOfKey[key] = i;
            if (cache.TryGet(requests[i].CacheKey, requests[i].View) is { } cached)
            {
                results[i] = cached;
            }
            else
            {
                missing.Add(i);
            }
        }

        var done = requests.Count - missing.Count;
        progress?.Report(done);
        var pending = new List<(string, int, float[])>();
        var commit = new Lock();
        // One image per core, each scored single-threaded: on a few cores that beats one image at a time on all of
        // them (no synchronisation inside the backbone, and decoding and shifting run in parallel too). An image is
        // read and decoded once for all of its views and shifted copies. Each feature depends only on its own image,
        // so the result does not depend on the order.
        var byImage = missing.GroupBy(index => requests[index].ImagePath, StringComparer.Ordinal).ToList();
        Parallel.ForEach(
            byImage,
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
            () => new ImageBuffers(),
            (image, _, buffers) =>
            {
                using var decoded = preprocessor.LoadResized(File.ReadAllBytes(image.Key));
                ImagePreprocessor.WriteTensor(decoded, buffers.Original);
                foreach (var shift in image.GroupBy(index => requests[index].Shift))
                {
                    var source = buffers.Original;
                    if (shift.Key is not null)
                    {
                        using var shifted = shift.Key.Apply(decoded);
                        ImagePreprocessor.WriteTensor(shifted, buffers.Shifted);
                        source = buffers.Shifted;
                    }

                    foreach (var index in shift)
                    {
                        var request = requests[index];
                        DihedralView.Apply(source, buffers.View, request.View);
                        var features = backbone.Features(buffers.View, int8Backbone, layout);
                        results[index] = features;
                        lock (commit)
                        {
                            pending.Add((request.CacheKey, request.View, features));
                            if (pending.Count >= CommitEvery)
                            {
                                cache.PutMany(pending);
                                pending.Clear();
                            }

                            progress?.Report(++done);
                        }
                    }
                }

                return buffers;
            },
            _ => { });

        cache.PutMany(pending);
        foreach (var (index, original) in duplicates)
        {
            results[index] = results[original];
        }

        progress?.Report(requests.Count);
        return new FeatureExtractionResult(results, requests.Count - missing.Count, missing.Count);
    }
}

/// <summary>One worker's tensors: the image as it is, a shifted copy of it and the view being scored.</summary>
file sealed class ImageBuffers
{
    public float[] Original { get; } = new float[ImagePreprocessor.TensorLength];

    public float[] Shifted { get; } = new float[ImagePreprocessor.TensorLength];

    public float[] View { get; } = new float[ImagePreprocessor.TensorLength];
}
