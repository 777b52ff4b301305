namespace AllClassifier.Web.Staff;

/// <summary>What a signed-in person may do: reviewers classify and correct; admins also manage people and data.</summary>
public static class StaffRoles
{
    public const string Reviewer = "reviewer";
    public const string Admin = "admin";

    public static IReadOnlyList<string> All { get; } = [Reviewer, Admin];
}

/// <summary>Authorization policy names.</summary>
public static class StaffPolicies
{
    /// <summary>Any reviewer or admin: classify, correct, read the model and feedback pages.</summary>
    public const string Staff = "staff";

    public const string Admin = "admin";
}
