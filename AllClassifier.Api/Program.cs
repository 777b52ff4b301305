using AllClassifier.Feedback;
using AllClassifier.Api.Access;
using AllClassifier.Api.Audit;
using AllClassifier.Api.Cases;
using AllClassifier.Api.Decoding;
using AllClassifier.Api.Docs;
using AllClassifier.Api.Errors;
using AllClassifier.Api.Explain;
using AllClassifier.Api.Feedback;
using AllClassifier.Api.Serving;
using AllClassifier.Api.Signing;
using AllClassifier.Api.Ping;
using AllClassifier.Api.Predict;
using AllClassifier.Api.Promotion;
using AllClassifier.Api.Replicas;
using AllClassifier.Api.Telemetry;
using AllClassifier.Api.Uploads;

// First, before the host's threads each create a malloc arena of their own.
ModelServingExtensions.BoundNativeHeapArenas(args);
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApiAccess();
builder.AddApiRateLimiting();
builder.AddApiErrors();
builder.AddApiDocs();
builder.AddUploads();
builder.AddDecoding();
builder.AddModelSigning();
builder.AddModelServing();
builder.AddMlflowChampionFollowing();
builder.AddClassifierMetrics();
builder.AddPrediction();
builder.AddFeedback();
builder.AddAudit();
builder.AddCases();

var app = builder.Build();

app.UseServedByHeader();
app.UseApiErrors();
app.MapDefaultEndpoints(ApiPolicies.Metrics, healthDetailPolicy: ApiPolicies.Admin);
app.UseApiAccess();
app.UseRateLimiter();
app.MapApiDocs();
app.MapPingEndpoints();
app.MapPredictEndpoints();
app.MapExplainEndpoints();
app.MapFeedbackEndpoints();
app.MapModelEndpoints();
app.MapPromotionEndpoints();
app.MapAuditEndpoints();
app.MapCaseEndpoints();
app.MapAgreementEndpoints();

app.Run();

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
