namespace AllClassifier.Web.Staff;

/// <summary>Local staff accounts (section <c>StaffAccounts</c>), used when no OpenID Connect provider is configured.</summary>
public sealed class StaffAccountsOptions
{
    public const string SectionName = "StaffAccounts";

    /// <summary>The SQLite file of accounts and roles; it belongs under the data root, beside the feedback database.</summary>
    public string DatabasePath { get; set; } = "/app/data/staff.db";

    /// <summary>Failed sign-ins in a row with one name from one client address before that address is refused for that name.</summary>
    public int MaxFailedSignIns { get; set; } = 5;

    /// <summary>How long a name stays refused from an address after <see cref="MaxFailedSignIns"/> failures.</summary>
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Sign-in form posts one client address may make per <see cref="SignInAttemptWindow"/>, whatever the names.</summary>
    public int SignInAttemptsPerAddress { get; set; } = 20;

    public TimeSpan SignInAttemptWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How often a session's cookie is checked against its account (Identity's security stamp): a disabled, deleted,
    /// re-roled or re-passworded account's other sessions end within this time. Zero checks on every request.
    /// </summary>
    public TimeSpan SessionValidationInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The first admin, created at start when no admin exists. Its password is a deployment secret, so it must be
    /// changed at the first sign-in; after that the secret no longer signs in.
    /// </summary>
    public FirstAdminOptions FirstAdmin { get; set; } = new();
}

public sealed class FirstAdminOptions
{
    public string UserName { get; set; } = "admin";

    public string? Password { get; set; }
}
