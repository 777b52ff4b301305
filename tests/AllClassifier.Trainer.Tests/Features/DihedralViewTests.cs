using AllClassifier.Model.Imaging;
using AllClassifier.Trainer.Features;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AllClassifier.Trainer.Tests.Features;

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
        using var image = TestImages.Pattern(3, ImagePreprocessor.Size, ImagePreprocessor.Size);
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
}
