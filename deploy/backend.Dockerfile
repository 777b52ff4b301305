# AllClassifier API ("backend"), listening on port 8000 like the original uvicorn service.
# Build from the repository root: docker build -f deploy/backend.Dockerfile -t allclassifier-backend .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# global.json is left out on purpose: it pins the developer SDK band, the image brings its own 10.0 SDK.
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY AllClassifier.Model/ AllClassifier.Model/
COPY AllClassifier.Feedback/ AllClassifier.Feedback/
COPY AllClassifier.Mlflow/ AllClassifier.Mlflow/
COPY AllClassifier.ServiceDefaults/ AllClassifier.ServiceDefaults/
COPY AllClassifier.Api/ AllClassifier.Api/
RUN dotnet publish AllClassifier.Api/AllClassifier.Api.csproj -c Release -r linux-x64 --self-contained false -o /app/publish

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS final
WORKDIR /app
COPY --from=build /app/publish .
# Volume mount points owned by the image's non-root user, so named volumes start writable.
RUN mkdir -p /app/data /app/registry && chown -R "$APP_UID" /app/data /app/registry
USER $APP_UID
# MALLOC_ARENA_MAX: glibc reads it before the runtime starts its first threads, so the API's native heap keeps two
# arenas instead of one per thread up to 8 per core, each holding its own freed pages (see "Soak" in README.md).
ENV ASPNETCORE_HTTP_PORTS=8000 \
    MALLOC_ARENA_MAX=2 \
    FEEDBACK_DIR=/app/data \
    MODEL_REGISTRY_DIR=/app/registry \
    FB_THRESH=100
VOLUME ["/app/data", "/app/registry"]
EXPOSE 8000
ENTRYPOINT ["dotnet", "AllClassifier.Api.dll"]
