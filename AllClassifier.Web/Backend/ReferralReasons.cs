namespace AllClassifier.Web.Backend;

/// <summary>
/// The API's stable referral reason codes (<c>refer_reasons</c>) in plain words for lab staff. An unknown code (a
/// newer API) is shown as a sentence made from the code rather than hidden.
/// </summary>
public static class ReferralReasons
{
    public const string Headline = "Refer to a technologist";

    private static readonly Dictionary<string, string> Texts = new(StringComparer.Ordinal)
    {
        ["unlike_training_images"] = "Unlike the images the model was trained on",
        ["out_of_focus"] = "Out of focus",
        ["over_exposed"] = "Over-exposed",
        ["under_exposed"] = "Under-exposed",
        ["too_little_content"] = "Too little image content to hold a cell",
        ["unusual_stain"] = "Unusual stain colours",
    };

    public static IReadOnlyCollection<string> Codes => Texts.Keys;

    public static string Text(string code) => Texts.TryGetValue(code, out var text)
        ? text
        : code.Length == 0 ? "No reason given" : char.ToUpperInvariant(code[0]) + code[1..].Replace('_', ' ');
}
