using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using AllClassifier.Api.Tests.Infrastructure;
using AllClassifier.Model.Registry;
using AllClassifier.Tests.Signing;

namespace AllClassifier.Api.Tests.Signing;

/// <summary>
/// The API serves only versions its configured keys vouch for: whoever can write to the registry folder, but does not
/// hold the trainer's private key, cannot choose the model that looks at patients' images.
/// </summary>
public sealed class ModelSigningTests : IAsyncLifetime
{
    private static readonly byte[] Other = TestModels.Compose(TestModels.RandomHead(seed: 23));

    private readonly ECDsa _otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private ApiFactory _api = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        // The trainer's current key and a newer one: both are trusted while the keys rotate.
        _api = new ApiFactory(settings: new Dictionary<string, string?>
        {
            ["ModelSigning:PublicKeys:1"] = ModelSigningKeys.PublicKeyText(_otherKey),
        });
        TestModels.Register(_api.RegistryDirectory, TestModels.Model);
        _client = _api.CreateClient();
        await _api.WaitForModelVersionAsync(1);
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        _otherKey.Dispose();
    }

    public enum Tampering
    {
        Unsigned,
        CardRewrittenToANewModelsHash,
        ConfusionMatrixAltered,
        FileAdded,
        SignedByAnUntrustedKey,
        SignatureOfAnotherVersion,
    }

    [Theory]
    [InlineData(Tampering.Unsigned, "the version has no signature.json: unsigned models are not served")]
    [InlineData(Tampering.CardRewrittenToANewModelsHash, "differs from the SHA-256 that signature.json signs")]
    [InlineData(Tampering.ConfusionMatrixAltered, "confusion_matrix.png differs from the SHA-256 that signature.json signs")]
    [InlineData(Tampering.FileAdded, "head.json is not covered by signature.json")]
    [InlineData(Tampering.SignedByAnUntrustedKey, "which is not among the trusted keys")]
    [InlineData(Tampering.SignatureOfAnotherVersion, "differs from the SHA-256 that signature.json signs")]
    public async Task A_version_its_signature_does_not_vouch_for_is_refused_and_the_good_model_keeps_serving(Tampering tampering, string problem)
    {
        var registry = new LocalModelRegistry(_api.RegistryDirectory);
        var next = tampering == Tampering.Unsigned
            ? registry.Register(Other, TestModels.Card, TestModels.ConfusionMatrixPng)
            : TestModels.Register(_api.RegistryDirectory, Other, makeChampion: false);
        var card = Path.Combine(next.Directory, LocalModelRegistry.CardFileName);
        switch (tampering)
        {
            case Tampering.CardRewrittenToANewModelsHash:
                // A model that loads and passes the probe, and a card that names its hash: only the signature tells.
                var theirs = TestModels.Compose(TestModels.RandomHead(seed: 29));
                await File.WriteAllBytesAsync(next.ModelPath, theirs);
                await File.WriteAllTextAsync(card, (next.Card with { ModelSha256 = ModelCard.Sha256Of(theirs) }).ToJson());
                break;
            case Tampering.ConfusionMatrixAltered:
                await File.WriteAllBytesAsync(next.ConfusionMatrixPath, TestImages.Png(seed: 5));
                break;
            case Tampering.FileAdded:
                await File.WriteAllTextAsync(Path.Combine(next.Directory, "head.json"), "{}");
                break;
            case Tampering.SignedByAnUntrustedKey:
                using (var untrusted = ECDsa.Create(ECCurve.NamedCurves.nistP256))
                {
                    ModelSignature.Sign(next.Directory, untrusted);
                }

                break;
            case Tampering.SignatureOfAnotherVersion:
                // A real signature of the serving version, beside another model.
                File.Copy(Path.Combine(registry.Find(1)!.Directory, ModelSignature.FileName), Path.Combine(next.Directory, ModelSignature.FileName), overwrite: true);
                break;
        }

        registry.SetAlias(next.Version);

        await WaitForLogAsync(problem);
        Assert.Equal("Degraded", await CheckAsync("model"));
        var prediction = await ApiAssert.OkJsonAsync(await _client.PostAsync("/predict", Forms.Image(TestImages.Jpeg(seed: 3))));
        Assert.Equal(1, prediction.GetProperty("model_version").GetInt32());
    }

    [Fact]
    public async Task A_version_signed_by_either_trusted_key_is_served()
    {
        Assert.Equal("Healthy", await CheckAsync("model-signing"));
        var registry = new LocalModelRegistry(_api.RegistryDirectory);
        var rotated = registry.Register(Other, TestModels.Card, TestModels.ConfusionMatrixPng, seal: folder => ModelSignature.Sign(folder, _otherKey));
        registry.SetAlias(rotated.Version);

        await _api.WaitForModelVersionAsync(rotated.Version);
        Assert.Equal("Healthy", await CheckAsync("model"));
    }

    [Fact]
    public async Task A_refused_version_is_served_once_its_signature_is_written()
    {
        var registry = new LocalModelRegistry(_api.RegistryDirectory);
        var next = registry.Register(Other, TestModels.Card, TestModels.ConfusionMatrixPng);
        registry.SetAlias(next.Version);
        await WaitForLogAsync("the version has no signature.json");

        // As `models sign` does for a version registered without the key.
        TestSigningKey.Sign(next.Directory);

        await _api.WaitForModelVersionAsync(next.Version);
    }

    private async Task<string?> CheckAsync(string name)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await _client.SendAsync(request);
        using var health = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return health.RootElement.GetProperty("checks").GetProperty(name).GetProperty("status").GetString();
    }

    private async Task WaitForLogAsync(string problem)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!_api.Logs.GetSnapshot().Any(log => (log.Message + log.Exception?.Message).Contains(problem, StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"No log entry named the problem \"{problem}\" in time.");
            await Task.Delay(50);
        }
    }
}

