#!/usr/bin/env bash
# Build (once) and print the path of the test OpenTelemetry Collector (OTLP receiver + file
# exporter, test/harness/otelcol): the real receiver the tracing tests export to (docs/tracing.md).
# Compiled from the pinned Go modules of test/harness/otelcol/go.mod and cached outside the repo
# (scripts/lib/go-tool.sh), keyed by the collector version and a hash of go.mod, go.sum and main.go,
# so a bump never reuses a stale binary. OTELCOL="$(scripts/ensure-otelcol.sh)".
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/../test/harness/otelcol"
# shellcheck source=lib/go-tool.sh
source "$here/lib/go-tool.sh"

version="$(awk '$1 == "go.opentelemetry.io/collector/otelcol" && $2 ~ /^v/ { print $2; exit }' "$src/go.mod")"
[[ -n $version ]] || { echo "ensure-otelcol: cannot read the collector version from $src/go.mod" >&2; exit 1; }
recipe="$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -c1-8)"

build_otelcol() { # <GOBIN>
  (cd "$src" && CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -buildvcs=false -trimpath -mod=readonly" go build -ldflags "-s -w" -o "$1/otelcol" .)
}

ensure_go_tool otelcol "$version-$recipe" build_otelcol
