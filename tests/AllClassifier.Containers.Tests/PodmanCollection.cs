namespace AllClassifier.Containers.Tests;

/// <summary>
/// The container tests share one Podman and its container names: they run one class at a time.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PodmanCollection
{
    public const string Name = "Podman";
}
