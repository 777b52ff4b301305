namespace AllClassifier.Api.Ping;

public sealed record PingResponse(string Status);

public static class PingEndpoints
{
    public static IEndpointRouteBuilder MapPingEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/ping")
            .WithTags("Service")
            .MapGet("", () => TypedResults.Ok(new PingResponse("ok")))
            .AllowAnonymous()
            .WithName("Ping")
            .WithSummary("Liveness check of the original API: answers {\"status\": \"ok\"}.");
        return app;
    }
}
