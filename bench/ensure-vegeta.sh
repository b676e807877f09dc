#!/usr/bin/env bash
# Build (once) and print the path of a pinned vegeta binary: the open-loop (constant arrival rate)
# load generator of `npm run bench -- --open-loop` (bench/README.md "Open loop").
#
# vegeta is not a Debian package and prebuilt downloads are not reachable from this project's
# machines, but the Go module proxy is: like scripts/ensure-helm.sh, vegeta is compiled from its Go
# module at a pinned version (go install pkg@version checks go.sum against the checksum database)
# and cached outside the repo, keyed by version. Idempotent: a second run only prints the cached
# path. Progress goes to stderr, the path to stdout: VEGETA="$(bench/ensure-vegeta.sh)".
set -euo pipefail

VEGETA_VERSION="${PORTCULLIS_VEGETA_VERSION:-v12.13.0}"
CACHE_ROOT="${PORTCULLIS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/portcullis}"
BIN_DIR="$CACHE_ROOT/bin/vegeta-$VEGETA_VERSION"
VEGETA_BIN="$BIN_DIR/vegeta"

log() { printf 'ensure-vegeta: %s\n' "$*" >&2; }

if [[ -x "$VEGETA_BIN" ]]; then
  echo "$VEGETA_BIN"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  log "Go toolchain not found on PATH; it is needed to build vegeta $VEGETA_VERSION"
  exit 1
fi

mkdir -p "$BIN_DIR"
# Serialise concurrent first runs; the loser of the race waits and then finds the binary built.
exec 9>"$BIN_DIR.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9
fi
if [[ -x "$VEGETA_BIN" ]]; then
  echo "$VEGETA_BIN"
  exit 0
fi

log "building vegeta $VEGETA_VERSION from its Go module with $(go version | cut -d' ' -f3) (first run only)"
start=$SECONDS
# Build into a temporary directory and move into place, so an interrupted build never leaves a
# half-written binary that a later run would take for a cached one.
tmp_bin="$(mktemp -d "$BIN_DIR.tmp.XXXXXX")"
trap 'rm -rf "$tmp_bin"' EXIT
GOBIN="$tmp_bin" GOFLAGS="${GOFLAGS:-} -buildvcs=false -trimpath" CGO_ENABLED=0 \
  go install -ldflags "-s -w -X main.Version=$VEGETA_VERSION" "github.com/tsenart/vegeta/v12@$VEGETA_VERSION" >&2
mv "$tmp_bin/vegeta" "$VEGETA_BIN"
log "built $VEGETA_BIN in $((SECONDS - start))s"
echo "$VEGETA_BIN"
