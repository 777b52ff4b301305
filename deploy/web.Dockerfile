# AllClassifier web app ("web"), listening on port 8501 like the original Streamlit frontend.
# Build from the repository root: docker build -f deploy/web.Dockerfile -t allclassifier-web .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY AllClassifier.ServiceDefaults/ AllClassifier.ServiceDefaults/
COPY AllClassifier.Web/ AllClassifier.Web/
RUN dotnet publish AllClassifier.Web/AllClassifier.Web.csproj -c Release -r linux-x64 --self-contained false -o /app/publish

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS final
WORKDIR /app
COPY --from=build /app/publish .
# /run/allclassifier holds the Unix socket the compose stack's TLS proxy reaches the web app through.
RUN mkdir -p /app/data /run/allclassifier && chown -R "$APP_UID" /app/data /run/allclassifier \
    && chmod 0700 /run/allclassifier
USER $APP_UID
ENV ASPNETCORE_HTTP_PORTS=8501 \
    BACKEND_URL=http://backend:8000
VOLUME ["/app/data"]
EXPOSE 8501
ENTRYPOINT ["dotnet", "AllClassifier.Web.dll"]
