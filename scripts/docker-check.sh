#!/usr/bin/env bash
# Execute the Dockerfile without a Docker engine, so the image recipe cannot rot silently.
#
# Each stage becomes a directory standing in for its image's root filesystem. The build context
# is a temp copy of the repo filtered by .dockerignore; COPY, WORKDIR, ENV and RUN are carried out
# as Docker would (RUN with a clean environment: the host's PATH and HOME plus the stage's ENV).
# Then the last stage is made read-only and its ENTRYPOINT is run with `--help`, as its USER when
# this script runs as root, and must exit 0. Also checked: the FROM tag's Node major matches the
# host's node, and no devDependency reaches the final node_modules.
#
# Only the instructions the Dockerfile uses are supported; anything else fails loudly rather than
# being skipped. RUN commands must start with npm or node: they run on this host, so a system
# command (apt-get, useradd) must never be executed here.
#
# Usage: scripts/docker-check.sh [DOCKERFILE]      (default: the repo's Dockerfile)
# Prints "docker-check: RUN <command>" for every RUN executed (the tests compare these lines with
# the Dockerfile) and "docker-check: OK" at the end.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DOCKERFILE="${1:-$REPO/Dockerfile}"

log() { printf 'docker-check: %s\n' "$*"; }
die() { printf 'docker-check: error: %s\n' "$*" >&2; exit 1; }

[[ -f $DOCKERFILE ]] || die "no Dockerfile at $DOCKERFILE"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/portcullis-docker-check.XXXXXX")"
cleanup() {
  # The final stage is made read-only below; give write access back so it can be removed.
  chmod -R u+w "$WORK" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
# The final check may run as an unprivileged uid, which must be able to reach the stage tree.
chmod 755 "$WORK"

# --- build context: the repo's files (tracked and untracked-but-not-gitignored) minus .dockerignore
CONTEXT="$WORK/context"
mkdir -p "$CONTEXT"
ignore=()
if [[ -f $REPO/.dockerignore ]]; then
  while IFS= read -r pat || [[ -n $pat ]]; do
    pat="${pat%%#*}"
    pat="${pat#"${pat%%[![:space:]]*}"}"
    pat="${pat%"${pat##*[![:space:]]}"}"
    [[ -z $pat ]] && continue
    [[ $pat == '!'* ]] && die ".dockerignore exception patterns (!) are not supported by this check"
    pat="${pat#/}"
    ignore+=("${pat%/}")
  done <"$REPO/.dockerignore"
fi
filelist="$WORK/context.files"
: >"$filelist"
while IFS= read -r -d '' f; do
  [[ -e $REPO/$f ]] || continue # tracked but deleted in the work tree
  for pat in "${ignore[@]}"; do
    # A pattern excludes the path itself or anything under it (as Docker does for directories).
    # shellcheck disable=SC2053 # $pat is a glob on purpose
    if [[ $f == $pat || $f == $pat/* ]]; then continue 2; fi
  done
  printf '%s\0' "$f" >>"$filelist"
done < <(git -C "$REPO" ls-files -z --cached --others --exclude-standard)
tar -C "$REPO" --null -T "$filelist" -cf - | tar -C "$CONTEXT" -xf -

# --- parse: one entry per instruction, continuation lines joined, comments dropped
instructions=()
buf=""
while IFS= read -r line || [[ -n $line ]]; do
  trimmed="${line#"${line%%[![:space:]]*}"}"
  if [[ -z $trimmed || $trimmed == '#'* ]]; then continue; fi
  if [[ $line == *\\ ]]; then
    buf+="${line%\\} "
    continue
  fi
  instructions+=("$buf$line")
  buf=""
done <"$DOCKERFILE"
[[ -z $buf ]] || die "Dockerfile ends inside a continuation line"

# Print a JSON array's elements NUL-separated (exec-form ENTRYPOINT/CMD).
json_args() {
  node -e 'const a = JSON.parse(process.argv[1]);
    if (!Array.isArray(a) || !a.every((s) => typeof s === "string")) process.exit(2);
    for (const s of a) process.stdout.write(s + "\0");' "$1" ||
    die "expected an exec-form JSON array of strings, got: $1"
}

host_node_major="$(node -p 'process.versions.node.split(".")[0]')"
declare -A stage_root=()
stage="" root="" workdir="/" user="" stage_count=0
stage_env=() entrypoint=() cmd=()

for instr in "${instructions[@]}"; do
  keyword="${instr%%[[:space:]]*}"
  rest="${instr#"$keyword"}"
  rest="${rest#"${rest%%[![:space:]]*}"}"
  keyword="${keyword^^}"
  case "$keyword" in
  FROM)
    read -r image as name extra <<<"$rest"
    [[ -z ${extra:-} ]] || die "unsupported FROM: $rest"
    if [[ -n ${as:-} ]]; then
      [[ ${as^^} == AS && -n ${name:-} ]] || die "unsupported FROM: $rest"
    else
      name="$stage_count"
    fi
    [[ $image =~ ^node:([0-9]+)- ]] || die "base image must be an official node:<major>-* image, got $image"
    [[ ${BASH_REMATCH[1]} == "$host_node_major" ]] ||
      die "FROM $image is Node ${BASH_REMATCH[1]} but this host runs Node $host_node_major"
    stage="$name"
    root="$WORK/stages/$stage"
    stage_root[$stage]="$root"
    mkdir -p "$root"
    workdir="/" user="" stage_env=() entrypoint=() cmd=()
    stage_count=$((stage_count + 1))
    log "stage $stage (FROM $image)"
    ;;
  WORKDIR)
    [[ $rest == /* ]] || die "WORKDIR must be absolute: $rest"
    workdir="$rest"
    mkdir -p "$root$workdir"
    ;;
  ENV)
    for kv in $rest; do
      [[ $kv == *=* && $kv != *[\"\']* ]] || die "only ENV KEY=VALUE (unquoted) is supported: $rest"
      stage_env+=("$kv")
    done
    ;;
  COPY)
    read -ra words <<<"$rest"
    from=""
    while [[ ${words[0]} == --* ]]; do
      case "${words[0]}" in
      --from=*) from="${words[0]#--from=}" ;;
      *) die "unsupported COPY flag ${words[0]}" ;;
      esac
      words=("${words[@]:1}")
    done
    ((${#words[@]} >= 2)) || die "COPY needs a source and a destination: $rest"
    dest="${words[-1]}"
    srcs=("${words[@]:0:${#words[@]}-1}")
    if [[ -n $from ]]; then
      [[ -n ${stage_root[$from]:-} ]] || die "COPY --from=$from: no such stage before this one"
      base="${stage_root[$from]}"
    else
      base="$CONTEXT"
    fi
    [[ $dest == /* ]] && target="$root$dest" || target="$root$workdir/$dest"
    into_dir=false
    if ((${#srcs[@]} > 1)) || [[ $dest == */ ]]; then into_dir=true; fi
    for src in "${srcs[@]}"; do
      [[ $src != *[*?[]* ]] || die "COPY wildcards are not supported: $src"
      [[ -n $from ]] && path="$base/${src#/}" || path="$base/$src"
      if [[ ! -e $path ]]; then
        [[ -n $from ]] && die "COPY --from=$from $src: not found in that stage"
        die "COPY $src: not in the build context (missing, or excluded by .dockerignore)"
      fi
      if [[ -d $path ]]; then
        mkdir -p "$target"
        cp -a "$path/." "$target/"
      elif $into_dir; then
        mkdir -p "$target"
        cp -a "$path" "$target/"
      else
        mkdir -p "$(dirname "$target")"
        cp -a "$path" "$target"
      fi
    done
    ;;
  RUN)
    [[ $rest != '['* ]] || die "exec-form RUN is not supported: $rest"
    [[ $rest =~ ^(npm|node)[[:space:]] ]] || die "RUN must start with npm or node (it runs on this host): $rest"
    log "RUN $rest"
    # npm's cache makes the repeated installs cheap; --prefer-offline only avoids revalidation.
    (cd "$root$workdir" &&
      env -i PATH="$PATH" HOME="$HOME" npm_config_prefer_offline=true "${stage_env[@]}" /bin/sh -c "$rest") ||
      die "RUN failed in stage $stage: $rest"
    ;;
  USER) user="$rest" ;;
  EXPOSE | HEALTHCHECK) ;; # metadata only; nothing to emulate
  ENTRYPOINT) mapfile -d '' -t entrypoint < <(json_args "$rest") ;;
  CMD) mapfile -d '' -t cmd < <(json_args "$rest") ;;
  *) die "unsupported instruction $keyword (extend scripts/docker-check.sh first)" ;;
  esac
