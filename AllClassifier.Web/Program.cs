using AllClassifier.Web.Backend;
using AllClassifier.Web.Classify;
using AllClassifier.Web.Proxy;
using AllClassifier.Web.Security;
using AllClassifier.Web.Staff;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddTransportSecurity();
builder.AddMetricsAccess();
builder.AddPersistentDataProtection();
builder.AddStaffAccounts();
builder.AddBackendClient();
builder.AddBackendProxy();
builder.AddClassification();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddRazorPages(options =>
{
    options.Conventions
        .AuthorizeFolder("/", StaffPolicies.Staff)
        .AuthorizeFolder("/Admin", StaffPolicies.Admin)
        .AllowAnonymousToPage(StaffAccountsExtensions.SignInPath)
        .AllowAnonymousToPage("/Account/SignOut")
        .AllowAnonymousToPage("/Account/SignedOut")
        .AllowAnonymousToPage(StaffAccountsExtensions.AccessDeniedPath)
        .AllowAnonymousToPage("/Error")
        .AddPageApplicationModelConvention(StaffAccountsExtensions.SignInPath, page =>
            page.EndpointMetadata.Add(new EnableRateLimitingAttribute(StaffAccountsExtensions.SignInRateLimitPolicy)));
    options.Conventions.AddPageApplicationModelConvention(PasswordChange.PagePath, page =>
    {
        // Guessing the current password from a session is limited like guessing it on the sign-in form.
        page.EndpointMetadata.Add(new EnableRateLimitingAttribute(StaffAccountsExtensions.SignInRateLimitPolicy));
        page.EndpointMetadata.Add(new PasswordChangePage());
    });
});

var app = builder.Build();

app.UseTransportSecurity();
app.UseMetricsAccess();
app.UseStaffSecurityHeaders(app.Services.GetRequiredService<IOptions<OidcOptions>>().Value);
app.UseExceptionHandler("/Error");
app.UseStatusCodePagesWithReExecute("/Error");
app.UseUploadLimit();
app.MapDefaultEndpoints();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.MapStaticAssets();
app.MapRazorPages().WithStaticAssets();
app.MapBackendProxy();

app.Run();
