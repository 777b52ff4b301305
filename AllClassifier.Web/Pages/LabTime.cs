using System.Globalization;

namespace AllClassifier.Web.Pages;

/// <summary>How the lab pages write a time: UTC, to the minute, the same on screen and in a printed report.</summary>
public static class LabTime
{
    public static string Utc(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    public static string Utc(DateTimeOffset? time) => time is { } value ? Utc(value) : "–";

    public static string Percent(double share) => (share * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}
