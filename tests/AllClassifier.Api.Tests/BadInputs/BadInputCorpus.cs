using System.Buffers.Binary;
using System.Text;
using AllClassifier.Api.Tests.Infrastructure;

namespace AllClassifier.Api.Tests.BadInputs;

/// <summary>One unusable upload, the status and error code it must get and a phrase its detail must contain.</summary>
public sealed record BadUpload(string Name, byte[] Bytes, string FileName, string ContentType, int Status, string Code, string Detail)
{
    public override string ToString() => Name;
}

/// <summary>
/// Files no endpoint may accept, generated deterministically. <see cref="WriteTo"/> writes them out for manual
/// replay with curl.
/// </summary>
public static class BadInputCorpus
{
    public static IReadOnlyList<BadUpload> All { get; } = Build();

    public static TheoryData<string> Names() => [.. All.Select(upload => upload.Name)];

    public static BadUpload Get(string name) => All.Single(upload => upload.Name == name);

    public static void WriteTo(string directory)
    {
        Directory.CreateDirectory(directory);
        foreach (var upload in All)
        {
            File.WriteAllBytes(Path.Combine(directory, upload.Name + Path.GetExtension(upload.FileName)), upload.Bytes);
        }
    }

    private static List<BadUpload> Build()
    {
        var jpeg = TestImages.Jpeg(seed: 21);
        var png = TestImages.Png(seed: 22);
        return
        [
            new("empty", [], "empty.jpg", "image/jpeg", 422, "empty_image", "empty"),
            new("text", Encoding.UTF8.GetBytes("patient notes: this is not an image\n"), "notes.jpg", "image/jpeg", 415, "unsupported_format", "not a JPEG, PNG or BMP"),
            new("truncated-jpeg", jpeg[..(jpeg.Length * 6 / 10)], "cut.jpg", "image/jpeg", 422, "corrupt_image", "truncated"),
            new("truncated-png", png[..(png.Length * 6 / 10)], "cut.png", "image/png", 422, "corrupt_image", "truncated"),
            new("corrupt-jpeg-body", CorruptScan(jpeg, seed: 3), "corrupt.jpg", "image/jpeg", 422, "corrupt_image", "corrupt"),
            new("gif", TestImages.Gif(seed: 23), "smear.gif", "image/gif", 415, "unsupported_format", "not a JPEG, PNG or BMP"),
            new("tiff", TestImages.Tiff(seed: 24), "smear.tiff", "image/tiff", 415, "unsupported_format", "not a JPEG, PNG or BMP"),
            new("webp", TestImages.Webp(seed: 25), "smear.webp", "image/webp", 415, "unsupported_format", "not a JPEG, PNG or BMP"),
            new("bomb-png-100000x100000", PngHeaderOnly(100_000, 100_000), "bomb.png", "image/png", 422, "dimensions_too_large", "100000x100000"),
            new("tiny-8x8", TestImages.Jpeg(seed: 26, width: 8, height: 8), "tiny.jpg", "image/jpeg", 422, "dimensions_too_small", "at least 16"),
        ];
    }

    /// <summary>Headers intact, entropy-coded scan replaced by random bytes, end marker kept.</summary>
    private static byte[] CorruptScan(byte[] jpeg, int seed)
    {
        var bytes = jpeg.ToArray();
        var scan = bytes.AsSpan().LastIndexOf([(byte)0xFF, (byte)0xDA]);
        var headerLength = (bytes[scan + 2] << 8) | bytes[scan + 3];
        var random = new Random(seed);
        for (var i = scan + 2 + headerLength; i < bytes.Length - 2; i++)
        {
            bytes[i] = (byte)random.Next(256);
        }

        return bytes;
    }

    /// <summary>A PNG signature, an IHDR claiming the given size (with a valid CRC) and an empty IEND: 45 bytes.</summary>
    private static byte[] PngHeaderOnly(int width, int height)
    {
        using var stream = new MemoryStream();
        stream.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // truecolour
        WriteChunk(stream, "IHDR", ihdr);
        WriteChunk(stream, "IEND", []);
        return stream.ToArray();
    }

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        stream.Write(word);
        var typeAndData = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        stream.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typeAndData));
        stream.Write(word);
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
