using System.Text.RegularExpressions;

namespace AllClassifier.Model.Tests.Architecture;

/// <summary>
/// One way to read settings in every project: options bound from their section (<c>BindConfiguration</c>), the
/// original stack's flat names only through the alias table, never read by an options class or an overlay.
/// </summary>
public sealed partial class ConfigurationConventionTests
{
    private static readonly string Root = ProjectGraph.RepositoryRoot();

    public static TheoryData<string> Forbidden() =>
    [
        "ConfigurationKeyName",
        "Configure<IConfiguration>",
        "Environment.GetEnvironmentVariable(\"FB_",
        "Environment.GetEnvironmentVariable(SharedSettings",
    ];

    [Theory]
    [MemberData(nameof(Forbidden))]
    public void No_project_reads_a_setting_around_its_options(string pattern)
    {
        var offenders = SourceFiles().Where(file => File.ReadAllText(file).Contains(pattern, StringComparison.Ordinal));

        Assert.Empty(offenders.Select(Relative));
    }

    [Fact]
    public void Options_are_bound_from_their_section_with_BindConfiguration()
    {
        var offenders = SourceFiles().Where(file => BindFromGetSection().IsMatch(File.ReadAllText(file)));

        Assert.Empty(offenders.Select(Relative));
    }

    [Fact]
    public void Every_options_class_with_a_section_is_sealed()
    {
        var found = SourceFiles()
            .SelectMany(file => OptionsClass().Matches(File.ReadAllText(file)).Select(match => (File: file, Match: match)))
            .ToList();

        Assert.NotEmpty(found);
        Assert.Empty(found.Where(entry => !entry.Match.Groups["modifiers"].Value.Contains("sealed", StringComparison.Ordinal))
            .Select(entry => $"{Relative(entry.File)}: {entry.Match.Groups["name"].Value}"));
    }

    // AddOptions<T>() followed by .Bind(...GetSection(...)) instead of .BindConfiguration(T.SectionName).
    [GeneratedRegex(@"AddOptions<[\w.]+>\(\)\s*\.Bind\(")]
    private static partial Regex BindFromGetSection();

    // A class whose body begins with a SectionName constant.
    [GeneratedRegex(@"(?<modifiers>(?:\w+ )*)class (?<name>\w+Options)\b[^{]*\{\s*(?:///[^\n]*\n\s*)*public const string SectionName")]
    private static partial Regex OptionsClass();

    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateDirectories(Root, "AllClassifier.*")
            .SelectMany(project => Directory.EnumerateFiles(project, "*.cs", SearchOption.AllDirectories))
            .Where(file => !Relative(file).Split('/').Any(part => part is "bin" or "obj"));

    private static string Relative(string file) => Path.GetRelativePath(Root, file).Replace('\\', '/');
}
