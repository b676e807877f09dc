#!/usr/bin/env bash
# Build (once) and print the path of a pinned Helm binary, compiled from its Go module and cached
# outside the repo (scripts/lib/go-tool.sh). Idempotent: a second run only prints the cached path,
# so callers can do: HELM="$(scripts/ensure-helm.sh)".
set -euo pipefail

HELM_VERSION="${PORTCULLIS_HELM_VERSION:-v3.21.4}"
# shellcheck source=lib/go-tool.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/go-tool.sh"

build_helm() { # <GOBIN>
  # Like Helm's Makefile, stamp the Kubernetes version of the client-go it is built with: it is the
  # default for `helm template` and `helm lint` (without it they assume v1.20 and reject charts that
  # require a newer kubeVersion).
  local mod_file k8s_minor ldflags pkg
  mod_file="$(go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  k8s_minor="$(sed -n 's/^[[:space:]]*k8s\.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "$mod_file" | head -n1)"
  [[ -n $k8s_minor ]] || { echo "ensure-helm: cannot find the client-go version in $mod_file" >&2; return 1; }
  ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  for pkg in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
    ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$k8s_minor"
  done
  GOBIN="$1" GOFLAGS="${GOFLAGS:-} -buildvcs=false" CGO_ENABLED=0 \
    go install -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
}

ensure_go_tool helm "$HELM_VERSION" build_helm
