using System.Globalization;

namespace AllClassifier.Web.Pages;

/// <summary>How the lab pages write times, shares and people, the same on screen and in a printed report.</summary>
public static class LabFormat
{
    public static string Utc(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    public static string Utc(DateTimeOffset? time) => time is { } value ? Utc(value) : "–";

    public static string Percent(double share) => (share * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    /// <summary>
    /// The person in an API caller name: the API records <c>client:person</c> (this app is client <c>web</c>); a lab
    /// reads the person. A caller without a person (another API client) is shown as it is.
    /// </summary>
    public static string Person(string? caller) => caller switch
    {
        null or "" => "–",
        _ when caller.IndexOf(':') is var colon and > 0 && colon < caller.Length - 1 => caller[(colon + 1)..],
        _ => caller,
    };
}
