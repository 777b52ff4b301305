using AllClassifier.Web.Tests.Infrastructure;

namespace AllClassifier.Web.Tests.Flows;

/// <summary>A first admin password that breaks Identity's rules stops the start with an error naming the broken rule.</summary>
public sealed class FirstAdminPasswordTests
{
    private const string AllRules = "A password needs at least 12 characters, with a digit, an upper-case letter and a lower-case letter.";

    [Theory]
    [InlineData("Short-pw-1", "Passwords must be at least 12 characters.")]
    [InlineData("no-digit-or-upper-case", "Passwords must have at least one digit ('0'-'9'). Passwords must have at least one uppercase ('A'-'Z').")]
    [InlineData("NO-LOWER-CASE-1", "Passwords must have at least one lowercase ('a'-'z').")]
    public async Task The_start_fails_saying_which_rule_the_password_broke(string password, string brokenRules)
    {
        await using var web = new WebAppFactory(WebAppFactory.ClosedLoopbackAddress(), new Dictionary<string, string?>
        {
            ["StaffAccounts:FirstAdmin:Password"] = password,
        });

        var failure = Assert.ThrowsAny<Exception>(() => web.CreateClient());
        var message = Messages(failure);

        Assert.Contains($"from StaffAccounts:FirstAdmin:Password: {brokenRules} {AllRules}", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_password_that_keeps_every_rule_creates_the_first_admin()
    {
        await using var web = new WebAppFactory(WebAppFactory.ClosedLoopbackAddress(), new Dictionary<string, string?>
        {
            ["StaffAccounts:FirstAdmin:Password"] = "Twelve-chars-1",
        });

        using var client = web.CreateClient();
        using var signIn = await WebAppFactory.SignInAsync(client, WebAppFactory.AdminName, "Twelve-chars-1");

        Assert.Equal(AllClassifier.Web.Staff.PasswordChange.PagePath, signIn.RequestMessage!.RequestUri!.AbsolutePath);
    }

    private static string Messages(Exception exception) =>
        exception is AggregateException aggregate
            ? string.Join("\n", aggregate.InnerExceptions.Select(Messages))
            : exception.Message + (exception.InnerException is { } inner ? "\n" + Messages(inner) : "");
}
