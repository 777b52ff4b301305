using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AllClassifier.Web.Staff;

/// <summary>What an account change did: a sentence for the admin either way.</summary>
public sealed record AccountChange(bool Succeeded, string Message)
{
    public static AccountChange Done(string message) => new(true, message);

    public static AccountChange Refused(string message) => new(false, message);

    public static AccountChange Refused(IdentityResult result) => new(false, string.Join(" ", result.Errors.Select(e => e.Description)));
}

/// <summary>
/// An admin disables, enables, deletes, re-roles or resets a local account; a person changes their own password.
/// Every change to an account updates its security stamp, so its sessions end at their next validation
/// (<see cref="StaffAccountsOptions.SessionValidationInterval"/>). A disabled account is one locked out by Identity
/// for good. Changes that could leave no active admin run in one SQLite write transaction (Microsoft.Data.Sqlite
/// begins them immediate), so two admins demoting each other at once cannot both succeed.
/// </summary>
public sealed partial class StaffAccountLifecycle(
    UserManager<IdentityUser> users, StaffDbContext db, TimeProvider time, ILogger<StaffAccountLifecycle> logger)
{
    public const string LastAdminMessage =
        "That would leave no active admin. Make another person admin first.";

    public const string NoSuchAccountMessage = "That account does not exist.";

    public const string SamePasswordMessage = "Choose a password different from the current one.";

    public const string WrongPasswordMessage = "The current password is not right.";

    public bool IsDisabled(IdentityUser user) => user.LockoutEnd > time.GetUtcNow();

    public Task<AccountChange> DisableAsync(string admin, string id) => ChangeAsync(id, leavesAdminRole: true, async user =>
    {
        await EnsureAsync(users.SetLockoutEnabledAsync(user, true));
        await EnsureAsync(users.SetLockoutEndDateAsync(user, DateTimeOffset.MaxValue));
        await EnsureAsync(users.UpdateSecurityStampAsync(user));
        LogDisabled(logger, admin, user.UserName!);
        return AccountChange.Done($"Disabled {user.UserName}: they cannot sign in, and their sessions end.");
    });

    public Task<AccountChange> EnableAsync(string admin, string id) => ChangeAsync(id, leavesAdminRole: false, async user =>
    {
        await EnsureAsync(users.SetLockoutEndDateAsync(user, null));
        await EnsureAsync(users.ResetAccessFailedCountAsync(user));
        LogEnabled(logger, admin, user.UserName!);
        return AccountChange.Done($"Enabled {user.UserName}.");
    });

    /// <summary>
    /// Removes the account with its roles and claims. The API's records name people as text (<c>sent_by</c>, the audit
    /// ledger's actor), so what they did stays attributed after the account is gone.
    /// </summary>
    public Task<AccountChange> DeleteAsync(string admin, string id) => ChangeAsync(id, leavesAdminRole: true, async user =>
    {
        await EnsureAsync(users.DeleteAsync(user));
        LogDeleted(logger, admin, user.UserName!);
        return AccountChange.Done($"Deleted {user.UserName}.");
    });

    /// <summary>Admins hold both roles (an admin also reviews); a reviewer holds only <see cref="StaffRoles.Reviewer"/>.</summary>
    public Task<AccountChange> SetRoleAsync(string admin, string id, string role)
    {
        if (!StaffRoles.All.Contains(role))
        {
            return Task.FromResult(AccountChange.Refused($"Choose a role: {string.Join(" or ", StaffRoles.All)}."));
        }

        return ChangeAsync(id, leavesAdminRole: role != StaffRoles.Admin, async user =>
        {
            var current = await users.GetRolesAsync(user);
            IReadOnlyList<string> wanted = role == StaffRoles.Admin ? StaffRoles.All : [StaffRoles.Reviewer];
            await EnsureAsync(users.RemoveFromRolesAsync(user, current.Except(wanted)));
            await EnsureAsync(users.AddToRolesAsync(user, wanted.Except(current)));
            await EnsureAsync(users.UpdateSecurityStampAsync(user));
            LogRoleChanged(logger, admin, user.UserName!, role);
            return AccountChange.Done($"{user.UserName} is now {role}; they sign in again to use it.");
        });
    }

    /// <summary>Sets a temporary password the person must change at their next sign-in; their sessions end.</summary>
    public Task<AccountChange> ResetPasswordAsync(string admin, string id, string temporaryPassword) =>
        ChangeAsync(id, leavesAdminRole: false, async user =>
        {
            // Identity's own reset: checks the password rules and updates the security stamp.
            var token = await users.GeneratePasswordResetTokenAsync(user);
            var reset = await users.ResetPasswordAsync(user, token, temporaryPassword);
            if (!reset.Succeeded)
            {
                return AccountChange.Refused(reset);
            }

            await RequirePasswordChangeAsync(user);
            LogPasswordReset(logger, admin, user.UserName!);
            return AccountChange.Done($"Set a temporary password for {user.UserName}; they choose their own at the next sign-in.");
        });

    /// <summary>The person's own change (current password first); clears a pending forced change.</summary>
    public async Task<AccountChange> ChangeOwnPasswordAsync(IdentityUser user, string currentPassword, string newPassword)
    {
        if (currentPassword == newPassword)
        {
            return AccountChange.Refused(SamePasswordMessage);
        }

        // Identity checks the current password, the rules, and updates the security stamp: other sessions end.
        var changed = await users.ChangePasswordAsync(user, currentPassword, newPassword);
        if (!changed.Succeeded)
        {
            return changed.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.PasswordMismatch))
                ? AccountChange.Refused(WrongPasswordMessage)
                : AccountChange.Refused(changed);
        }

        foreach (var claim in (await users.GetClaimsAsync(user)).Where(c => c.Type == PasswordChange.ClaimType).ToList())
        {
            await EnsureAsync(users.RemoveClaimAsync(user, claim));
        }

        LogPasswordChanged(logger, user.Id);
        return AccountChange.Done("Your password is changed; your other sessions end.");
    }

    /// <summary>Marks the account so that every page but the change page waits for a new password.</summary>
    public async Task RequirePasswordChangeAsync(IdentityUser user)
    {
        if (!(await users.GetClaimsAsync(user)).Any(c => c.Type == PasswordChange.ClaimType))
        {
            await EnsureAsync(users.AddClaimAsync(user, PasswordChange.RequiredClaim()));
        }
    }

    private async Task<AccountChange> ChangeAsync(string id, bool leavesAdminRole, Func<IdentityUser, Task<AccountChange>> change)
    {
        await using var transaction = await db.Database.BeginTransactionAsync();
        if (await users.FindByIdAsync(id) is not { } user)
        {
            return AccountChange.Refused(NoSuchAccountMessage);
        }

        if (leavesAdminRole && await IsLastActiveAdminAsync(user))
        {
            LogLastAdminRefused(logger, user.UserName!);
            return AccountChange.Refused(LastAdminMessage);
        }

        var result = await change(user);
        if (result.Succeeded)
        {
            await transaction.CommitAsync();
        }

        return result;
    }

    private async Task<bool> IsLastActiveAdminAsync(IdentityUser user) =>
        !IsDisabled(user)
        && await users.IsInRoleAsync(user, StaffRoles.Admin)
        && !(await users.GetUsersInRoleAsync(StaffRoles.Admin)).Any(other => other.Id != user.Id && !IsDisabled(other));

    private static async Task EnsureAsync(Task<IdentityResult> operation)
    {
        var result = await operation;
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(string.Join(" ", result.Errors.Select(e => e.Description)));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Admin} disabled {UserName}")]
    private static partial void LogDisabled(ILogger logger, string admin, string userName);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Admin} enabled {UserName}")]
    private static partial void LogEnabled(ILogger logger, string admin, string userName);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Admin} deleted {UserName}")]
    private static partial void LogDeleted(ILogger logger, string admin, string userName);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Admin} made {UserName} {Role}")]
    private static partial void LogRoleChanged(ILogger logger, string admin, string userName, string role);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Admin} set a temporary password for {UserName}")]
    private static partial void LogPasswordReset(ILogger logger, string admin, string userName);

    [LoggerMessage(Level = LogLevel.Information, Message = "account {UserId} changed its password")]
    private static partial void LogPasswordChanged(ILogger logger, string userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "refused to leave no active admin: {UserName} is the last one")]
    private static partial void LogLastAdminRefused(ILogger logger, string userName);
}
