#!/usr/bin/env bash
# Refuse to release when the git tag, package.json, package-lock.json and the chart's appVersion
# disagree: the image is tagged with the version, and the chart deploys its appVersion by default.
#
# Usage: scripts/release-version-check.sh TAG      (TAG as pushed, e.g. v0.1.0)
# Prints the version (without the v) on success; exits 1 with every mismatch otherwise.
# Run by .github/workflows/release.yml before anything is built or pushed.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHART_YAML="$REPO/deploy/helm/portcullis/Chart.yaml"

(($# == 1)) || { echo "usage: $0 TAG (e.g. v0.1.0)" >&2; exit 2; }
tag="$1"
[[ $tag =~ ^v([0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?)$ ]] ||
  { echo "release-version-check: tag '$tag' is not v<semver> (v1.2.3 or v1.2.3-rc.1)" >&2; exit 1; }
version="${BASH_REMATCH[1]}"

pkg="$(node -p 'require(process.argv[1]).version' "$REPO/package.json")"
lock="$(node -p 'const l = require(process.argv[1]); l.packages?.[""]?.version ?? l.version' "$REPO/package-lock.json")"
# Chart.yaml is flat YAML; its appVersion line is `appVersion: "x.y.z"` (quotes optional).
app="$(sed -n 's/^appVersion:[[:space:]]*"\{0,1\}\([^"[:space:]]*\)"\{0,1\}[[:space:]]*$/\1/p' "$CHART_YAML")"

bad=0
check() {
  if [[ $2 != "$version" ]]; then
    echo "release-version-check: $1 is '$2' but the tag $tag says $version" >&2
    bad=1
  fi
}
check "package.json version" "$pkg"
check "package-lock.json version" "$lock"
check "deploy/helm/portcullis/Chart.yaml appVersion" "$app"
((bad == 0)) || exit 1
echo "$version"
