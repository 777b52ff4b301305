using System.Security.Cryptography;

namespace AllClassifier.Model.Imaging;

/// <summary>The content identity of image bytes: lower-case hex SHA-256, as stored in the feedback table and the manifests.</summary>
public static class ImageHash
{
    public static string Sha256(ReadOnlySpan<byte> bytes)
    {
        ImagingMetrics.Hashes.Add(1);
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }
}
