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
            var (code, detail) = response.StatusCode switch
            {
                StatusCodes.Status415UnsupportedMediaType => (ErrorCodes.NotMultipart, "the request body must be multipart/form-data"),
                StatusCodes.Status404NotFound => (ErrorCodes.NotFound, ReasonPhrases.GetReasonPhrase(response.StatusCode)),
                StatusCodes.Status405MethodNotAllowed => (ErrorCodes.MethodNotAllowed, ReasonPhrases.GetReasonPhrase(response.StatusCode)),
                StatusCodes.Status413PayloadTooLarge => (ErrorCodes.ImageTooLarge, "the request body is too large"),
                >= 500 => (ErrorCodes.ServerError, "server error"),
                _ => (ErrorCodes.Error, ReasonPhrases.GetReasonPhrase(response.StatusCode)),
            };
            await response.WriteAsJsonAsync(new ErrorResponse(string.IsNullOrEmpty(detail) ? "error" : detail, code));
        });
        return app;
    }
}
