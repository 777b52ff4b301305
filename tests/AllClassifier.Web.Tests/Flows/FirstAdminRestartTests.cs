using System.Net;
using AllClassifier.Web.Staff;
using AllClassifier.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace AllClassifier.Web.Tests.Flows;

/// <summary>
/// The web app restarted over the same staff database with the same deployment secret: the first admin is not made
/// again, so a changed password stays changed; an admin from before the forced change still on the secret is made to
/// change it.
/// </summary>
public sealed class FirstAdminRestartTests : IDisposable
{
    private readonly string data = Directory.CreateTempSubdirectory("allclassifier-web-restart-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(data, recursive: true);
    }

    [Fact]
    public async Task After_a_restart_the_secret_still_does_not_sign_in_and_the_chosen_password_does()
    {
        await using (var before = Instance())
        {
            using var changed = await before.CreateSignedInClientAsync(WebAppFactory.AdminName, StaffRoles.Admin);
        }

        await using var after = Instance();
        using var secret = await WebAppFactory.SignInAsync(after.CreateClient(), WebAppFactory.AdminName, WebAppFactory.AdminPassword);
        using var own = await WebAppFactory.SignInAsync(after.CreateClient(), WebAppFactory.AdminName, WebAppFactory.AdminOwnPassword);

        Assert.Equal(HttpStatusCode.Unauthorized, secret.StatusCode);
        Assert.Equal("/", own.RequestMessage!.RequestUri!.AbsolutePath);
    }

    [Fact]
    public async Task An_admin_made_before_the_forced_change_and_still_on_the_secret_must_change_it_after_a_restart()
    {
        await using (var before = Instance())
        {
            await using var scope = before.Services.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
            var admin = (await users.FindByNameAsync(WebAppFactory.AdminName))!;
            var pending = Assert.Single(await users.GetClaimsAsync(admin), c => c.Type == PasswordChange.ClaimType);
            Assert.True((await users.RemoveClaimAsync(admin, pending)).Succeeded);
        }

        await using var after = Instance();
        using var signedIn = await WebAppFactory.SignInAsync(after.CreateClient(), WebAppFactory.AdminName, WebAppFactory.AdminPassword);

        Assert.Equal(PasswordChange.PagePath, signedIn.RequestMessage!.RequestUri!.AbsolutePath);
    }

    private WebAppFactory Instance() => new(WebAppFactory.ClosedLoopbackAddress(), new Dictionary<string, string?>
    {
        ["StaffAccounts:DatabasePath"] = Path.Combine(data, "staff.db"),
        ["DataProtection:KeysDirectory"] = Path.Combine(data, "keys"),
    });
}
