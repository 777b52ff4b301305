using System.ComponentModel.DataAnnotations;
using AllClassifier.Web.Staff;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace AllClassifier.Web.Pages.Account;

/// <summary>
/// A signed-in person changes their own local password: current one first, then Identity's rules. Other sessions of
/// the account end (its security stamp changes); this one is signed in again with the new stamp. The one page open to
/// a session whose password must change (<see cref="PasswordChange"/>).
/// </summary>
public sealed class PasswordModel(IServiceProvider services, IOptions<IdentityOptions> identity) : PageModel
{
    public const string MismatchMessage = "The two new passwords differ.";

    [BindProperty]
    [Required]
    public string CurrentPassword { get; set; } = "";

    [BindProperty]
    [Required]
    public string NewPassword { get; set; } = "";

    [BindProperty]
    [Required]
    public string ConfirmPassword { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? ErrorMessage { get; private set; }

    public bool ChangeRequired => User.IsPasswordChangeRequired();

    public string Rules => StaffAccountsSeeder.PasswordRules(identity.Value.Password);

    // Registered with local accounts only, like the page's other services.
    private SignInThrottle Throttle => services.GetRequiredService<SignInThrottle>();

    private string? Address => HttpContext.Connection.RemoteIpAddress?.ToString();

    // With an identity provider there are no local passwords to change.
    private UserManager<IdentityUser>? Users => services.GetService<UserManager<IdentityUser>>();

    public IActionResult OnGet() => Users is null ? NotFound() : Page();

    public async Task<IActionResult> OnPostAsync()
    {
        if (Users is not { } users || await users.GetUserAsync(User) is not { } user)
        {
            return NotFound();
        }

        if (!ModelState.IsValid)
        {
            ErrorMessage = "Enter your current password and the new one twice.";
        }
        else if (NewPassword != ConfirmPassword)
        {
            ErrorMessage = MismatchMessage;
        }
        else if (Throttle.IsBlocked(user.UserName!, Address))
        {
            ErrorMessage = SignInModel.LockedOutMessage;
        }
        else
        {
            var changed = await services.GetRequiredService<StaffAccountLifecycle>().ChangeOwnPasswordAsync(user, CurrentPassword, NewPassword);
            if (changed.Message == StaffAccountLifecycle.WrongPasswordMessage)
            {
                // Guessing the current password from a session counts like guessing it on the sign-in form.
                Throttle.RecordFailure(user.UserName!, Address);
            }

            if (changed.Succeeded)
            {
                // A new cookie with the new stamp and without the pending-change claim; others fail their next check.
                await services.GetRequiredService<SignInManager<IdentityUser>>().RefreshSignInAsync(user);
                return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/");
            }

            ErrorMessage = changed.Message;
        }

        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }
}
