using System.Text.RegularExpressions;

namespace AllClassifier.AppHost.Tests;

/// <summary>
/// <c>azure.yaml</c>, the file <c>azd up</c> starts from, checked as text (azd does not run here): one service, the
/// app host, deployed to Azure Container Apps; azd reads everything else from the app host's manifest.
/// </summary>
public sealed partial class AzdProjectTests
{
    private static readonly string RepositoryRoot = FindRepositoryRoot();
    private static readonly string AzureYaml = File.ReadAllText(Path.Combine(RepositoryRoot, "azure.yaml"));

    [Fact]
    public void The_only_service_is_the_app_host_on_container_apps()
    {
        var services = ServiceBlock().Matches(AzureYaml);

        var service = Assert.Single(services);
        Assert.Matches(@"\n\s+language: dotnet\n", service.Value);
        Assert.Matches(@"\n\s+host: containerapp\n", service.Value);
        var project = Regex.Match(service.Value, @"\n\s+project: (?<path>\S+)\n").Groups["path"].Value;
        Assert.Equal("AllClassifier.AppHost.csproj", Path.GetFileName(project));
        Assert.True(File.Exists(Path.Combine(RepositoryRoot, project)), $"azure.yaml names {project}, which does not exist.");
    }

    // A service is a two-space-indented name under `services:` followed by its more deeply indented keys.
    [GeneratedRegex(@"(?m)^  [\w-]+:\n(?:    .*\n?)+")]
    private static partial Regex ServiceBlock();

    internal static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "azure.yaml")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException("The repository root (with azure.yaml) was not found above the test output.");
    }
}
