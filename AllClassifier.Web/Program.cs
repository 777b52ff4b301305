using AllClassifier.Web.Backend;
using AllClassifier.Web.Classify;
using AllClassifier.Web.Proxy;
using AllClassifier.Web.Retraining;

var builder = WebApplication.CreateBuilder(args);

// Telemetry, /health and /metrics from the shared service defaults; the backend client keeps its own timeouts.
builder.ConfigureOpenTelemetry();
builder.AddDefaultHealthChecks();
builder.AddBackendClient();
builder.AddBackendProxy();
builder.AddClassification();
builder.AddRetrainingProgress();
builder.Services.AddRazorPages();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseExceptionHandler("/Error");
app.UseStatusCodePagesWithReExecute("/Error");
app.UseUploadLimit();
app.MapStaticAssets();
app.MapRazorPages().WithStaticAssets();
app.MapBackendProxy();

app.Run();