done

[[ -n $stage ]] || die "no FROM in $DOCKERFILE"
((${#entrypoint[@]} > 0)) || die "final stage has no exec-form ENTRYPOINT"
[[ -n $user && ${user%%:*} =~ ^[0-9]+$ && ${user%%:*} != 0 ]] ||
  die "final stage must set a numeric non-root USER (got '${user}')"
log "final stage $stage: ENTRYPOINT ${entrypoint[*]}, CMD ${cmd[*]:-}, USER $user"

# --- the final image holds production dependencies only: no package the lockfile marks dev-only
# (a devDependency may legitimately be present when a production package needs it too).
app="$root$workdir"
[[ -f $app/package-lock.json ]] && lock="$app/package-lock.json" || lock="$CONTEXT/package-lock.json"
mapfile -t dev_only < <(node -e 'const l = require(process.argv[1]);
  for (const [p, m] of Object.entries(l.packages ?? {})) if (p && m.dev) console.log(p);' "$lock")
((${#dev_only[@]} > 0)) || die "the lockfile marks no package as dev-only; cannot check the pruning"
for pkg in "${dev_only[@]}"; do
  [[ ! -e $app/$pkg ]] || die "dev-only package $pkg is in the final image"
done
log "final node_modules: none of the ${#dev_only[@]} dev-only packages present"

# --- run the entrypoint from the pruned, read-only tree
chmod -R a-w "$root"
chmod 755 "$WORK/stages"
run_as=()
if [[ $(id -u) == 0 ]]; then
  uid="${user%%:*}"
  gid="${user#*:}"
  [[ $user == *:* ]] || gid="$uid"
  run_as=(setpriv --reuid="$uid" --regid="$gid" --clear-groups)
fi
log "running: ${entrypoint[*]} --help (as ${user}, read-only tree)"
set +e
out="$(cd "$app" && env -i PATH="$PATH" "${stage_env[@]}" "${run_as[@]}" "${entrypoint[@]}" --help 2>&1)"
rc=$?
set -e
printf '%s\n' "$out" | sed 's/^/  | /'
((rc == 0)) || die "'${entrypoint[*]} --help' exited $rc"
[[ -n $out ]] || die "'${entrypoint[*]} --help' printed nothing"
log OK
