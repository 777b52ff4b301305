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

    /// <summary>A person's verdict that the image is not a smear or cannot be used; never trained on as a class.</summary>
    public const string NotAssessable = "NotAssessable";

    public const string NotAssessableDisplayName = "Not assessable (not a smear / unusable image)";

    public static bool IsName(string? name) => name is not null && Names.Contains(name, StringComparer.Ordinal);

    /// <summary>What a person may answer about an image: one of the four classes or <see cref="NotAssessable"/>.</summary>
    public static bool IsDecision(string? name) => IsName(name) || name == NotAssessable;

    /// <summary>The display name of a decision: a class's display name or the "Not assessable" label.</summary>
    public static string DecisionDisplayName(string? decision) => decision switch
    {
        null => "–",
        _ when string.Equals(decision, NotAssessable, StringComparison.OrdinalIgnoreCase) => NotAssessableDisplayName,
        _ => DisplayName(decision),
    };

    /// <summary>Short form of <see cref="DecisionDisplayName"/> for tables.</summary>
    public static string DecisionShortName(string? decision) =>
        string.Equals(decision, NotAssessable, StringComparison.OrdinalIgnoreCase) ? "Not assessable" : DecisionDisplayName(decision);

    public static string DisplayName(int index) =>
        index >= 0 && index < DisplayNames.Count ? DisplayNames[index] : $"Class {index}";

    /// <summary>The display name of a class name; unknown names are shown as they are.</summary>
    public static string DisplayName(string name) =>
        Names.ToList().IndexOf(name) is var index and >= 0 ? DisplayNames[index] : name;

    public static string Name(int index) =>
        index >= 0 && index < Names.Count ? Names[index] : index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
