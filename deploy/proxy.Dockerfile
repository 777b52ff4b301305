# The compose stack's TLS front ("proxy"): Caddy with deploy/proxy/Caddyfile, run as a non-root user.
# Build from the repository root: docker build -f deploy/proxy.Dockerfile -t allclassifier-proxy .
FROM docker.io/library/caddy:2.8.4
COPY deploy/proxy/Caddyfile /etc/caddy/Caddyfile
# Caddy's state (its CA and certificates) in a folder of its own: the base image's /data and /config are declared
# volumes, and a build step cannot change their owner. That folder and the web app's socket folder belong to the
# web app's user (1654, the .NET images' "app"), so the socket Kestrel creates is the proxy's to connect to and
# nobody else's.
ENV XDG_DATA_HOME=/var/lib/proxy/data \
    XDG_CONFIG_HOME=/var/lib/proxy/config
RUN mkdir -p /var/lib/proxy/data/caddy /var/lib/proxy/config/caddy /run/allclassifier \
    && chown -R 1654:1654 /var/lib/proxy /run/allclassifier \
    && chmod 0700 /var/lib/proxy /run/allclassifier
USER 1654
VOLUME ["/var/lib/proxy/data", "/run/allclassifier"]
EXPOSE 80 443
