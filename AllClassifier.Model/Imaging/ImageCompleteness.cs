using System.Buffers.Binary;

namespace AllClassifier.Model.Imaging;

/// <summary>
/// Detects files cut short. The decoders fill what is missing instead of failing (grey for a truncated JPEG scan
/// or PNG stream, black for missing BMP rows), so a half uploaded photograph would otherwise be classified, stored
/// for retraining and trained on.
/// </summary>
internal static class ImageCompleteness
{
    private const byte MarkerPrefix = 0xFF;
    private const byte StartOfScan = 0xDA;
    private const byte EndOfImage = 0xD9;

    private const int PngSignatureLength = 8;
    private const int PngChunkOverhead = 12; // length, type and CRC around the data
    private static readonly byte[] PngEndChunkType = "IEND"u8.ToArray();

    private const int BmpFileHeaderLength = 14;
    private const int BmpCoreHeaderLength = 12;
    private const int BmpInfoHeaderLength = 40;
    private const uint BmpUncompressed = 0;
    private const uint BmpBitFields = 3;
    private const uint BmpAlphaBitFields = 6;

    /// <summary>True when the file ends the way a whole file of its format must.</summary>
    public static bool IsComplete(ReadOnlySpan<byte> bytes, string formatName) => formatName.ToUpperInvariant() switch
    {
        "JPEG" => JpegHasEndAfterLastScan(bytes),
        "PNG" => PngEndsWithEndChunk(bytes),
        "BMP" => BmpIsAsLongAsItsHeaderSays(bytes),
        _ => true,
    };

    // Entropy-coded data never holds 0xFF followed by a marker byte (0xFF is stuffed as FF 00), so the last
    // FF DA is the last scan header and a whole file has its FF D9 after it.
    private static bool JpegHasEndAfterLastScan(ReadOnlySpan<byte> bytes)
    {
        var lastScan = bytes.LastIndexOf([MarkerPrefix, StartOfScan]);
        return lastScan >= 0 && bytes[lastScan..].IndexOf([MarkerPrefix, EndOfImage]) >= 0;
    }

    // Compressed image data may hold the bytes "IEND" anywhere, so the chunks are walked by their lengths: a whole
    // file is a chain of chunks whose last one is IEND and ends exactly at the end of the file.
    private static bool PngEndsWithEndChunk(ReadOnlySpan<byte> bytes)
    {
        long offset = PngSignatureLength;
        while (offset + PngChunkOverhead <= bytes.Length)
        {
            var dataLength = BinaryPrimitives.ReadUInt32BigEndian(bytes[(int)offset..]);
            var type = bytes.Slice((int)offset + 4, 4);
            offset += PngChunkOverhead + (long)dataLength;
            if (type.SequenceEqual(PngEndChunkType))
            {
                return dataLength == 0 && offset == bytes.Length;
            }
        }

        return false;
    }

    // The file header's size field is often left 0 by writers, so the pixel array's extent is also computed from
    // the info header: a cut file misses rows even when its size field was never filled in.
    private static bool BmpIsAsLongAsItsHeaderSays(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < BmpFileHeaderLength + BmpCoreHeaderLength)
        {
            return false;
        }

        var declaredFileSize = BinaryPrimitives.ReadUInt32LittleEndian(bytes[2..]);
        var pixelOffset = BinaryPrimitives.ReadUInt32LittleEndian(bytes[10..]);
        var infoHeaderLength = BinaryPrimitives.ReadUInt32LittleEndian(bytes[BmpFileHeaderLength..]);
        if (declaredFileSize > bytes.Length || pixelOffset > bytes.Length)
        {
            return false;
        }

        Int128 width, height;
        int bitsPerPixel;
        uint compression = BmpUncompressed;
        uint declaredPixelBytes = 0;
        if (infoHeaderLength == BmpCoreHeaderLength)
        {
            width = BinaryPrimitives.ReadUInt16LittleEndian(bytes[18..]);
            height = BinaryPrimitives.ReadUInt16LittleEndian(bytes[20..]);
            bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(bytes[24..]);
        }
        else if (infoHeaderLength >= BmpInfoHeaderLength && bytes.Length >= BmpFileHeaderLength + BmpInfoHeaderLength)
        {
            width = Int128.Abs(BinaryPrimitives.ReadInt32LittleEndian(bytes[18..]));
            height = Int128.Abs(BinaryPrimitives.ReadInt32LittleEndian(bytes[22..]));
            bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(bytes[28..]);
            compression = BinaryPrimitives.ReadUInt32LittleEndian(bytes[30..]);
            declaredPixelBytes = BinaryPrimitives.ReadUInt32LittleEndian(bytes[34..]);
        }
        else
        {
            return false;
        }

        // Rows are padded to whole 32-bit words; compressed data has no fixed size, only the one its header declares.
        // 128-bit arithmetic: a hostile header's product of width, depth and height overflows 64 bits.
        Int128 pixelBytes = compression is BmpUncompressed or BmpBitFields or BmpAlphaBitFields
            ? ((((width * bitsPerPixel) + 31) / 32) * 4 * height)
            : declaredPixelBytes;
        return pixelOffset + pixelBytes <= bytes.Length;
    }
}
