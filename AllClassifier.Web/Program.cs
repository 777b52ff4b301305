using AllClassifier.Web.Backend;
using AllClassifier.Web.Classify;
using AllClassifier.Web.Proxy;
using AllClassifier.Web.Retraining;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddBackendClient();
builder.AddBackendProxy();
builder.AddClassification();
builder.AddRetrainingProgress();
builder.Services.AddRazorPages();

var app = builder.Build();

app.UseExceptionHandler("/Error");
app.UseStatusCodePagesWithReExecute("/Error");
app.UseUploadLimit();
app.MapDefaultEndpoints();
app.MapStaticAssets();
app.MapRazorPages().WithStaticAssets();
app.MapBackendProxy();

app.Run();
