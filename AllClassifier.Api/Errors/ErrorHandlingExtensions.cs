using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace AllClassifier.Api.Errors;

public static class ErrorHandlingExtensions
{
    /// <summary>snake_case JSON everywhere, and one JSON error shape for every failure.</summary>
    public static IHostApplicationBuilder AddApiErrors(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            options.SerializerOptions.DictionaryKeyPolicy = null;
        });
        builder.Services.AddExceptionHandler<UnhandledExceptionHandler>();
        builder.Services.AddProblemDetails();
        return builder;
    }

    public static WebApplication UseApiErrors(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // The handler logs "unhandled error" itself; the middleware's own entry would repeat it.
            SuppressDiagnosticsCallback = _ => true,
        });

        // Unknown routes, wrong methods and non-form bodies for form endpoints answer in the same JSON shape.
        app.UseStatusCodePages(async context =>
        {
            var response = context.HttpContext.Response;
            var detail = response.StatusCode == StatusCodes.Status415UnsupportedMediaType
                ? "the request body must be multipart/form-data"
                : ReasonPhrases.GetReasonPhrase(response.StatusCode);
            await response.WriteAsJsonAsync(new ErrorResponse(string.IsNullOrEmpty(detail) ? "error" : detail));
        });
        return app;
    }
}
