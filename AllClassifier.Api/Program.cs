using AllClassifier.Api.Decoding;
using AllClassifier.Api.Docs;
using AllClassifier.Api.Errors;
using AllClassifier.Api.Feedback;
using AllClassifier.Api.Models;
using AllClassifier.Api.Ping;
using AllClassifier.Api.Predict;
using AllClassifier.Api.Telemetry;
using AllClassifier.Api.Uploads;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApiErrors();
builder.AddApiDocs();
builder.AddUploads();
builder.AddDecoding();
builder.AddModelServing();
builder.AddMlflowChampionFollowing();
builder.AddClassifierMetrics();
builder.AddPrediction();
builder.AddFeedback();

var app = builder.Build();

app.UseApiErrors();
app.MapDefaultEndpoints();
app.MapApiDocs();
app.MapPingEndpoints();
app.MapPredictEndpoints();
app.MapFeedbackEndpoints();
app.MapModelEndpoints();

app.Run();

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
