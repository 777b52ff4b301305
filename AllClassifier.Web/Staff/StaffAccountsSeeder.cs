using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AllClassifier.Web.Staff;

/// <summary>
/// Creates the account database, the two roles and, when none exists yet, the first admin from configuration, who
/// must choose a new password at the first sign-in. Runs before the server accepts requests.
/// </summary>
public sealed partial class StaffAccountsSeeder(
    IServiceScopeFactory scopes, IOptions<StaffAccountsOptions> options, IOptions<IdentityOptions> identity, ILogger<StaffAccountsSeeder> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(options.Value.DatabasePath));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        await using var scope = scopes.CreateAsyncScope();
        // The schema is Identity's own and versioned with the package; no migrations of ours to apply.
        await scope.ServiceProvider.GetRequiredService<StaffDbContext>().Database.EnsureCreatedAsync(cancellationToken);

        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in StaffRoles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                EnsureSucceeded(await roles.CreateAsync(new IdentityRole(role)), $"create role {role}");
            }
        }

        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var lifecycle = scope.ServiceProvider.GetRequiredService<StaffAccountLifecycle>();
        var firstAdmin = options.Value.FirstAdmin;
        if ((await users.GetUsersInRoleAsync(StaffRoles.Admin)).Count > 0)
        {
            // An account created before the forced change existed may still use the deployment secret: force it now.
            if (!string.IsNullOrEmpty(firstAdmin.Password)
                && await users.FindByNameAsync(firstAdmin.UserName) is { } existing
                && await users.CheckPasswordAsync(existing, firstAdmin.Password))
            {
                await lifecycle.RequirePasswordChangeAsync(existing);
            }

            return;
        }

        if (string.IsNullOrEmpty(firstAdmin.Password))
        {
            LogNoAdmin(logger, StaffAccountsOptions.SectionName);
            return;
        }

        var admin = new IdentityUser(firstAdmin.UserName);
        var created = await users.CreateAsync(admin, firstAdmin.Password);
        if (!created.Succeeded)
        {
            // The password is a deployment secret typed by a person: say which rule it broke and what all of them are.
            throw new InvalidOperationException(
                $"Could not create the first admin '{firstAdmin.UserName}' from {StaffAccountsOptions.SectionName}:FirstAdmin:Password: " +
                $"{string.Join(" ", created.Errors.Select(e => e.Description))} A password needs {PasswordRules(identity.Value.Password)}.");
        }

        EnsureSucceeded(await users.AddToRolesAsync(admin, StaffRoles.All), "give the first admin its roles");
        // The secret is in the deployment's configuration: it signs in once, to choose the admin's own password.
        await lifecycle.RequirePasswordChangeAsync(admin);
        LogAdminCreated(logger, firstAdmin.UserName);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The configured password rules in words, e.g. "at least 12 characters, with a digit, an upper-case letter and a lower-case letter".</summary>
    public static string PasswordRules(PasswordOptions password)
    {
        var with = new List<string>();
        if (password.RequireDigit)
        {
            with.Add("a digit");
        }

        if (password.RequireUppercase)
        {
            with.Add("an upper-case letter");
        }

        if (password.RequireLowercase)
        {
            with.Add("a lower-case letter");
        }

        if (password.RequireNonAlphanumeric)
        {
            with.Add("a symbol");
        }

        if (password.RequiredUniqueChars > 1)
        {
            with.Add($"{password.RequiredUniqueChars} different characters");
        }

        var rules = $"at least {password.RequiredLength} characters";
        return with.Count switch
        {
            0 => rules,
            1 => $"{rules}, with {with[0]}",
            _ => $"{rules}, with {string.Join(", ", with[..^1])} and {with[^1]}",
        };
    }

    private static void EnsureSucceeded(IdentityResult result, string action)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Could not {action}: {string.Join("; ", result.Errors.Select(e => e.Description))}");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "no admin account exists and {Section}:FirstAdmin:Password is not set: nobody can sign in yet")]
    private static partial void LogNoAdmin(ILogger logger, string section);

    [LoggerMessage(Level = LogLevel.Information, Message = "created the first admin account {UserName}")]
    private static partial void LogAdminCreated(ILogger logger, string userName);
}
