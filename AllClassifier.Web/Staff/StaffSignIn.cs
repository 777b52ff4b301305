using Microsoft.AspNetCore.Identity;

namespace AllClassifier.Web.Staff;

public enum StaffSignInResult
{
    SignedIn,

    /// <summary>Wrong password, unknown name or disabled account: one answer for all three.</summary>
    Failed,

    /// <summary>Too many failures for this name from this address.</summary>
    Throttled,
}

/// <summary>
/// Local-account sign-in that answers the same way, after the same work, whether or not the name exists: an unknown
/// name or a disabled account has a password hashed too, against a hash of a random password, and every failure is
/// counted by the <see cref="SignInThrottle"/> per name and address instead of locking the account everywhere.
/// </summary>
public sealed class StaffSignIn(
    SignInManager<IdentityUser> signIn, UserManager<IdentityUser> users, IPasswordHasher<IdentityUser> hasher, SignInThrottle throttle)
{
    private static readonly IdentityUser Nobody = new("unknown");
    private static string? unknownUserHash;

    /// <summary>The account, when the result is <see cref="StaffSignInResult.SignedIn"/>.</summary>
    public IdentityUser? User { get; private set; }

    public async Task<StaffSignInResult> SignInAsync(string userName, string password, string? address)
    {
        if (throttle.IsBlocked(userName, address))
        {
            return StaffSignInResult.Throttled;
        }

        var user = await users.FindByNameAsync(userName);
        bool passwordRight;
        if (user is not null && !await users.IsLockedOutAsync(user))
        {
            passwordRight = (await signIn.CheckPasswordSignInAsync(user, password, lockoutOnFailure: false)).Succeeded;
        }
        else
        {
            hasher.VerifyHashedPassword(Nobody, UnknownUserHash(), password);
            passwordRight = false;
        }

        if (!passwordRight)
        {
            return throttle.RecordFailure(userName, address) ? StaffSignInResult.Throttled : StaffSignInResult.Failed;
        }

        throttle.RecordSuccess(userName, address);
        await signIn.SignInAsync(user!, isPersistent: false);
        User = user;
        return StaffSignInResult.SignedIn;
    }

    // Hashed once per process with the configured hasher, so its cost is the cost of checking a real account.
    private string UnknownUserHash() =>
        LazyInitializer.EnsureInitialized(ref unknownUserHash, () => hasher.HashPassword(Nobody, Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16))));
}
