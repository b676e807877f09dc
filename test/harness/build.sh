#!/usr/bin/env bash
# Builds the local test control plane (kube-apiserver + etcd) from the pinned Go modules in
# test/harness/go and test/harness/go-etcd into a cache outside the repo, keyed by version:
#   ${PORTCULLIS_BIN_DIR:-~/.cache/portcullis/bin}/kube-apiserver-<version>, etcd-<version>
# Idempotent: a binary already present is not rebuilt. Prints the binary paths on the last two
# lines of stdout as NAME=PATH so callers need not know the layout. Progress goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin_dir="${PORTCULLIS_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/portcullis/bin}"
mkdir -p "$bin_dir"

command -v go >/dev/null || { echo "build.sh: 'go' is not on PATH; install Go >= 1.24" >&2; exit 1; }

# Version of a required module, read from the go.mod that pins it (single source of truth).
module_version() { # <go.mod dir> <module path>
  awk -v m="$2" '$1 == m && $2 ~ /^v/ { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' "$1/go.mod"
}

# Build <pkg> in <module dir> to <out>, unless <out> exists. Serialised with flock so concurrent
# callers (two vitest runs, a developer shell) build once and the others wait.
build_one() { # <name> <module dir> <package> <out>
  local name="$1" dir="$2" pkg="$3" out="$4"
  exec 9>"$out.lock"
  flock 9
  if [[ -x "$out" ]]; then
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
    CGO_ENABLED=0 GOFLAGS="-trimpath -mod=mod" go build -v -ldflags='-s -w' -o "$tmp" "$pkg"
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
    rm -f "$log" "$tmp"
    exit 1
  fi
  mv -f "$tmp" "$out"
  rm -f "$log"
  echo "build.sh: built $name in $((SECONDS - start))s" >&2
  exec 9>&-
}

apiserver_version="$(module_version "$here/go" k8s.io/kubernetes)"
etcd_version="$(module_version "$here/go-etcd" go.etcd.io/etcd/server/v3)"
[[ -n "$apiserver_version" && -n "$etcd_version" ]] || { echo "build.sh: cannot read pinned versions" >&2; exit 1; }

apiserver_bin="$bin_dir/kube-apiserver-$apiserver_version"
etcd_bin="$bin_dir/etcd-$etcd_version"

build_one etcd "$here/go-etcd" go.etcd.io/etcd/server/v3 "$etcd_bin"
build_one kube-apiserver "$here/go" k8s.io/kubernetes/cmd/kube-apiserver "$apiserver_bin"

echo "ETCD=$etcd_bin"
echo "KUBE_APISERVER=$apiserver_bin"
