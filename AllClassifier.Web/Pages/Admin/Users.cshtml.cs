using System.ComponentModel.DataAnnotations;
using AllClassifier.Web.Staff;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace AllClassifier.Web.Pages.Admin;

/// <summary>
/// Admins add staff accounts, disable, enable and delete them, change their role, set a temporary password
/// (<see cref="StaffAccountLifecycle"/>) and lift lockouts. Only for local accounts. A lockout is the sign-in
/// throttle's refusal of the name from some address; Unlock lifts it, so the person can sign in again at once from
/// wherever they were refused. A disabled account is Identity's lockout for good, lifted by Enable.
/// </summary>
public sealed partial class UsersModel(
    IServiceProvider services, SignInThrottle throttle, TimeProvider time, ILogger<UsersModel> logger) : PageModel
{
    public sealed record StaffMember(string Id, string UserName, IReadOnlyList<string> Roles, bool LockedOut);

    [BindProperty]
    [Required]
    public string NewUserName { get; set; } = "";

    [BindProperty]
    [Required]
    public string NewPassword { get; set; } = "";

    [BindProperty]
    public string NewRole { get; set; } = StaffRoles.Reviewer;

    public IReadOnlyList<StaffMember> Members { get; private set; } = [];

    /// <summary>Ids of the accounts an admin disabled.</summary>
    public IReadOnlySet<string> Disabled { get; private set; } = new HashSet<string>();

    public string? Message { get; private set; }

    public string? ErrorMessage { get; private set; }

    public bool LocalAccounts => Users is not null;

    private UserManager<IdentityUser>? Users => services.GetService<UserManager<IdentityUser>>();

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostCreateAsync()
    {
        if (Users is not { } users)
        {
            return NotFound();
        }

        if (!ModelState.IsValid || !StaffRoles.All.Contains(NewRole))
        {
            ErrorMessage = "Enter a user name, a password and a role.";
        }
        else
        {
            var user = new IdentityUser(NewUserName.Trim());
            var created = await users.CreateAsync(user, NewPassword);
            if (created.Succeeded)
            {
                await users.AddToRolesAsync(user, NewRole == StaffRoles.Admin ? StaffRoles.All : [StaffRoles.Reviewer]);
                // The admin knows the initial password: the person chooses their own at the first sign-in.
                await Lifecycle.RequirePasswordChangeAsync(user);
                LogCreated(logger, User.Identity?.Name ?? "?", user.UserName!, NewRole);
                Message = $"Added {user.UserName} as {NewRole}.";
            }
            else
            {
                ErrorMessage = string.Join(" ", created.Errors.Select(e => e.Description));
            }
        }

        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostUnlockAsync(string id)
    {
        if (Users is not { } users || await users.FindByIdAsync(id) is not { } user)
        {
            return NotFound();
        }

        await users.SetLockoutEndDateAsync(user, null);
        await users.ResetAccessFailedCountAsync(user);
        throttle.Forget(user.UserName ?? "");
        Message = $"Unlocked {user.UserName}.";
        await LoadAsync();
        return Page();
    }

    public Task<IActionResult> OnPostDisableAsync(string id) => ChangeAsync(lifecycle => lifecycle.DisableAsync(AdminName, id));

    public Task<IActionResult> OnPostEnableAsync(string id) => ChangeAsync(lifecycle => lifecycle.EnableAsync(AdminName, id));

    public Task<IActionResult> OnPostDeleteAsync(string id) => ChangeAsync(lifecycle => lifecycle.DeleteAsync(AdminName, id));

    public Task<IActionResult> OnPostRoleAsync(string id, string role) =>
        ChangeAsync(lifecycle => lifecycle.SetRoleAsync(AdminName, id, role ?? ""));

    public Task<IActionResult> OnPostResetPasswordAsync(string id, string temporaryPassword) =>
        ChangeAsync(lifecycle => lifecycle.ResetPasswordAsync(AdminName, id, temporaryPassword ?? ""));

    private StaffAccountLifecycle Lifecycle => services.GetRequiredService<StaffAccountLifecycle>();

    private string AdminName => User.Identity?.Name ?? "?";

    private async Task<IActionResult> ChangeAsync(Func<StaffAccountLifecycle, Task<AccountChange>> change)
    {
        if (Users is null)
        {
            return NotFound();
        }

        var result = await change(Lifecycle);
        if (result.Succeeded)
        {
            Message = result.Message;
        }
        else
        {
            ErrorMessage = result.Message;
        }

        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        if (Users is not { } users)
        {
            return;
        }

        var now = time.GetUtcNow();
        var members = new List<StaffMember>();
        foreach (var user in await users.Users.OrderBy(u => u.UserName).ToListAsync())
        {
            var lockedOut = user.LockoutEnd > now || throttle.IsBlockedAnywhere(user.UserName ?? "");
            members.Add(new StaffMember(user.Id, user.UserName ?? "", [.. await users.GetRolesAsync(user)], lockedOut));
        }

        Members = members;
        Disabled = (await users.Users.ToListAsync()).Where(Lifecycle.IsDisabled).Select(u => u.Id).ToHashSet();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Admin} added {UserName} as {Role}")]
    private static partial void LogCreated(ILogger logger, string admin, string userName, string role);
}
