using AllClassifier.Model.Registry;
using AllClassifier.Tests.Signing;

namespace AllClassifier.Trainer.Tests.Commands;

/// <summary><c>models keygen</c> and <c>models sign</c>: keys for a deployment, and a signature for a version made without one.</summary>
public sealed class ModelsSigningCommandTests
{
    [Fact]
    public async Task Keygen_writes_an_owner_only_private_key_and_prints_the_public_key_it_verifies_with()
    {
        using var root = new TempDirectory();
        var keyPath = root.Combine("secrets", "model-signing-key.pem");

        var (exitCode, output) = await Cli.RunAsync("models", "keygen", "--out", keyPath);

        Assert.True(exitCode == 0, output);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyPath));
        }

        using var privateKey = ModelSigningKeys.PrivateKey(await File.ReadAllTextAsync(keyPath));
        Assert.Contains(ModelSigningKeys.PublicKeyText(privateKey), output);
        Assert.Contains($"Key id: {ModelSignature.KeyIdOf(privateKey)}", output);

        var again = await Cli.RunAsync("models", "keygen", "--out", keyPath);
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains("never overwritten", again.Output);
    }

    [Fact]
    public async Task Sign_signs_a_version_registered_without_a_key_so_that_it_verifies()
    {
        using var root = new TempDirectory();
        var registry = TrainedVersions.Register(root.Combine("registry"), feedbackHighWaterMark: 0);
        var keyPath = root.Combine("key.pem");
        await File.WriteAllTextAsync(keyPath, TestSigningKey.PrivateKeyPem);
        Assert.Null(ModelSignature.Read(registry.Directory));

        var (exitCode, output) = await Cli.RunAsync("models", "sign", "1", "--registry", root.Combine("registry"), "--key", keyPath);

        Assert.True(exitCode == 0, output);
        Assert.Contains($"Signed version 1 (2 files) with key {ModelSignature.KeyIdOf(TestSigningKey.PrivateKey)}", output);
        ModelSignature.Verify(registry.Directory, [TestSigningKey.PrivateKey]);
    }

    [Fact]
    public async Task Sign_refuses_a_version_whose_model_differs_from_its_card_and_one_without_a_key()
    {
        using var root = new TempDirectory();
        var registry = TrainedVersions.Register(root.Combine("registry"), feedbackHighWaterMark: 0);
        await File.WriteAllBytesAsync(registry.ModelPath, [9, 9, 9]);
        var keyPath = root.Combine("key.pem");
        await File.WriteAllTextAsync(keyPath, TestSigningKey.PrivateKeyPem);

        var altered = await Cli.RunAsync("models", "sign", "1", "--registry", root.Combine("registry"), "--key", keyPath);
        var keyless = await Cli.RunAsync(_ => { }, new Dictionary<string, string?>(), "models", "sign", "1", "--registry", root.Combine("registry"));

        Assert.NotEqual(0, altered.ExitCode);
        Assert.Contains("does not match the SHA-256 on its card; not signed", altered.Output);
        Assert.NotEqual(0, keyless.ExitCode);
        Assert.Contains("No signing key", keyless.Output);
        Assert.Null(ModelSignature.Read(registry.Directory));
    }
}
