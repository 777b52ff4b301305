using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace AllClassifier.Model.Tests.Docs;

/// <summary>
/// The README stays a page a newcomer reads in five minutes, and every relative link and <c>#anchor</c> of the
/// README, SECURITY.md, docs/*.md and the alerting rules' runbook annotations leads somewhere that exists.
/// </summary>
public sealed partial class DocumentationLinkTests
{
    private const int ReadmeMaxLines = 200;
    private static readonly string Root = RepositoryRoot();

    public static TheoryData<string> Documents()
    {
        var documents = new TheoryData<string>();
        foreach (var file in DocumentFiles())
        {
            documents.Add(Path.GetRelativePath(Root, file).Replace('\\', '/'));
        }

        return documents;
    }

    [Fact]
    public void The_readme_has_at_most_200_lines()
    {
        var lines = File.ReadAllLines(Path.Combine(Root, "README.md")).Length;

        Assert.True(lines <= ReadmeMaxLines, $"README.md has {lines} lines; move reference material into docs/.");
    }

    [Fact]
    public void The_readme_opens_with_the_two_commands()
    {
        var opening = string.Join('\n', File.ReadLines(Path.Combine(Root, "README.md")).Take(6));

        Assert.Contains("\ndotnet run --project AllClassifier.AppHost ", opening, StringComparison.Ordinal);
        Assert.Contains("\nbash scripts/test.sh ", opening, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_relative_link_and_anchor_resolves(string document)
    {
        var path = Path.Combine(Root, document);

        var broken = Links(File.ReadAllText(path)).Where(link => Resolve(path, link) is not null)
            .Select(link => $"{link} ({Resolve(path, link)})")
            .ToList();

        Assert.True(broken.Count == 0, $"{document} has broken links:\n{string.Join('\n', broken)}");
    }

    [Fact]
    public void Every_alert_runbook_names_a_section_that_exists()
    {
        var rules = File.ReadAllText(Path.Combine(Root, "monitoring", "prometheus", "alerts.yml"));
        var runbooks = RunbookLine().Matches(rules).Select(match => match.Groups["target"].Value).ToList();

        Assert.NotEmpty(runbooks);
        Assert.All(runbooks, runbook => Assert.Null(Resolve(Path.Combine(Root, "alerts.yml"), runbook)));
    }

    [Theory]
    [InlineData("Monitoring and alerts", "monitoring-and-alerts")]
    [InlineData("The API (`bench/predict.sh`)", "the-api-benchpredictsh")]
    [InlineData("Heat maps: what the model looked at", "heat-maps-what-the-model-looked-at")]
    [InlineData("With azd (Azure Container Apps)", "with-azd-azure-container-apps")]
    [InlineData("Tests — and *more*", "tests--and-more")]
    public void Anchors_are_made_as_github_makes_them(string heading, string anchor) =>
        Assert.Equal(anchor, Slug(heading));

    [Fact]
    public void A_missing_file_and_a_missing_anchor_are_reported()
    {
        var readme = Path.Combine(Root, "README.md");

        Assert.NotNull(Resolve(readme, "docs/no-such-page.md"));
        Assert.NotNull(Resolve(readme, "docs/monitoring.md#no-such-section"));
        Assert.NotNull(Resolve(readme, "#no-such-section"));
        Assert.Null(Resolve(readme, "docs/monitoring.md#alerts"));
    }

    /// <summary>Why <paramref name="link"/>, written in <paramref name="from"/>, does not resolve; null when it does.</summary>
    private static string? Resolve(string from, string link)
    {
        var hash = link.IndexOf('#', StringComparison.Ordinal);
        var target = Uri.UnescapeDataString(hash < 0 ? link : link[..hash]);
        var anchor = hash < 0 ? null : link[(hash + 1)..];
        var file = target.Length == 0 ? from : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(from)!, target));
        if (!File.Exists(file) && !Directory.Exists(file))
        {
            return $"no file {Path.GetRelativePath(Root, file)}";
        }

        if (anchor is null)
        {
            return null;
        }

        if (!file.EndsWith(".md", StringComparison.OrdinalIgnoreCase))
        {
            return "an anchor into a file that is not Markdown";
        }

        return Anchors(File.ReadAllText(file)).Contains(anchor) ? null : $"no heading #{anchor} in {Path.GetFileName(file)}";
    }

    /// <summary>Relative link targets of Markdown text, outside fenced code blocks and inline code.</summary>
    private static IEnumerable<string> Links(string markdown) =>
        InlineLink().Matches(WithoutCode(markdown))
            .Select(match => match.Groups["target"].Value)
            .Where(target => !UriScheme().IsMatch(target));

    private static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Match heading in Heading().Matches(WithoutFences(markdown)))
        {
            var slug = Slug(heading.Groups["text"].Value);
            var count = seen.GetValueOrDefault(slug);
            seen[slug] = count + 1;
            anchors.Add(count == 0 ? slug : $"{slug}-{count}");
        }

        return anchors;
    }

    // GitHub's rule: lower case; letters, digits, '_', '-' kept; spaces become '-'; everything else dropped.
    private static string Slug(string heading)
    {
        var slug = new StringBuilder();
        foreach (var character in heading.Trim().ToLowerInvariant())
        {
            var category = char.GetUnicodeCategory(character);
            if (char.IsLetterOrDigit(character) || character is '_' or '-' || category == UnicodeCategory.NonSpacingMark)
            {
                slug.Append(character);
            }
            else if (character == ' ')
            {
                slug.Append('-');
            }
        }

        return slug.ToString();
    }

    private static string WithoutFences(string markdown) => Fence().Replace(markdown, "");

    private static string WithoutCode(string markdown) => InlineCode().Replace(WithoutFences(markdown), "");

    private static IEnumerable<string> DocumentFiles() =>
        new[] { Path.Combine(Root, "README.md"), Path.Combine(Root, "SECURITY.md") }
            .Concat(Directory.EnumerateFiles(Path.Combine(Root, "docs"), "*.md"))
            .Where(File.Exists)
            .Order(StringComparer.Ordinal);

    private static string RepositoryRoot()
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

    [GeneratedRegex(@"(?<!\!)\[[^\]]*\]\((?<target>[^)\s]+)(\s+""[^""]*"")?\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"^[a-z][a-z0-9+.-]*:", RegexOptions.IgnoreCase)]
    private static partial Regex UriScheme();

    [GeneratedRegex(@"^#{1,6}[ \t]+(?<text>.+?)[ \t]*#*[ \t]*$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"^(```|~~~).*?^\1[ \t]*$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();

    [GeneratedRegex(@"`[^`\n]*`")]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"^\s*runbook:\s*(?<target>\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex RunbookLine();
}
