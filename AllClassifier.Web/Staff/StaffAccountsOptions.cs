namespace AllClassifier.Web.Staff;

/// <summary>Local staff accounts (section <c>StaffAccounts</c>), used when no OpenID Connect provider is configured.</summary>
public sealed class StaffAccountsOptions
{
    public const string SectionName = "StaffAccounts";

    /// <summary>The SQLite file of accounts and roles; it belongs under the data root, beside the feedback database.</summary>
    public string DatabasePath { get; set; } = "/app/data/staff.db";

    /// <summary>Failed sign-ins in a row before the account is locked.</summary>
    public int MaxFailedSignIns { get; set; } = 5;

    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The first admin, created at start when no admin exists; its password is a deployment secret.</summary>
    public FirstAdminOptions FirstAdmin { get; set; } = new();
}

public sealed class FirstAdminOptions
{
    public string UserName { get; set; } = "admin";

    public string? Password { get; set; }
}
