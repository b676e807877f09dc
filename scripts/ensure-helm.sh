#!/usr/bin/env bash
# Build (once) and print the path of a pinned Helm binary.
#
# Prebuilt Helm downloads are not reachable from this project's machines, but the Go module proxy
# is, so Helm is compiled from its Go module and cached outside the repo, keyed by version.
# Idempotent: a second run only prints the cached path. Progress goes to stderr, the path to stdout,
# so callers can do: HELM="$(scripts/ensure-helm.sh)".
set -euo pipefail

HELM_VERSION="${PORTCULLIS_HELM_VERSION:-v3.21.4}"
CACHE_ROOT="${PORTCULLIS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/portcullis}"
BIN_DIR="$CACHE_ROOT/bin/helm-$HELM_VERSION"
HELM_BIN="$BIN_DIR/helm"

log() { printf 'ensure-helm: %s\n' "$*" >&2; }

if [[ -x "$HELM_BIN" ]]; then
  echo "$HELM_BIN"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  log "Go toolchain not found on PATH; it is needed to build helm $HELM_VERSION"
  exit 1
fi

mkdir -p "$BIN_DIR"
# Serialise concurrent first runs (several test files may call this at once); the loser of the
# race waits and then finds the binary already built.
exec 9>"$BIN_DIR.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9
fi
if [[ -x "$HELM_BIN" ]]; then
  echo "$HELM_BIN"
  exit 0
fi

log "building helm $HELM_VERSION from its Go module with $(go version | cut -d' ' -f3) (first run only; takes a few minutes on 2 cores)"
start=$SECONDS
# Build into a temporary directory and move into place, so an interrupted build never leaves a
# half-written binary that a later run would take for a cached one.
tmp_bin="$(mktemp -d "$BIN_DIR.tmp.XXXXXX")"
trap 'rm -rf "$tmp_bin"' EXIT
# Like Helm's Makefile, stamp the Kubernetes version of the client-go it is built with: it is the
# default for `helm template` and `helm lint` (without it they assume v1.20 and reject charts that
# require a newer kubeVersion).
mod_file="$(go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
k8s_minor="$(sed -n 's/^[[:space:]]*k8s\.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "$mod_file" | head -n1)"
[[ -n $k8s_minor ]] || { log "cannot find the client-go version in $mod_file"; exit 1; }
ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
for pkg in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
  ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$k8s_minor"
done
GOBIN="$tmp_bin" GOFLAGS="${GOFLAGS:-} -buildvcs=false" CGO_ENABLED=0 \
  go install -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
mv "$tmp_bin/helm" "$HELM_BIN"
log "built $HELM_BIN in $((SECONDS - start))s"
echo "$HELM_BIN"
