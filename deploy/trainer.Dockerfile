# AllClassifier trainer in worker mode: bootstraps a first model when the registry is empty, then
# retrains when enough feedback has arrived and promotes better models in the shared registry.
# Build from the repository root: docker build -f deploy/trainer.Dockerfile -t allclassifier-trainer .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY AllClassifier.Model/ AllClassifier.Model/
COPY AllClassifier.Feedback/ AllClassifier.Feedback/
COPY AllClassifier.Training/ AllClassifier.Training/
COPY AllClassifier.Mlflow/ AllClassifier.Mlflow/
COPY AllClassifier.ServiceDefaults/ AllClassifier.ServiceDefaults/
COPY AllClassifier.Trainer/ AllClassifier.Trainer/
RUN dotnet publish AllClassifier.Trainer/AllClassifier.Trainer.csproj -c Release -r linux-x64 --self-contained false -o /app/publish

# aspnet, not runtime: the worker serves /health, /alive and /metrics.
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS final
WORKDIR /app
COPY --from=build /app/publish .
# SkiaSharp (confusion-matrix charts) loads libfontconfig at run time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libfontconfig1 \
    && rm -rf /var/lib/apt/lists/*
RUN mkdir -p /app/data /app/registry /app/work /app/dataset \
    && chown -R "$APP_UID" /app/data /app/registry /app/work
USER $APP_UID
ENV FEEDBACK_DIR=/app/data \
    MODEL_REGISTRY_DIR=/app/registry \
    WORK_DIR=/app/work \
    FB_THRESH=100
EXPOSE 8080
VOLUME ["/app/data", "/app/registry", "/app/work"]
ENTRYPOINT ["dotnet", "AllClassifier.Trainer.dll"]
CMD ["worker"]
