#!/usr/bin/env bash
# Package the Helm chart for publishing, with image.repository set to the published image.
#
# In the repo the chart has no default image (none is published from a checkout; see
# docs/install.md#container-image). A packaged chart goes out together with its image, so it names
# that image and installs with default values, as users of other charts expect.
#
# Usage: scripts/package-chart.sh IMAGE_REPOSITORY OUTDIR
#   e.g. scripts/package-chart.sh ghcr.io/example/portcullis dist-chart
# Prints the path of the .tgz. The repo's chart is not modified (a temp copy is packaged).
# HELM: the helm binary (default: helm on PATH). Run by .github/workflows/release.yml.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHART="$REPO/deploy/helm/portcullis"
HELM="${HELM:-helm}"

(($# == 2)) || { echo "usage: $0 IMAGE_REPOSITORY OUTDIR" >&2; exit 2; }
image="$1"
out="$2"
die() { printf 'package-chart: %s\n' "$*" >&2; exit 1; }
[[ $image =~ ^([a-z0-9.-]+(:[0-9]+)?/)?[a-z0-9._/-]+$ ]] ||
  die "'$image' is not an image repository (lower case, no tag or digest)"

work="$(mktemp -d "${TMPDIR:-/tmp}/portcullis-package.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp -a "$CHART" "$work/portcullis"
values="$work/portcullis/values.yaml"

# values.yaml carries exactly one `  repository: ""` line, the image's (checked, not assumed).
n="$(grep -c '^  repository: ""$' "$values" || true)"
[[ $n == 1 ]] || die "expected one '  repository: \"\"' line in values.yaml, found $n"
sed -i "s|^  repository: \"\"\$|  repository: $image|" "$values"

# The packaged chart must render with defaults, naming the image at the chart's appVersion.
app="$("$HELM" show chart "$work/portcullis" | sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p')"
rendered="$("$HELM" template portcullis "$work/portcullis" --show-only templates/deployment.yaml)" ||
  die "the packaged chart does not render with default values"
grep -qF "image: \"$image:$app\"" <<<"$rendered" || die "the packaged chart does not name $image:$app"

mkdir -p "$out"
"$HELM" package "$work/portcullis" --destination "$out" >&2
version="$("$HELM" show chart "$work/portcullis" | sed -n 's/^version: *//p')"
tgz="$(cd "$out" && pwd)/portcullis-$version.tgz"
[[ -f $tgz ]] || die "helm package did not write $tgz"
echo "$tgz"
