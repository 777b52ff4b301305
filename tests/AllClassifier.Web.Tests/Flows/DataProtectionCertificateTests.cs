using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AllClassifier.Web.Staff;
using AllClassifier.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;

namespace AllClassifier.Web.Tests.Flows;

/// <summary>
/// The key ring encrypted at rest with <c>DataProtection:CertificatePath</c>: the key files hold no key in the clear,
/// an instance with the same certificate reads them, and one with only a copy of the folder cannot.
/// </summary>
public sealed class DataProtectionCertificateTests : IAsyncLifetime
{
    private readonly string data = Directory.CreateTempSubdirectory("allclassifier-web-keycert-").FullName;
    private FakeBackendServer backend = null!;

    public async Task InitializeAsync()
    {
        backend = await FakeBackendServer.StartAsync(initialFeedbackCount: 0);
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=allclassifier-data-protection", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        await File.WriteAllTextAsync(CertificateFile, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(KeyFile, rsa.ExportPkcs8PrivateKeyPem());
    }

    public async Task DisposeAsync()
    {
        await backend.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(data, recursive: true);
    }

    private string CertificateFile => Path.Combine(data, "dp.crt");

    private string KeyFile => Path.Combine(data, "dp.key");

    private string KeysDirectory => Path.Combine(data, "keys");

    [Fact]
    public async Task With_a_certificate_the_keys_are_encrypted_and_another_instance_with_it_accepts_the_sign_in()
    {
        await using var before = Instance(withCertificate: true);
        await using var after = Instance(withCertificate: true);
        var cookies = new CookieContainer();
        using var first = before.CreateDefaultClient(new CookieContainerHandler(cookies));
        using var second = after.CreateDefaultClient(new CookieContainerHandler(cookies));

        var token = await FormPoster.AntiforgeryTokenAsync(first, StaffAccountsExtensions.SignInPath);
        using var signIn = await PostSignInAsync(second, token);
        // The first admin's one page until the deployment secret is changed: reached only while signed in.
        using var page = await first.GetAsync(PasswordChange.PagePath);

        var key = await File.ReadAllTextAsync(Assert.Single(Directory.GetFiles(KeysDirectory, "key-*.xml")));
        Assert.Contains("EncryptedXmlDecryptor", key, StringComparison.Ordinal);
        Assert.DoesNotContain("<value>", key, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task Without_the_certificate_a_copy_of_the_key_folder_neither_reads_the_token_nor_the_cookie()
    {
        await using var owner = Instance(withCertificate: true);
        await using var thief = Instance(withCertificate: false);
        var cookies = new CookieContainer();
        using var first = owner.CreateDefaultClient(new CookieContainerHandler(cookies));
        using var second = thief.CreateDefaultClient(new CookieContainerHandler(cookies));

        var token = await FormPoster.AntiforgeryTokenAsync(first, StaffAccountsExtensions.SignInPath);
        using var signIn = await PostSignInAsync(first, token);
        using var rejected = await PostSignInAsync(second, token);
        using var page = await second.GetAsync("/");

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal(StaffAccountsExtensions.SignInPath, page.Headers.Location?.AbsolutePath ?? page.Headers.Location?.OriginalString.Split('?')[0]);
    }

    [Fact]
    public async Task Without_a_certificate_the_key_is_stored_in_the_clear()
    {
        await using var web = Instance(withCertificate: false);
        using var client = web.CreateDefaultClient();

        await FormPoster.AntiforgeryTokenAsync(client, StaffAccountsExtensions.SignInPath);

        var key = await File.ReadAllTextAsync(Assert.Single(Directory.GetFiles(KeysDirectory, "key-*.xml")));
        Assert.Contains("<value>", key, StringComparison.Ordinal);
    }

    private WebAppFactory Instance(bool withCertificate) => new(backend.Address, new Dictionary<string, string?>
    {
        ["StaffAccounts:DatabasePath"] = Path.Combine(data, "staff.db"),
        ["DataProtection:KeysDirectory"] = KeysDirectory,
        ["DataProtection:CertificatePath"] = withCertificate ? CertificateFile : null,
        ["DataProtection:CertificateKeyPath"] = withCertificate ? KeyFile : null,
    });

    private static Task<HttpResponseMessage> PostSignInAsync(HttpClient client, string antiforgeryToken) =>
        client.PostAsync(StaffAccountsExtensions.SignInPath, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = antiforgeryToken,
            ["UserName"] = WebAppFactory.AdminName,
            ["Password"] = WebAppFactory.AdminPassword,
        }));
}
