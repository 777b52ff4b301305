using AllClassifier.Model.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AllClassifier.Model.Tests.Imaging;

public sealed class DihedralViewTests
{
    public static TheoryData<int, RotateMode, FlipMode> ImageSharpEquivalents => new()
    {
        { DihedralView.Rotate90, RotateMode.Rotate90, FlipMode.None },
        { DihedralView.Rotate180, RotateMode.Rotate180, FlipMode.None },
        { DihedralView.Rotate270, RotateMode.Rotate270, FlipMode.None },
        { DihedralView.FlipHorizontal, RotateMode.None, FlipMode.Horizontal },
        { DihedralView.FlipVertical, RotateMode.None, FlipMode.Vertical },
        { DihedralView.Transpose, RotateMode.Rotate90, FlipMode.Horizontal },
        { DihedralView.AntiTranspose, RotateMode.Rotate270, FlipMode.Horizontal },
    };

    [Theory]
    [MemberData(nameof(ImageSharpEquivalents))]
    public void Each_view_matches_the_same_rotation_or_flip_done_by_ImageSharp(int view, RotateMode rotate, FlipMode flip)
    {
        using var image = Asymmetric();
        var source = new float[ImagePreprocessor.TensorLength];
        ImagePreprocessor.WriteTensor(image, source);
        using var expectedImage = image.Clone(context => context.RotateFlip(rotate, flip));
        var expected = new float[ImagePreprocessor.TensorLength];
        ImagePreprocessor.WriteTensor(expectedImage, expected);

        var actual = new float[ImagePreprocessor.TensorLength];
        DihedralView.Apply(source, actual, view);

        Assert.Equal(expected, actual);
        Assert.NotEqual(source, actual);
    }

    [Fact]
    public void Four_quarter_turns_give_back_the_image()
    {
        var source = Enumerable.Range(0, ImagePreprocessor.TensorLength).Select(i => (float)(i % 977)).ToArray();
        var current = source;
        for (var turn = 0; turn < 4; turn++)
        {
            var next = new float[current.Length];
            DihedralView.Apply(current, next, DihedralView.Rotate90);
            current = next;
        }

        Assert.Equal(source, current);
    }

    [Fact]
    public void Augmentation_views_are_distinct_non_identity_and_repeatable()
    {
        const string sha = "0a1b2c";
        var views = DihedralView.AugmentationViews(sha, seed: 42, count: 3);

        Assert.Equal(3, views.Count);
        Assert.Equal(3, views.Distinct().Count());
        Assert.All(views, v => Assert.InRange(v, 1, 7));
        Assert.Equal(views, DihedralView.AugmentationViews(sha, seed: 42, count: 3));
        Assert.Equal(7, DihedralView.AugmentationViews(sha, seed: 42, count: 9).Distinct().Count());
        var firstViews = Enumerable.Range(0, 50).Select(i => DihedralView.AugmentationViews($"{i:x4}", 42, 1)[0]).Distinct().Count();
        Assert.True(firstViews > 3, "different images should get different views");
    }

    [Fact]
    public void Test_time_views_are_prefixes_of_one_order_and_only_1_2_4_8_are_allowed()
    {
        Assert.Equal([DihedralView.Identity], DihedralView.TestTimeViews(1));
        Assert.Equal([DihedralView.Identity, DihedralView.FlipHorizontal], DihedralView.TestTimeViews(2));
        Assert.Equal(
            [DihedralView.Identity, DihedralView.FlipHorizontal, DihedralView.FlipVertical, DihedralView.Rotate180],
            DihedralView.TestTimeViews(4));
        Assert.Equal(Enumerable.Range(0, DihedralView.Count), DihedralView.TestTimeViews(8).Order());
        foreach (var count in new[] { 0, 3, 5, 9 })
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => DihedralView.TestTimeViews(count));
        }
    }

    /// <summary>An image no rotation or mirror leaves unchanged: red follows x, green y, blue their product.</summary>
    private static Image<Rgb24> Asymmetric()
    {
        var image = new Image<Rgb24>(ImagePreprocessor.Size, ImagePreprocessor.Size);
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    row[x] = new Rgb24((byte)x, (byte)(y + 7), (byte)(x * y));
                }
            }
        });
        return image;
    }
}
