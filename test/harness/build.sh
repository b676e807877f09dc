#!/usr/bin/env bash
# Builds the Kubernetes binaries (kube-apiserver for the control plane; kube-controller-manager,
# kube-scheduler, kubelet, kube-proxy for the single-node cluster in cluster/, kubectl for its tests)
# and etcd from the
# pinned Go modules in test/harness/go and test/harness/go-etcd into a cache outside the repo:
#   ${PORTCULLIS_BIN_DIR:-~/.cache/portcullis/bin}/kubernetes-<version>-<recipe>/<binary>, etcd-<version>
# <recipe> hashes the build flags, so changing them (e.g. the version ldflags) never reuses a stale
# binary. The six Kubernetes binaries come from ONE `go build` so shared packages compile once.
# Idempotent: a build already present is not redone. Prints the binary paths at the end of stdout
# as NAME=PATH lines so callers need not know the layout. Progress goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin_dir="${PORTCULLIS_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/portcullis/bin}"
mkdir -p "$bin_dir"

command -v go >/dev/null || { echo "build.sh: 'go' is not on PATH; install Go >= 1.24" >&2; exit 1; }

# Version of a required module, read from the go.mod that pins it (single source of truth).
module_version() { # <go.mod dir> <module path>
  awk -v m="$2" '$1 == m && $2 ~ /^v/ { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' "$1/go.mod"
}

# Build <pkgs> in <module dir> to <out> (a file, or a directory for several main packages), unless
# <out> exists. Serialised with flock so concurrent callers (two vitest runs, a developer shell)
# build once and the others wait.
build_one() { # <name> <module dir> <ldflags> <out> <package>...
  local name="$1" dir="$2" ldflags="$3" out="$4"; shift 4
  exec 9>"$out.lock"
  flock 9
  if [[ -e "$out" ]]; then
    exec 9>&-
    return 0
  fi
  local log tmp start pid
  log="$(mktemp)"; tmp="$out.tmp.$$"
  start=$SECONDS
  echo "build.sh: building $name -> $out (first build takes several minutes on 2 cores)" >&2
  (
    cd "$dir"
    # -trimpath + stripped symbols: smaller binaries, stable cache keys; CGO off: no C toolchain needed.
    if [[ $# -gt 1 ]]; then mkdir -p "$tmp"; dest="$tmp/"; else dest="$tmp"; fi
    CGO_ENABLED=0 GOFLAGS="-trimpath -mod=readonly" go build -v -ldflags="-s -w $ldflags" -o "$dest" "$@"
  ) >"$log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 15
    kill -0 "$pid" 2>/dev/null || break
    echo "build.sh: $name: $((SECONDS - start))s elapsed, $(wc -l <"$log") packages compiled" >&2
  done
  if ! wait "$pid"; then
    echo "build.sh: building $name failed; last output:" >&2
    tail -40 "$log" >&2
    rm -rf "$log" "$tmp"
    exit 1
  fi
  mv -f "$tmp" "$out"
  rm -f "$log"
  echo "build.sh: built $name in $((SECONDS - start))s" >&2
  exec 9>&-
}

k8s_version="$(module_version "$here/go" k8s.io/kubernetes)"
etcd_version="$(module_version "$here/go-etcd" go.etcd.io/etcd/server/v3)"
[[ -n "$k8s_version" && -n "$etcd_version" ]] || { echo "build.sh: cannot read pinned versions" >&2; exit 1; }

# Version stamps as Kubernetes' own build sets them (hack/lib/version.sh): without them the binaries
# report v0.0.0-master and helm refuses the cluster. buildDate is fixed so the recipe stays stable.
k8s_minor="${k8s_version#v1.}"; k8s_minor="${k8s_minor%%.*}"
k8s_ldflags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$k8s_minor"
  k8s_ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
k8s_pkgs=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)
k8s_recipe="$(printf '%s\n' "$k8s_ldflags" "${k8s_pkgs[@]}" | sha256sum | cut -c1-8)"

k8s_dir="$bin_dir/kubernetes-$k8s_version-$k8s_recipe"
etcd_bin="$bin_dir/etcd-$etcd_version"

build_one etcd "$here/go-etcd" "" "$etcd_bin" go.etcd.io/etcd/server/v3
build_one kubernetes "$here/go" "$k8s_ldflags" "$k8s_dir" "${k8s_pkgs[@]/#/k8s.io/kubernetes/cmd/}"

echo "ETCD=$etcd_bin"
echo "KUBE_APISERVER=$k8s_dir/kube-apiserver"
echo "KUBE_CONTROLLER_MANAGER=$k8s_dir/kube-controller-manager"
echo "KUBE_SCHEDULER=$k8s_dir/kube-scheduler"
echo "KUBELET=$k8s_dir/kubelet"
echo "KUBE_PROXY=$k8s_dir/kube-proxy"
echo "KUBECTL=$k8s_dir/kubectl"
