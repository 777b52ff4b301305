#!/usr/bin/env bash
# Prepares Podman on a Debian 12 machine that cannot pull from public image registries, stands in the
# images the project's Dockerfiles and compose file start FROM, then builds every image of the project.
#
# The stand-ins are a local replacement for the registries, not for the real images: mcr.microsoft.com's
# .NET images are recreated from this machine's .NET installation, Prometheus, the node exporter and Caddy (the
# TLS proxy's base) from Debian's packages. MLflow and Grafana cannot be stood in; the local stack runs without them.
# Safe to run again: it installs and builds only what is missing. --rebuild rebuilds the project's images
# (unchanged layers come from the cache); remove a .NET stand-in image to rebuild it.
set -euo pipefail
cd "$(dirname "$0")/.."

rebuild=false
[ "${1:-}" = "--rebuild" ] && rebuild=true

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

# netavark sets up the build containers' network with iptables: without it the first RUN step of a build fails
# ("netavark: No such file or directory"), and Debian's netavark package does not depend on it.
packages=(podman buildah debootstrap podman-compose runc netavark aardvark-dns iptables prometheus prometheus-node-exporter)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null
fi

# crun cannot raise RLIMIT_NOFILE in this kind of sandbox; runc can, within these limits.
if [ ! -f /etc/containers/containers.conf ]; then
  "${sudo_cmd[@]}" install -D -m 0644 deploy/podman/containers.conf /etc/containers/containers.conf
fi

image_exists() { "${sudo_cmd[@]}" podman image exists "$1"; }

# A Debian base without a registry, from the machine's own apt mirror.
if ! image_exists localhost/debian:bookworm; then
  mirror=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)\/*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
  mirror=${mirror:-http://deb.debian.org/debian}
  rootfs=$(mktemp -d)
  echo "debootstrap bookworm from $mirror"
  "${sudo_cmd[@]}" debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/dev/null
  "${sudo_cmd[@]}" tar -C "$rootfs" -c . | "${sudo_cmd[@]}" podman import -q - localhost/debian:bookworm >/dev/null
  "${sudo_cmd[@]}" rm -rf "$rootfs"
fi

context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")

# The ASP.NET Core runtime image: what the project's final stages rely on (the non-root "app" user and
# APP_UID, port 8080, /usr/bin/dotnet) as in the real image.
if ! image_exists mcr.microsoft.com/dotnet/aspnet:10.0; then
  mkdir -p "$context/aspnet/dotnet"
  cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$dotnet_root/shared" "$context/aspnet/dotnet/"
  cp deploy/podman/aspnet.Containerfile "$context/aspnet/Containerfile"
  "${sudo_cmd[@]}" podman build -q -t mcr.microsoft.com/dotnet/aspnet:10.0 "$context/aspnet" >/dev/null
fi

# The SDK image: the whole SDK, and this machine's CA certificates so NuGet restore works behind its proxy.
if ! image_exists mcr.microsoft.com/dotnet/sdk:10.0; then
  mkdir -p "$context/sdk/certificates"
  cp -a "$dotnet_root" "$context/sdk/dotnet"
  cp -a /usr/local/share/ca-certificates/. "$context/sdk/certificates/" 2>/dev/null || true
  cp deploy/podman/sdk.Containerfile "$context/sdk/Containerfile"
  "${sudo_cmd[@]}" podman build -q -t mcr.microsoft.com/dotnet/sdk:10.0 "$context/sdk" >/dev/null
fi

# Prometheus, the node exporter and Caddy from Debian's packages, under the tags the compose file and
# deploy/proxy.Dockerfile pin (rebuilt every time: with the layer cache that takes a second when nothing changed).
"${sudo_cmd[@]}" podman build -q -t docker.io/prom/prometheus:v2.55.1 -f deploy/podman/prometheus.Containerfile deploy/podman >/dev/null
"${sudo_cmd[@]}" podman build -q -t docker.io/prom/node-exporter:v1.8.2 -f deploy/podman/node-exporter.Containerfile deploy/podman >/dev/null
"${sudo_cmd[@]}" podman build -q -t docker.io/library/caddy:2.8.4 -f deploy/podman/caddy.Containerfile deploy/podman >/dev/null

# The project's own images, from its own Dockerfiles, named as deploy/docker-compose.yml names them.
for service in backend web trainer proxy; do
  if $rebuild || ! image_exists "localhost/allclassifier-$service"; then
    echo "Building allclassifier-$service"
    start=$(date +%s)
    "${sudo_cmd[@]}" podman build -q -t "localhost/allclassifier-$service" -f "deploy/$service.Dockerfile" . >/dev/null
    echo "  built in $(( $(date +%s) - start )) s"
  fi
done

"${sudo_cmd[@]}" podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' \
  | grep -E 'allclassifier|dotnet|prom/|debian' | sort