/// <summary>Without a trusted key the API serves nothing, and the opt-out is for development only.</summary>
public sealed class ModelSigningConfigurationTests
{
    [Fact]
    public async Task Without_a_public_key_every_model_is_refused_and_health_says_why()
    {
        using var api = new ApiFactory(settings: new Dictionary<string, string?> { [TestSigningKey.PublicKeySetting] = null });
        TestModels.Register(api.RegistryDirectory, TestModels.Model);
        var client = api.CreateClient();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!api.Logs.GetSnapshot().Any(log => log.Exception?.Message.Contains(
            "no model signing public key is configured (ModelSigning:PublicKeys): every model is refused", StringComparison.Ordinal) == true))
        {
            Assert.True(DateTime.UtcNow < deadline, "The API did not refuse the model in time.");
            await Task.Delay(50);
        }

        using var health = await client.GetAsync("/health");
        Assert.Equal(503, (int)health.StatusCode);
        Assert.Equal("Unhealthy", await health.Content.ReadAsStringAsync());
        Assert.Equal(503, (int)(await client.GetAsync("/model")).StatusCode);
    }

    [Fact]
    public async Task In_development_the_explicit_opt_out_serves_an_unsigned_version_and_health_says_so()
    {
        using var api = new DevelopmentApi(new Dictionary<string, string?>
        {
            [TestSigningKey.PublicKeySetting] = null,
            ["ModelSigning:AllowUnsigned"] = "true",
        });
        var registry = new LocalModelRegistry(api.RegistryDirectory);
        registry.SetAlias(registry.Register(TestModels.Model, TestModels.Card, TestModels.ConfusionMatrixPng).Version);

        await api.WaitForModelVersionAsync(1);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.Accept.ParseAdd("application/json");
        using var health = JsonDocument.Parse(await (await api.CreateClient().SendAsync(request)).Content.ReadAsStringAsync());
        Assert.Equal("Degraded", health.RootElement.GetProperty("checks").GetProperty("model-signing").GetProperty("status").GetString());
        Assert.Contains(api.Logs.GetSnapshot(), log => log.Message.Contains("Model version 1 has no signature; served because", StringComparison.Ordinal));
    }

    [Fact]
    public void Unsigned_models_cannot_be_allowed_outside_development()
    {
        using var api = new ApiFactory(settings: new Dictionary<string, string?> { ["ModelSigning:AllowUnsigned"] = "true" });

        var error = Assert.ThrowsAny<Exception>(() => api.CreateClient());

        Assert.Contains("AllowUnsigned serves unsigned models and is for the Development environment only", error.ToString());
    }

    [Fact]
    public void A_public_key_that_is_not_p256_stops_the_api_at_start()
    {
        using var rsa = RSA.Create(2048);
        using var api = new ApiFactory(settings: new Dictionary<string, string?>
        {
            [TestSigningKey.PublicKeySetting] = Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()),
        });

        var error = Assert.ThrowsAny<Exception>(() => api.CreateClient());

        Assert.Contains("every entry must be an ECDSA P-256 public key", error.ToString());
    }
}

/// <summary>The API as <c>dotnet run</c> starts it on a workstation (environment Development).</summary>
internal sealed class DevelopmentApi(IReadOnlyDictionary<string, string?> settings) : ApiFactory(settings: settings)
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseEnvironment("Development");
    }
}
