using AllClassifier.Web.Staff;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace AllClassifier.Web.Pages.Account;

/// <summary>
/// Signs out with a form post (antiforgery-checked), so no other site can sign a user out by a link. With an OpenID
/// Connect provider the browser is also signed out there (its end-session endpoint): on a shared lab PC the next
/// person would otherwise be signed straight back in as the previous one.
/// </summary>
public sealed class SignOutModel(IOptions<OidcOptions> oidc) : PageModel
{
    public async Task<IActionResult> OnPostAsync()
    {
        if (oidc.Value.Enabled)
        {
            return SignOut(
                new AuthenticationProperties { RedirectUri = Url.Page("/Account/SignedOut") },
                CookieAuthenticationDefaults.AuthenticationScheme,
                OpenIdConnectDefaults.AuthenticationScheme);
        }

        await HttpContext.SignOutAsync();
        return RedirectToPage("/Account/SignIn");
    }
}
