namespace AllClassifier.Web.Backend;

/// <summary>
/// The API's class names in the index order of <c>predicted_class</c>, and their display names. The web app talks
/// to the API over HTTP only, so it keeps its own copy of this public contract.
/// </summary>
public static class ClassLabels
{
    public static IReadOnlyList<string> Names { get; } = ["Benign", "Early", "Pre", "Pro"];

    public static IReadOnlyList<string> DisplayNames { get; } =
        ["Benign (hematogones)", "Early Pre-B", "Pre-B", "Pro-B"];

    public static bool IsName(string? name) => name is not null && Names.Contains(name, StringComparer.Ordinal);

    public static string DisplayName(int index) =>
        index >= 0 && index < DisplayNames.Count ? DisplayNames[index] : $"Class {index}";

    /// <summary>The display name of a class name; unknown names are shown as they are.</summary>
    public static string DisplayName(string name) =>
        Names.ToList().IndexOf(name) is var index and >= 0 ? DisplayNames[index] : name;

    public static string Name(int index) =>
        index >= 0 && index < Names.Count ? Names[index] : index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
