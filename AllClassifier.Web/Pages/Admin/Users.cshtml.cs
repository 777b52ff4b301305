using System.ComponentModel.DataAnnotations;
using AllClassifier.Web.Staff;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace AllClassifier.Web.Pages.Admin;

/// <summary>
/// Admins add staff accounts, choose their role and lift lockouts. Only for local accounts. A lockout is either
/// Identity's (an account locked by hand) or the sign-in throttle's refusal of the name from some address; Unlock lifts
/// both, so the person can sign in again at once from wherever they were refused.
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
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Admin} added {UserName} as {Role}")]
    private static partial void LogCreated(ILogger logger, string admin, string userName, string role);
}
