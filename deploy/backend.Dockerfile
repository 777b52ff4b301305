# AllClassifier API ("backend"), listening on port 8000 like the original uvicorn service.
# Build from the repository root: docker build -f deploy/backend.Dockerfile -t allclassifier-backend .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# global.json is left out on purpose: it pins the developer SDK band, the image brings its own 10.0 SDK.
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY AllClassifier.Model/ AllClassifier.Model/
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
ENV ASPNETCORE_HTTP_PORTS=8000 \
    FEEDBACK_DIR=/app/data \
    MODEL_REGISTRY_DIR=/app/registry
VOLUME ["/app/data", "/app/registry"]
EXPOSE 8000
ENTRYPOINT ["dotnet", "AllClassifier.Api.dll"]
