using System.Security.Cryptography;
using AllClassifier.Model.Registry;

namespace AllClassifier.Api.Signing;

public static class ModelSigningExtensions
{
    /// <summary>Only models signed by a trusted trainer key are served, whichever registry they came from.</summary>
    public static IHostApplicationBuilder AddModelSigning(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ModelSigningOptions>()
            .BindConfiguration(ModelSigningOptions.SectionName)
            .Validate(
                o => o.PublicKeys.All(Readable),
                $"{ModelSigningOptions.SectionName}:PublicKeys: every entry must be an ECDSA P-256 public key (PEM or base64 DER).")
            .Validate<IHostEnvironment>(
                (o, environment) => !o.AllowUnsigned || environment.IsDevelopment(),
                $"{ModelSigningOptions.SectionName}:AllowUnsigned serves unsigned models and is for the Development environment only.")
            .ValidateOnStart();
        builder.Services.AddSingleton<ModelSignatureVerifier>();
        builder.Services.AddHealthChecks().AddCheck<ModelSigningHealthCheck>(ModelSigningHealthCheck.Name);
        return builder;
    }

    private static bool Readable(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        try
        {
            using var key = ModelSigningKeys.PublicKey(text);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
