using AllClassifier.Fuzz;

namespace AllClassifier.Fuzz.Tests;

/// <summary>Every seed is a valid upload, and every input the fuzzer ever crashed on is now refused cleanly.</summary>
public sealed class UploadPathRegressionTests
{
    private readonly UploadPath _path = new();

    public static TheoryData<string> Seeds() => [.. SeedCorpus.Build().Select(seed => seed.Name)];

    public static TheoryData<string> Findings() =>
        [.. Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "regressions"), "*.multipart", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(AppContext.BaseDirectory, file))
            .Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void A_seed_goes_through_the_whole_upload_path(string name)
    {
        var body = SeedCorpus.Build().Single(seed => seed.Name == name).Body;

        Assert.Equal("accepted", _path.Run(body));
    }

    [Theory]
    [MemberData(nameof(Findings))]
    public void A_kept_finding_is_refused_as_corrupt(string file)
    {
        Assert.Equal("rejected Corrupt", _path.Run(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, file))));
    }
}
