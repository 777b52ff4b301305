using AllClassifier.Model;

namespace AllClassifier.Model.Tests;

public sealed class CellClassesTests
{
    [Theory]
    [InlineData("Benign", CellClass.Benign)]
    [InlineData("early", CellClass.Early)]
    [InlineData("PRE", CellClass.Pre)]
    [InlineData(" Pro ", CellClass.Pro)]
    [InlineData("0", CellClass.Benign)]
    [InlineData("3", CellClass.Pro)]
    [InlineData("Early Pre-B", CellClass.Early)]
    public void Parses_names_in_any_case_and_indices(string text, CellClass expected)
    {
        Assert.True(CellClasses.TryParse(text, out var parsed));
        Assert.Equal(expected, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("4")]
    [InlineData("-1")]
    [InlineData("Blast")]
    [InlineData("01")]
    [InlineData(null)]
    public void Rejects_unknown_labels(string? text)
    {
        Assert.False(CellClasses.TryParse(text, out _));
    }

    [Fact]
    public void Index_order_matches_the_public_contract()
    {
        Assert.Equal(["Benign", "Early", "Pre", "Pro"], CellClasses.Names);
        Assert.Equal("Pre-B", CellClass.Pre.DisplayName());
        Assert.Equal(2, (int)CellClasses.Parse("Pre"));
        Assert.Throws<FormatException>(() => CellClasses.Parse("nope"));
    }
}
