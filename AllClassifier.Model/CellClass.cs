namespace AllClassifier.Model;

/// <summary>The four classes, in the index order of the model's outputs and of the public contract.</summary>
public enum CellClass
{
    Benign = 0,
    Early = 1,
    Pre = 2,
    Pro = 3,
}

/// <summary>Names, display names and parsing of <see cref="CellClass"/> as clients send them.</summary>
public static class CellClasses
{
    public const int Count = 4;

    /// <summary>Class names in index order, as the original client sends and displays them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["Benign", "Early", "Pre", "Pro"];

    /// <summary>Names used in reports and the web app.</summary>
    public static IReadOnlyList<string> DisplayNames { get; } =
        ["Benign (hematogones)", "Early Pre-B", "Pre-B", "Pro-B"];

    public static IReadOnlyList<CellClass> All { get; } = [CellClass.Benign, CellClass.Early, CellClass.Pre, CellClass.Pro];

    public static string Name(this CellClass cellClass) => Names[(int)cellClass];

    public static string DisplayName(this CellClass cellClass) => DisplayNames[(int)cellClass];

    /// <summary>
    /// Accepts a class name in any case (<c>pre</c>, <c>PRO</c>), a display name, or an index <c>0</c>–<c>3</c>.
    /// </summary>
    public static bool TryParse(string? text, out CellClass cellClass)
    {
        cellClass = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        if (trimmed.Length == 1 && trimmed[0] is >= '0' and <= '3')
        {
            cellClass = (CellClass)(trimmed[0] - '0');
            return true;
        }

        for (var i = 0; i < Count; i++)
        {
            if (string.Equals(trimmed, Names[i], StringComparison.OrdinalIgnoreCase)
                || string.Equals(trimmed, DisplayNames[i], StringComparison.OrdinalIgnoreCase))
            {
                cellClass = (CellClass)i;
                return true;
            }
        }

        return false;
    }

    public static CellClass Parse(string text) =>
        TryParse(text, out var cellClass)
            ? cellClass
            : throw new FormatException(
                $"'{text}' is not a class; expected one of {string.Join(", ", Names)} (any case) or an index 0-3.");
}
