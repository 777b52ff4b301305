using System.Runtime.InteropServices;
using AllClassifier.Api.Serving;
using AllClassifier.Api.Tests.Infrastructure;
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
        var loader = new ModelLoader(Options.Create(new ModelServingOptions { WholeMachineWhenIdle = false }));
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
