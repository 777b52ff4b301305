using System.Runtime.InteropServices;
using AllClassifier.Api.Serving;
using AllClassifier.Api.Tests.Infrastructure;
using AllClassifier.Model.Imaging;
using AllClassifier.Model.Registry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Tests.Serving;

/// <summary>What a model swap leaves behind: sessions of replaced models, and their pages on the native heap.</summary>
public sealed class ModelLifetimeTests : IDisposable
{
    private readonly string _registryRoot = Directory.CreateTempSubdirectory("allclassifier-lifetime-").FullName;

    public void Dispose() => Directory.Delete(_registryRoot, recursive: true);

    [Fact]
    public void A_replaced_model_is_disposed_when_its_last_request_ends_and_swaps_never_pile_up_sessions()
    {
        var loader = new ModelLoader(Options.Create(new ModelServingOptions { WholeMachineWhenIdle = false }), TestModels.Verifier());
        var registered = TestModels.Register(_registryRoot, TestModels.Model);
        using var holder = new ModelHolder();
        var first = loader.Load(registered);
        holder.Swap(first);
        Assert.True(holder.TryAcquire(out var request));

        var replacements = Enumerable.Range(0, 4).Select(_ =>
        {
            var model = loader.Load(registered);
            holder.Swap(model);
            return model;
        }).ToList();

        // The request still running on the first model keeps it; every other replaced model went at once.
        Assert.False(first.IsDisposed);
        Assert.All(replacements[..^1], model => Assert.True(model.IsDisposed));
        Assert.False(replacements[^1].IsDisposed);

        request.Dispose();
        Assert.True(first.IsDisposed);
        Assert.Same(replacements[^1], holder.Current);
        Assert.False(replacements[^1].IsDisposed);
    }

    [Fact]
    public void A_swap_serves_the_new_version_on_its_explainer_first_and_lets_the_old_model_go_before_the_rest_loads()
    {
        var loader = new ModelLoader(Options.Create(new ModelServingOptions { MaxConcurrentInferences = 2, WarmupInferences = 1 }), TestModels.Verifier());
        var registered = TestModels.Register(_registryRoot, TestModels.Model);
        var tensor = new float[ImagePreprocessor.TensorLength];
        using var holder = new ModelHolder();
        var old = loader.Load(registered);
        holder.Swap(old);
        ServedModel? interim = null;
        var oldDisposedWhileInterimServed = false;

        var final = loader.Load(registered, model =>
        {
            interim = model;
            holder.Swap(model);
            oldDisposedWhileInterimServed = old.IsDisposed;
            // Every kind of request is answered meanwhile: predictions on either core count, and explanations.
            Assert.True(holder.TryAcquire(out var request));
            using (request)
            {
                Assert.Same(model, request.Model);
                Assert.Equal(4, request.Model.ClassifierFor(wholeMachine: true).Classify(tensor).Length);
                Assert.Equal(4, request.Model.Explainer!.Explain(tensor).Probabilities.Length);
            }
        });

        Assert.True(oldDisposedWhileInterimServed);
        Assert.NotNull(interim);
        Assert.Same(interim, holder.Current);
        Assert.Same(interim.Explainer, final.Explainer);
        Assert.NotSame(final.Explainer, final.Classifier);
        Assert.NotSame(final.Classifier, final.ClassifierFor(wholeMachine: true));
        Assert.False(final.Classifier.HasClassActivationMap); // the pruned graph, as before the two-step swap

        holder.Swap(final);
        // The interim model is out of service but its session serves explanations for the final model.
        Assert.False(interim.IsDisposed);
        Assert.Equal(interim.Explainer!.Explain(tensor).Probabilities, final.Classifier.Classify(tensor), new ToleranceComparer(1e-5f));

        holder.Swap(loader.Load(registered));
        Assert.True(final.IsDisposed);
        Assert.True(interim.IsDisposed);
    }

