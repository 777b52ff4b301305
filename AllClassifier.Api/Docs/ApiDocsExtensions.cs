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
                "and stores corrections for retraining. Every error answers JSON {\"detail\": \"...\"}.\n\n" +
                "Heat maps (POST /explain, POST /predict?explain=true): a class activation map shows where in the image the " +
                "model found the evidence for a class. It is ResNet18's last 7x7 feature map weighted by the head's weights " +
                "for that class, so its mean plus the head's bias is exactly the class's logit (for a model with an MLP head it " +
                "is the map of a linear probe trained on the same features, as the model card's class_activation_map says). " +
                "Limits: 7x7 is coarse, one cell covers 32x32 pixels of the 224x224 input, so it points at a region, not at a " +
                "cell's outline; colours are scaled to each image, so they compare places within one image, not images; and " +
                "it shows what the model relied on, which is evidence to check, not a diagnosis.";
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
