using System.ComponentModel;
using AllClassifier.Model.Registry;
using AllClassifier.Trainer.Signing;
using AllClassifier.Trainer.Worker;
using Microsoft.Extensions.Options;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AllClassifier.Trainer.Commands;

public sealed class KeygenSettings : CommandSettings
{
    [CommandOption("--out <FILE>")]
    [Description("Where to write the private key (PEM, readable by its owner only). It must not exist yet.")]
    public required string Out { get; init; }

    public override ValidationResult Validate() =>
        File.Exists(Out) ? ValidationResult.Error($"{Out} exists: a signing key is never overwritten.") : ValidationResult.Success();
}

public sealed class SignSettings : RegistrySettings
{
    [CommandArgument(0, "<version>")]
    [Description("The registered version to sign, as it is now.")]
    public int Version { get; init; }

    [CommandOption("--key <FILE>")]
    [Description("The private key (PEM). Default: ModelSigning:PrivateKeyPath / ModelSigning:PrivateKey.")]
    public string? KeyFile { get; init; }
}

/// <summary>
/// <c>models keygen --out FILE</c>: a new ECDSA P-256 model signing key pair. The private key goes to the trainer
/// (<c>ModelSigning__PrivateKeyPath</c> or <c>ModelSigning__PrivateKey</c>); the public key printed goes to the API
/// (<c>ModelSigning__PublicKeys__0</c>).
/// </summary>
public sealed class ModelsKeygenCommand(IAnsiConsole console) : Command<KeygenSettings>
{
    public override int Execute(CommandContext context, KeygenSettings settings, CancellationToken cancellationToken)
    {
        var (privateKey, publicKey) = ModelSigningKeys.Generate();
        if (Path.GetDirectoryName(Path.GetFullPath(settings.Out)) is { } folder)
        {
            Directory.CreateDirectory(folder);
        }

        // Owner-only from its creation, so no other account ever reads the key.
        var owner = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            owner.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new FileStream(settings.Out, owner))
        using (var writer = new StreamWriter(file))
        {
            writer.Write(privateKey);
        }

        using var key = ModelSigningKeys.PublicKey(publicKey);
        console.WriteLine($"Private key (trainer only): {Path.GetFullPath(settings.Out)}");
        console.WriteLine($"Key id: {ModelSignature.KeyIdOf(key)}");
        console.WriteLine("Public key (the API's ModelSigning__PublicKeys__0):");
        console.WriteLine(publicKey);
        return 0;
    }
}

/// <summary>
/// <c>models sign &lt;version&gt;</c>: signs a registered version as its files are now, e.g. one registered without a
/// key or imported by hand. It vouches for whatever the folder holds: look at what you sign.
/// </summary>
public sealed class ModelsSignCommand(IAnsiConsole console, IOptions<WorkerOptions> shared, IOptions<ModelSigningKeyOptions> signing)
    : Command<SignSettings>
{
    public override int Execute(CommandContext context, SignSettings settings, CancellationToken cancellationToken)
    {
        using var key = ModelVersionSigner.Load(settings.KeyFile is { } path ? new ModelSigningKeyOptions { PrivateKeyPath = path } : signing.Value)
            ?? throw new InvalidOperationException(
                "No signing key: pass --key FILE or set ModelSigning:PrivateKeyPath (ModelSigning__PrivateKeyPath) or ModelSigning:PrivateKey.");
        var registry = settings.OpenRegistry(shared.Value);
        var version = registry.Find(settings.Version)
            ?? throw new InvalidOperationException($"Version {settings.Version} is not registered in {registry.Root}.");
        if (version.Card.ModelSha256 is { } expected && ModelCard.Sha256Of(File.ReadAllBytes(version.ModelPath)) != expected)
        {
            throw new InvalidOperationException(
                $"Version {settings.Version}'s {LocalModelRegistry.ModelFileName} does not match the SHA-256 on its card; not signed.");
        }

        var signature = registry.WithLock(() => ModelSignature.Sign(version.Directory, key));
        console.WriteLine($"Signed version {settings.Version} ({signature.Files.Count} files) with key {signature.KeyId}.");
        return 0;
    }
}
