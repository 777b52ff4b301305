using System.Runtime.Intrinsics.X86;

namespace AllClassifier.Model.Inference;

/// <summary>
/// The vector instructions of the CPU this process runs on that decide how ONNX Runtime's INT8 kernels compute, and
/// therefore which form of the first convolution's kernels a model is served with.
/// </summary>
/// <remarks>
/// .NET has no <c>IsSupported</c> for AVX-512 VNNI (only the VEX-encoded AVX-VNNI and AVX10, which implies it), and
/// none for AMX, so those two come from CPUID leaf 7 (ECX bit 11; EDX bit 25), AVX-512 VNNI only where the OS enabled
/// AVX-512 state (<see cref="Avx512F.IsSupported"/>).
/// </remarks>
public sealed record CpuFeatures(bool Avx2, bool Avx512F, bool AvxVnni, bool Avx512Vnni, bool Avx10, bool AmxInt8)
{
    private const int ExtendedFeatures = 7;
    private const int Avx512VnniBit = 11;
    private const int AmxInt8Bit = 25;

    /// <summary>This machine's features, read once.</summary>
    public static CpuFeatures Current { get; } = Detect();

    /// <summary>
    /// Whether u8 × s8 products accumulate straight into int32 (vpdpbusd or AMX): signed kernels cannot overflow, so the
    /// first convolution may use its int8 form, the one these instructions are fastest with.
    /// </summary>
    public bool HasVnni => AvxVnni || Avx512Vnni || Avx10 || AmxInt8;

    /// <summary>The feature names present, as /proc/cpuinfo spells them (for logs, /model and benchmarks).</summary>
    public IReadOnlyList<string> Names =>
    [
        .. Avx2 ? ["avx2"] : Array.Empty<string>(),
        .. Avx512F ? ["avx512f"] : Array.Empty<string>(),
        .. AvxVnni ? ["avx_vnni"] : Array.Empty<string>(),
        .. Avx512Vnni ? ["avx512_vnni"] : Array.Empty<string>(),
        .. Avx10 ? ["avx10.1"] : Array.Empty<string>(),
        .. AmxInt8 ? ["amx_int8"] : Array.Empty<string>(),
    ];

    public override string ToString() => Names.Count == 0 ? "none of avx2/avx512f/vnni/amx" : string.Join(' ', Names);

    private static CpuFeatures Detect()
    {
        if (!X86Base.IsSupported)
        {
            return new CpuFeatures(false, false, false, false, false, false);
        }

        var (_, _, ecx, edx) = X86Base.CpuId(ExtendedFeatures, 0);
        return new CpuFeatures(
            System.Runtime.Intrinsics.X86.Avx2.IsSupported,
            System.Runtime.Intrinsics.X86.Avx512F.IsSupported,
            System.Runtime.Intrinsics.X86.AvxVnni.IsSupported,
            System.Runtime.Intrinsics.X86.Avx512F.IsSupported && (ecx & (1 << Avx512VnniBit)) != 0,
            Avx10v1.IsSupported,
            (edx & (1 << AmxInt8Bit)) != 0);
    }
}
