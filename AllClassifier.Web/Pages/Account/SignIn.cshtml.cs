using System.ComponentModel.DataAnnotations;
using AllClassifier.Web.Staff;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace AllClassifier.Web.Pages.Account;

/// <summary>Staff sign-in with a local account, or a hand-over to the OpenID Connect provider when one is configured.</summary>
public sealed partial class SignInModel(IServiceProvider services, IOptions<OidcOptions> oidc, ILogger<SignInModel> logger) : PageModel
{
    // One sentence for every name, existing or not: it names this computer, not an account.
    public const string LockedOutMessage = "Too many failed sign-ins with this name from this computer. Try again later or ask an admin.";
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

        var address = HttpContext.Connection.RemoteIpAddress?.ToString();
        var signIn = services.GetRequiredService<StaffSignIn>();
        switch (await signIn.SignInAsync(UserName, Password, address))
        {
            case StaffSignInResult.SignedIn:
                LogSignedIn(logger, signIn.User!.Id);
                return LocalRedirect(SafeReturnUrl());
            case StaffSignInResult.Throttled:
                LogThrottled(logger, address ?? "?");
                ErrorMessage = LockedOutMessage;
                break;
            default:
                LogFailed(logger, address ?? "?");
                ErrorMessage = FailedMessage;
                break;
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Page();
    }

    private string SafeReturnUrl() => Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/";

    // No typed name in the log: people type passwords into the name field. Accounts are named by their id.
    [LoggerMessage(Level = LogLevel.Information, Message = "account {UserId} signed in")]
    private static partial void LogSignedIn(ILogger logger, string userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "failed sign-in from {Address}")]
    private static partial void LogFailed(ILogger logger, string address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "sign-in refused: too many failures for one name from {Address}")]
    private static partial void LogThrottled(ILogger logger, string address);
}
