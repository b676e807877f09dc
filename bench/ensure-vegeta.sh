#!/usr/bin/env bash
# Build (once) and print the path of a pinned vegeta binary: the open-loop (constant arrival rate)
# load generator of `npm run bench -- --open-loop` (bench/README.md "Open loop"). vegeta is not a
# Debian package, so it is compiled from its Go module like Helm (scripts/lib/go-tool.sh; go install
# pkg@version checks go.sum against the checksum database). VEGETA="$(bench/ensure-vegeta.sh)".
set -euo pipefail

VEGETA_VERSION="${PORTCULLIS_VEGETA_VERSION:-v12.13.0}"
# shellcheck source=../scripts/lib/go-tool.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/go-tool.sh"

build_vegeta() { # <GOBIN>
  GOBIN="$1" GOFLAGS="${GOFLAGS:-} -buildvcs=false -trimpath" CGO_ENABLED=0 \
    go install -ldflags "-s -w -X main.Version=$VEGETA_VERSION" "github.com/tsenart/vegeta/v12@$VEGETA_VERSION"
}

ensure_go_tool vegeta "$VEGETA_VERSION" build_vegeta
