using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AllClassifier.Web.Pages.Account;

/// <summary>Where the identity provider sends the browser back after signing it out; signing in again is a click.</summary>
public sealed class SignedOutModel : PageModel
{
    public void OnGet()
    {
    }
}
