namespace AllClassifier.Containers.Tests;

/// <summary>Locates the repository root (the folder holding the solution) from the test's output folder.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AllClassifier.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No AllClassifier.sln above {AppContext.BaseDirectory}.");
    }
}
