using AllClassifier.Model;

namespace AllClassifier.Feedback;

/// <summary>
/// What a person said an image is: one of the four classes, or <see cref="NotAssessable"/> (not a smear, or an image
/// nobody can read). The <c>correct</c> column stores it as said: a class name or <c>NotAssessable</c>, so readers of the
/// original stack still see a class in every row they can train on, and the trainer never trains on the verdict as a
/// class.
/// </summary>
public static class FeedbackVerdict
{
    public const string NotAssessable = "NotAssessable";

    /// <summary>
    /// Parses a class (see <see cref="CellClasses.TryParse"/>) or <c>NotAssessable</c> / <c>not_assessable</c> in any
    /// case. <paramref name="cellClass"/> is null for a not-assessable verdict.
    /// </summary>
    public static bool TryParse(string? text, out CellClass? cellClass)
    {
        cellClass = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        if (string.Equals(trimmed, NotAssessable, StringComparison.OrdinalIgnoreCase)
            || string.Equals(trimmed, "not_assessable", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (CellClasses.TryParse(trimmed, out var parsed))
        {
            cellClass = parsed;
            return true;
        }

        return false;
    }

    /// <summary>The verdict as stored and shown: the class name, or <see cref="NotAssessable"/> for null.</summary>
    public static string Name(CellClass? cellClass) => cellClass?.Name() ?? NotAssessable;
}
