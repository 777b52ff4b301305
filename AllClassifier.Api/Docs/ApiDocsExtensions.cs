using AllClassifier.Api.Access;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace AllClassifier.Api.Docs;

public static class ApiDocsExtensions
{
    public const string DocsPath = "/docs";

    public static IHostApplicationBuilder AddApiDocs(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "AllClassifier API";
            document.Info.Description =
                "Classifies peripheral blood smear images for Acute Lymphoblastic Leukemia into Benign, Early, Pre and Pro, " +
                "and stores corrections for retraining. Every error answers JSON {\"detail\": \"...\"}.";
            return Task.CompletedTask;
        }).AddSchemaTransformer((schema, context, _) =>
        {
            // Uploads are binary parts, so docs UIs offer a file picker rather than IFormFile's properties.
            if (context.JsonTypeInfo.Type == typeof(IFormFile))
            {
                schema.Type = JsonSchemaType.String;
                schema.Format = "binary";
                schema.Properties?.Clear();
                schema.Required?.Clear();
            }

            return Task.CompletedTask;
        }));
        return builder;
    }

    /// <summary>The OpenAPI document at <c>/openapi/v1.json</c> and interactive docs at <c>/docs</c>, served with local assets.</summary>
    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi().RequireAuthorization(ApiPolicies.Docs);
        app.MapScalarApiReference(DocsPath, options => options
            .WithTitle("AllClassifier API")
            .DisableDefaultFonts())
            .RequireAuthorization(ApiPolicies.Docs);
        return app;
    }
}
