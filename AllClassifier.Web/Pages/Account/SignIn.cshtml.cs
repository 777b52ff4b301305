using System.ComponentModel.DataAnnotations;
using AllClassifier.Web.Staff;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace AllClassifier.Web.Pages.Account;

/// <summary>Staff sign-in with a local account, or a hand-over to the OpenID Connect provider when one is configured.</summary>
public sealed partial class SignInModel(IServiceProvider services, IOptions<OidcOptions> oidc, ILogger<SignInModel> logger) : PageModel
{
    public const string LockedOutMessage = "This account is locked after too many failed sign-ins. Try again later or ask an admin.";
    public const string FailedMessage = "The user name or password is not right.";

    [BindProperty]
    [Required]
    public string UserName { get; set; } = "";

    [BindProperty]
    [Required]
    [DataType(DataType.Password)]
    public string Password { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? ErrorMessage { get; private set; }

    public IActionResult OnGet() =>
        oidc.Value.Enabled
            ? Challenge(new AuthenticationProperties { RedirectUri = SafeReturnUrl() })
            : Page();

    public async Task<IActionResult> OnPostAsync()
    {
        if (oidc.Value.Enabled)
        {
            return Challenge(new AuthenticationProperties { RedirectUri = SafeReturnUrl() });
        }

        if (!ModelState.IsValid)
        {
            ErrorMessage = "Enter your user name and password.";
            return Page();
        }

        var signIn = services.GetRequiredService<SignInManager<IdentityUser>>();
        var result = await signIn.PasswordSignInAsync(UserName, Password, isPersistent: false, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            LogSignedIn(logger, UserName);
            return LocalRedirect(SafeReturnUrl());
        }

        if (result.IsLockedOut)
        {
            LogLockedOut(logger, UserName);
            ErrorMessage = LockedOutMessage;
        }
        else
        {
            LogFailed(logger, UserName);
            ErrorMessage = FailedMessage;
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Page();
    }

    private string SafeReturnUrl() => Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/";

    [LoggerMessage(Level = LogLevel.Information, Message = "{UserName} signed in")]
    private static partial void LogSignedIn(ILogger logger, string userName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "failed sign-in for {UserName}")]
    private static partial void LogFailed(ILogger logger, string userName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "sign-in refused: {UserName} is locked out")]
    private static partial void LogLockedOut(ILogger logger, string userName);
}