    [Fact]
    public async Task Requests_running_through_swaps_are_all_answered()
    {
        var loader = new ModelLoader(Options.Create(new ModelServingOptions { MaxConcurrentInferences = 2, WarmupInferences = 0 }), TestModels.Verifier());
        var registered = TestModels.Register(_registryRoot, TestModels.Model);
        using var holder = new ModelHolder();
        holder.Swap(loader.Load(registered));
        var answered = 0;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        var requests = Enumerable.Range(0, 2).Select(worker => Task.Run(() =>
        {
            var tensor = new float[ImagePreprocessor.TensorLength];
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                if (!holder.TryAcquire(out var request))
                {
                    failures.Enqueue("no model to serve");
                    continue;
                }

                using (request)
                {
                    var probabilities = i % 3 == 0
                        ? request.Model.Explainer!.Explain(tensor).Probabilities
                        : request.Model.ClassifierFor(wholeMachine: worker == 0).Classify(tensor);
                    if (probabilities.Length != 4)
                    {
                        failures.Enqueue($"{probabilities.Length} probabilities");
                    }
                }

                Interlocked.Increment(ref answered);
            }
        })).ToList();
        var replaced = new List<ServedModel>();

        for (var swap = 0; swap < 3; swap++)
        {
            var before = Volatile.Read(ref answered);
            replaced.Add(holder.Current!);
            holder.Swap(loader.Load(registered, holder.Swap));
            // Each swap overlaps requests: wait (bounded) until some ran on the new model before the next one.
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref answered) > before + 2, TimeSpan.FromSeconds(60)));
        }

        await stop.CancelAsync();
        await Task.WhenAll(requests);
        Assert.Empty(failures);
        Assert.All(replaced, model => Assert.True(model.IsDisposed));
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }

    [Fact]
    public void After_a_swap_the_next_models_weights_stay_off_the_native_heap()
    {
        // The API's own setup configures the heap; its registry stays empty, so nothing else loads meanwhile.
        using var api = new ApiFactory();
        var loader = api.Services.GetRequiredService<ModelLoader>();
        var registered = TestModels.Register(_registryRoot, TestModels.Model);
        using var holder = new ModelHolder();
        holder.Swap(loader.Load(registered));
        holder.Swap(loader.Load(registered)); // drops the first model, as a promotion does

        var before = NativeHeapStatistics.Read();
        holder.Swap(loader.Load(registered));
        var after = NativeHeapStatistics.Read();

        // glibc slides its mmap threshold up to the largest block freed (the dropped model's weights), so without a
        // fixed threshold the next model's weights go onto the heap, whose freed pages stay resident.
        var heapGrowth = (long)after.HeapBytes - (long)before.HeapBytes;
        Assert.True(heapGrowth < ModelFileBytes / 4, $"the heap grew by {heapGrowth / 1e6:F1} MB while a {ModelFileBytes / 1e6:F0} MB model loaded");
    }

    private static long ModelFileBytes => TestModels.Model.Length;

    /// <summary>glibc's own account of its heap (<c>mallinfo2</c>; the API runs on glibc-based Linux).</summary>
    private static class NativeHeapStatistics
    {
        public static MallocInfo Read() => MallocInfo2();

        [DllImport("libc", EntryPoint = "mallinfo2")]
        private static extern MallocInfo MallocInfo2();
    }

    /// <summary>The fields of <c>struct mallinfo2</c>, in order.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly struct MallocInfo
    {
        /// <summary>Bytes the heaps hold (<c>arena</c>): blocks in use and free pages not yet returned.</summary>
        public readonly nuint HeapBytes;
        public readonly nuint FreeChunks;
        public readonly nuint FastBinBlocks;
        public readonly nuint MappedBlocks;
        public readonly nuint MappedBytes;
        public readonly nuint Unused;
        public readonly nuint FastBinBytes;
        public readonly nuint InUseBytes;
        public readonly nuint FreeBytes;
        public readonly nuint TopReleasable;
    }
}
