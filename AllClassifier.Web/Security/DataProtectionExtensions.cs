using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;

namespace AllClassifier.Web.Security;

public static class DataProtectionExtensions
{
    // Instances protect and unprotect for one another only under the same application name.
    private const string ApplicationName = "AllClassifier.Web";

    /// <summary>
    /// Keeps the Data Protection key ring in <see cref="DataProtectionKeysOptions.KeysDirectory"/>. With the default
    /// in-container location the keys die with the container, and every restart signs staff out and breaks the
    /// forms they have open. With <see cref="DataProtectionKeysOptions.CertificatePath"/> the keys are encrypted at
    /// rest with that certificate.
    /// </summary>
    public static IHostApplicationBuilder AddPersistentDataProtection(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DataProtectionKeysOptions>()
            .BindConfiguration(DataProtectionKeysOptions.SectionName)
            .Validate(o => !string.IsNullOrWhiteSpace(o.KeysDirectory), "DataProtection:KeysDirectory must name a folder.")
            .ValidateOnStart();
        var keys = builder.Configuration.GetSection(DataProtectionKeysOptions.SectionName).Get<DataProtectionKeysOptions>() ?? new DataProtectionKeysOptions();
        var dataProtection = builder.Services.AddDataProtection()
            .SetApplicationName(ApplicationName)
            .PersistKeysToFileSystem(Directory.CreateDirectory(keys.KeysDirectory));
        if (LoadCertificate(keys) is { } certificate)
        {
            // Linux has no certificate store to find the decrypting certificate in: it is named here as well.
            dataProtection.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
        }

        return builder;
    }

    /// <summary>The configured certificate with its private key, or null when none is configured; a broken one stops the start.</summary>
    private static X509Certificate2? LoadCertificate(DataProtectionKeysOptions keys)
    {
        if (string.IsNullOrWhiteSpace(keys.CertificatePath))
        {
            return null;
        }

        try
        {
            var certificate = string.IsNullOrWhiteSpace(keys.CertificateKeyPath)
                ? X509CertificateLoader.LoadPkcs12FromFile(keys.CertificatePath, keys.CertificatePassword)
                : X509Certificate2.CreateFromPemFile(keys.CertificatePath, keys.CertificateKeyPath);
            if (!certificate.HasPrivateKey)
            {
                certificate.Dispose();
                throw new InvalidOperationException("it has no private key, so the keys it encrypts could not be read back");
            }

            return certificate;
        }
        catch (Exception exception) when (exception is System.Security.Cryptography.CryptographicException or IOException or InvalidOperationException)
        {
            throw new InvalidOperationException(
                $"{DataProtectionKeysOptions.SectionName}:{nameof(DataProtectionKeysOptions.CertificatePath)} ({keys.CertificatePath}) cannot protect the key ring: {exception.Message}",
                exception);
        }
    }
}
