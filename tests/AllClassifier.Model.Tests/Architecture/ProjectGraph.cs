using System.Xml.Linq;

namespace AllClassifier.Model.Tests.Architecture;

/// <summary>One service or library project as its csproj declares it.</summary>
public sealed record ProjectFile(string Name, string Sdk, IReadOnlySet<string> ProjectReferences, IReadOnlySet<string> Packages, IReadOnlySet<string> Frameworks);

/// <summary>The solution's projects (not tests or benchmarks), read from the csproj files in the repository.</summary>
public sealed class ProjectGraph
{
    private readonly Dictionary<string, ProjectFile> _projects;

    private ProjectGraph(Dictionary<string, ProjectFile> projects) => _projects = projects;

    public IReadOnlyCollection<string> Names => _projects.Keys;

    public ProjectFile this[string name] => _projects[name];

    public static ProjectGraph Load()
    {
        var root = RepositoryRoot();
        var projects = Directory.EnumerateFiles(root, "*.csproj", SearchOption.TopDirectoryOnly)
            .Concat(Directory.EnumerateDirectories(root, "AllClassifier.*").SelectMany(d => Directory.EnumerateFiles(d, "*.csproj")))
            .Select(Read)
            .ToDictionary(p => p.Name);
        return new ProjectGraph(projects);
    }

    /// <summary>Every project reachable from <paramref name="name"/> through project references.</summary>
    public IReadOnlySet<string> Closure(string name)
    {
        var seen = new HashSet<string>();
        var pending = new Stack<string>(_projects[name].ProjectReferences);
        while (pending.TryPop(out var next))
        {
            if (seen.Add(next))
            {
                foreach (var reference in _projects[next].ProjectReferences)
                {
                    pending.Push(reference);
                }
            }
        }

        return seen;
    }

    private static ProjectFile Read(string path)
    {
        var document = XDocument.Load(path);
        var project = document.Root!;
        IReadOnlySet<string> Includes(string element, Func<string, string> map) =>
            project.Descendants(element).Select(e => map((string)e.Attribute("Include")!)).ToHashSet(StringComparer.Ordinal);

        return new ProjectFile(
            Path.GetFileNameWithoutExtension(path),
            ((string?)project.Attribute("Sdk") ?? "").Split('/')[0],
            Includes("ProjectReference", include => Path.GetFileNameWithoutExtension(include.Replace('\\', '/'))),
            Includes("PackageReference", include => include),
            Includes("FrameworkReference", include => include));
    }

    internal static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AllClassifier.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No AllClassifier.sln above {AppContext.BaseDirectory}.");
    }
}
