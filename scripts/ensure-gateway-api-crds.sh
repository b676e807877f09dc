#!/usr/bin/env bash
# Prints the directory holding the Gateway API standard-channel CRDs (GatewayClass, Gateway,
# HTTPRoute, ReferenceGrant) of the pinned release, for the test harness (docs/gateway-api.md#crds).
# Users install these CRDs themselves; the repo never carries them. They come from the release's Go
# module (the module proxy is reachable from this project's machines, GitHub downloads are not):
# `go mod download` checks the zip against the checksum database, and the h1: hash below pins it.
# Cached outside the repo, keyed by version, like the Go tools (scripts/lib/go-tool.sh).
set -euo pipefail

VERSION=v1.6.3
SUM='h1:lKpJa5bGlraC/QeACvCpsHLdmO6y0iKfzVl6gzaFEYc='
KINDS=(gatewayclasses gateways httproutes referencegrants)

cache_root="${PORTCULLIS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/portcullis}"
dir="$cache_root/gateway-api-crds-$VERSION"
log() { printf 'ensure-gateway-api-crds: %s\n' "$*" >&2; }

if [[ -f "$dir/.complete" ]]; then
  echo "$dir"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  log "Go toolchain not found on PATH; it is needed to download sigs.k8s.io/gateway-api $VERSION"
  exit 1
fi
mkdir -p "$cache_root"
exec 9>"$dir.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi
if [[ -f "$dir/.complete" ]]; then
  echo "$dir"
  exit 0
fi
log "downloading sigs.k8s.io/gateway-api@$VERSION from the Go module proxy (first run only)"
# Outside any module, so no go.mod of ours is consulted or changed.
json="$(cd "$(mktemp -d)" && GOFLAGS=-mod=mod GO111MODULE=on go mod download -json "sigs.k8s.io/gateway-api@$VERSION")"
field() { printf '%s\n' "$json" | sed -n "s/^[[:space:]]*\"$1\": \"\\(.*\\)\",\{0,1\}$/\\1/p" | head -1; }
got="$(field Sum)"
src="$(field Dir)"
if [[ "$got" != "$SUM" ]]; then
  log "checksum mismatch for sigs.k8s.io/gateway-api@$VERSION: got '$got', pinned '$SUM'"
  exit 1
fi
tmp="$(mktemp -d "$dir.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
for kind in "${KINDS[@]}"; do
  cp "$src/config/crd/standard/gateway.networking.k8s.io_$kind.yaml" "$tmp/"
done
touch "$tmp/.complete"
rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
log "cached in $dir"
echo "$dir"
