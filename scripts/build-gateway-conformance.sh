#!/usr/bin/env bash
# Builds what the Gateway API conformance run on the single-node cluster needs
# (test/cluster/gateway-conformance.test.ts, docs/gateway-api.md#conformance), from Go modules only
# (no image registry is reachable from this project's machines):
#   - the suite: `go test -c` of sigs.k8s.io/gateway-api/conformance (pinned in
#     test/harness/go-conformance), its manifests embedded;
#   - its echo backend (conformance/echo-basic, same module), packed as a one-layer OCI image under
#     every echo-basic name the suite's manifests use (they pull tags built from older commits of
#     the same program; the node never pulls, so the names must exist in its containerd);
#   - CoreDNS (test/harness/go-coredns) under the name of the base manifests' `coredns` Deployment,
#     which must be Ready before any test runs;
#   - the release's standard-channel CRDs.
# Cached outside the repo under a key of the pinned inputs; a second run is a no-op. Prints the
# cache directory on stdout (bin/, images/<name>.oci.tar, images.txt "ARCHIVE REF..." lines, crds/);
# progress goes to stderr. .ci/run may call it ahead of `npm test`; the cluster test calls it too.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
suite_mod="$repo/test/harness/go-conformance"
dns_mod="$repo/test/harness/go-coredns"
log() { printf 'build-gateway-conformance: %s\n' "$*" >&2; }
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { log "Go is required"; exit 1; }

version="$(awk -v m=sigs.k8s.io/gateway-api/conformance '$1 == m { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' "$suite_mod/go.mod")"
[[ -n "$version" ]] || { log "cannot read the pinned version from $suite_mod/go.mod"; exit 1; }
key="$(cat "${BASH_SOURCE[0]}" "$suite_mod"/go.{mod,sum} "$suite_mod/tools.go" "$dns_mod"/go.{mod,sum} "$dns_mod/main.go" \
  | sha256sum | cut -c1-8)"
cache_root="${PORTCULLIS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/portcullis}"
out="$cache_root/gateway-conformance-$version-$key"
if [[ -f "$out/.complete" ]]; then echo "$out"; exit 0; fi
mkdir -p "$cache_root"
exec 9>"$out.lock"
flock 9
if [[ -f "$out/.complete" ]]; then echo "$out"; exit 0; fi

tmp="$(mktemp -d "$out.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/images" "$tmp/crds" "$tmp/work"
export CGO_ENABLED=0 GOFLAGS="-trimpath -mod=readonly"
start=$SECONDS
# Builds in the background and reports progress every 15 s (a cold build takes minutes on 2 cores).
build() { # <what> <module dir> <go args...>
  local what="$1" dir="$2" t0=$SECONDS pid; shift 2
  log "building $what (first build takes minutes)"
  (cd "$dir" && go "$@") >"$tmp/work/build.log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 15
    kill -0 "$pid" 2>/dev/null && log "$what: $((SECONDS - t0))s elapsed"
  done
  if ! wait "$pid"; then log "building $what failed:"; tail -40 "$tmp/work/build.log" >&2; exit 1; fi
  log "built $what in $((SECONDS - t0))s"
}
build "conformance suite $version" "$suite_mod" test -c -ldflags='-s -w' -o "$tmp/bin/gateway-conformance.test" sigs.k8s.io/gateway-api/conformance
build "echo-basic" "$suite_mod" build -ldflags='-s -w' -o "$tmp/work/echo-basic" sigs.k8s.io/gateway-api/conformance/echo-basic
build "coredns" "$dns_mod" build -ldflags='-s -w' -o "$tmp/work/coredns" .

src="$(cd "$suite_mod" && go list -m -f '{{.Dir}}' sigs.k8s.io/gateway-api/conformance)"
api="$(cd "$suite_mod" && go list -m -f '{{.Dir}}' sigs.k8s.io/gateway-api)"
# Every image name the suite's manifests use, per program.
refs() { grep -rhoE "image: *\"?registry.k8s.io/$1:[^\" ]+" --include='*.yaml' "$src" | sed -E 's/image: *"?//' | sort -u; }

sha() { sha256sum "$1" | cut -d' ' -f1; }
# pack_image <binary> <user> <archive> <ref...>: a one-layer OCI image layout tarball holding
# /<binary name> as its entrypoint, named <ref...> for `ctr images import`.
pack_image() {
  local binary="$1" user="$2" archive="$3" name w blobs layer config manifest entries="" ref; shift 3
  name="$(basename "$binary")"; w="$tmp/work/$name-image"; blobs="$w/layout/blobs/sha256"
  mkdir -p "$w/root" "$blobs"
  cp "$binary" "$w/root/$name"
  tar --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$w/layer.tar" -C "$w/root" "$name"
  layer="$(sha "$w/layer.tar")"; cp "$w/layer.tar" "$blobs/$layer"
  printf '{"architecture":"amd64","os":"linux","config":{"User":"%s","Entrypoint":["/%s"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$user" "$name" "$layer" >"$w/config.json"
  config="$(sha "$w/config.json")"; cp "$w/config.json" "$blobs/$config"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%d}]}' \
    "$config" "$(stat -c %s "$w/config.json")" "$layer" "$(stat -c %s "$w/layer.tar")" >"$w/manifest.json"
  manifest="$(sha "$w/manifest.json")"; cp "$w/manifest.json" "$blobs/$manifest"
  for ref in "$@"; do
    entries+="${entries:+,}$(printf '{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}' \
      "$manifest" "$(stat -c %s "$w/manifest.json")" "$ref" "${ref##*:}")"
  done
  printf '{"imageLayoutVersion":"1.0.0"}' >"$w/layout/oci-layout"
  printf '{"schemaVersion":2,"manifests":[%s]}' "$entries" >"$w/layout/index.json"
  tar -cf "$archive" -C "$w/layout" oci-layout index.json blobs
  echo "images/$(basename "$archive") $*" >>"$tmp/images.txt"
}
mapfile -t echo_refs < <(refs gateway-api/echo-basic)
mapfile -t dns_refs < <(refs coredns/coredns)
[[ ${#echo_refs[@]} -gt 0 && ${#dns_refs[@]} -gt 0 ]] || { log "no image names found in $src"; exit 1; }
# distroless/static:nonroot's user, as the upstream image (docker/Dockerfile.echo-basic).
pack_image "$tmp/work/echo-basic" "65532:65532" "$tmp/images/echo-basic.oci.tar" "${echo_refs[@]}"
# root with only NET_BIND_SERVICE (the Deployment drops all other capabilities) to bind :53.
pack_image "$tmp/work/coredns" "0:0" "$tmp/images/coredns.oci.tar" "${dns_refs[@]}"

# The standard channel's CRDs; not the ValidatingAdmissionPolicy that ships beside them.
cp "$api"/config/crd/standard/gateway.networking.k8s.io_*.yaml "$tmp/crds/"
rm -f "$tmp/crds/gateway.networking.k8s.io_vap_safeupgrades.yaml"

rm -rf "$tmp/work"
touch "$tmp/.complete"
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
log "cached in $out ($((SECONDS - start))s)"
echo "$out"
