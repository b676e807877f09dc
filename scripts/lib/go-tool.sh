# Sourced by scripts/ensure-helm.sh and bench/ensure-vegeta.sh: build (once) and print the path of
# a Go tool pinned by version. Prebuilt downloads are not reachable from this project's machines,
# but the Go module proxy is, so tools are compiled from their Go module and cached outside the
# repo, keyed by version. Progress goes to stderr, the path to stdout.

# ensure_go_tool NAME VERSION BUILD_FUNCTION
# BUILD_FUNCTION is called with a temporary directory to `go install` into (GOBIN); its binary NAME
# is then moved into place, so an interrupted build never leaves a half-written binary behind.
ensure_go_tool() {
  local name="$1" version="$2" build="$3"
  local cache_root="${PORTCULLIS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/portcullis}"
  local dir="$cache_root/bin/$name-$version"
  local bin="$dir/$name"
  log() { printf 'ensure-%s: %s\n' "$name" "$*" >&2; }

  if [[ -x "$bin" ]]; then
    echo "$bin"
    return 0
  fi
  if ! command -v go >/dev/null 2>&1; then
    log "Go toolchain not found on PATH; it is needed to build $name $version"
    return 1
  fi
  mkdir -p "$dir"
  # Serialise concurrent first runs (several test files may ask at once); the loser of the race
  # waits and then finds the binary already built.
  exec 9>"$dir.lock"
  if command -v flock >/dev/null 2>&1; then
    flock 9
  fi
  if [[ -x "$bin" ]]; then
    echo "$bin"
    return 0
  fi
  log "building $name $version from its Go module with $(go version | cut -d' ' -f3) (first run only)"
  local start=$SECONDS tmp
  tmp="$(mktemp -d "$dir.tmp.XXXXXX")"
  # shellcheck disable=SC2064 # expand now: tmp is local
  trap "rm -rf '$tmp'" EXIT
  "$build" "$tmp" >&2
  mv "$tmp/$name" "$bin"
  log "built $bin in $((SECONDS - start))s"
  echo "$bin"
}
