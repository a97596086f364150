#!/usr/bin/env bash
# Builds the container images of attache-ambassador, attache-operator and attache-webhook from
# binaries that are already built, with no registry and no base image: for each component it
# assembles a distroless-style root filesystem in a temporary build context (the stripped
# binary, the exact shared libraries and dynamic loader it loads as reported by ldd, a
# passwd/group with the nonroot user 65532, CA certificates, /tmp; no shell) and runs
# `docker build` on it with the component's Dockerfile, whose final stage is FROM scratch.
#
# Usage: scripts/build-images.sh [--bin-dir DIR] [--tag TAG] [--repository PREFIX] [COMPONENT...]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly ALL_COMPONENTS=(attache-ambassador attache-operator attache-webhook)

usage() {
  cat <<EOF
Usage: scripts/build-images.sh [options] [COMPONENT...]

Builds the images of the given components (default: all of ${ALL_COMPONENTS[*]};
'ambassador', 'operator' and 'webhook' also work) from already built binaries.

Options:
  --bin-dir DIR         where the binaries are (default: build/bin, from 'make build')
  --tag TAG             tag the images TAG only (default: the project version and 'latest')
  --repository PREFIX   image name prefix (default: attache, giving attache/attache-ambassador)
  -q, --quiet           print only the built image names
  -h, --help            this help
EOF
}

die() {
  echo "build-images: $*" >&2
  exit 1
}
say() { [[ $quiet == 1 ]] || echo "$@"; }

bin_dir="$ROOT/build/bin"
tags=()
repository=attache
quiet=0
components=()
while (($#)); do
  case "$1" in
    --bin-dir) bin_dir="${2:?--bin-dir needs a directory}"; shift 2 ;;
    --bin-dir=*) bin_dir="${1#*=}"; shift ;;
    --tag) tags=("${2:?--tag needs a tag}"); shift 2 ;;
    --tag=*) tags=("${1#*=}"); shift ;;
    --repository) repository="${2?--repository needs a prefix}"; shift 2 ;;
    --repository=*) repository="${1#*=}"; shift ;;
    -q | --quiet) quiet=1; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) components+=("$1"); shift ;;
  esac
done

# Component name -> its Dockerfile (relative to the repository root).
dockerfile_of() {
  case "$1" in
    attache-ambassador) echo ambassador-image/Dockerfile ;;
    attache-operator) echo operator/Dockerfile ;;
    attache-webhook) echo webhook/Dockerfile ;;
  esac
}

if ((${#components[@]} == 0)); then components=("${ALL_COMPONENTS[@]}"); fi
for i in "${!components[@]}"; do
  c="${components[$i]}"
  [[ $c == attache-* ]] || c="attache-$c"
  [[ -n "$(dockerfile_of "$c")" ]] || die "unknown component '${components[$i]}' (one of: ${ALL_COMPONENTS[*]})"
  components[i]="$c"
done

version="$(sed -n 's/^project([^)]*VERSION \([0-9][0-9A-Za-z.+-]*\).*/\1/p' "$ROOT/CMakeLists.txt")"
[[ -n $version ]] || die "cannot read the project version from $ROOT/CMakeLists.txt"
if ((${#tags[@]} == 0)); then tags=("$version" latest); fi
[[ -z $repository || $repository == */ ]] || repository="$repository/"

# Preconditions, each with the fix.
[[ -d $bin_dir ]] || die "no binary directory $bin_dir: run 'make build' first (or pass --bin-dir)"
bin_dir="$(cd "$bin_dir" && pwd)"
for c in "${components[@]}"; do
  [[ -x $bin_dir/$c ]] || die "no binary $bin_dir/$c: run 'make build' first (or pass --bin-dir)"
done
for tool in ldd strip readelf; do
  command -v "$tool" >/dev/null || die "'$tool' is missing: install binutils and libc-bin"
done
ca_bundle=/etc/ssl/certs/ca-certificates.crt
[[ -s $ca_bundle ]] || die "no $ca_bundle: install the ca-certificates package"
command -v docker >/dev/null || die "'docker' is not installed"
docker_err="$(docker info 2>&1 >/dev/null)" ||
  die "cannot reach the Docker daemon (is it running, and may this user use it?): ${docker_err##*$'\n'}"

work="$(mktemp -d "${TMPDIR:-/tmp}/attache-images.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Copies the real file behind `path` (symlinks resolved) to the same path under `rootfs`.
copy_real() {
  local rootfs="$1" path="$2"
  mkdir -p "$rootfs$(dirname "$path")"
  cp -L --preserve=mode "$path" "$rootfs$path"
}

# The shared libraries and the dynamic loader `binary` loads, one absolute path per line.
shared_libraries() {
  local binary="$1" out line path
  if ! out="$(ldd "$binary" 2>&1)"; then
    [[ $out == *"not a dynamic executable"* ]] && return 0
    die "ldd $binary failed: $out"
  fi
  while IFS= read -r line; do
    line="${line#"${line%%[![:space:]]*}"}"
    case "$line" in
      *"=> not found"*) die "$binary needs ${line%% =>*}, which this machine does not have" ;;
      *" => "*) path="${line#* => }" ;;
      /*) path="$line" ;;
      *) continue ;;  # linux-vdso.so.1: provided by the kernel
    esac
    path="${path%% (0x*}"
    [[ $path == /* ]] && echo "$path"
  done <<<"$out"
}

assemble_rootfs() {
  local component="$1" rootfs="$2" libs lib interp
  mkdir -p "$rootfs"/{usr/local/bin,etc/ssl/certs,tmp}
  chmod 1777 "$rootfs/tmp"
  strip --strip-all -o "$rootfs/usr/local/bin/$component" "$bin_dir/$component"
  chmod 0755 "$rootfs/usr/local/bin/$component"
  libs="$(shared_libraries "$bin_dir/$component")"
  while IFS= read -r lib; do
    [[ -z $lib ]] || copy_real "$rootfs" "$lib"
  done <<<"$libs"
  interp="$(readelf -l "$bin_dir/$component" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')"
  [[ -z $interp || -f $rootfs$interp ]] || copy_real "$rootfs" "$interp"
  cp -L "$ca_bundle" "$rootfs/etc/ssl/certs/ca-certificates.crt"
  cat >"$rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/nonexistent:/sbin/nologin
EOF
  cat >"$rootfs/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
nonroot:x:65532:
EOF
  # Service names resolve through /etc/hosts first, then DNS (glibc >= 2.34 has both built in).
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
  chmod 0644 "$rootfs"/etc/{passwd,group,nsswitch.conf} "$rootfs/etc/ssl/certs/ca-certificates.crt"
}

source_url="$(git -C "$ROOT" remote get-url origin 2>/dev/null || true)"
build_id="$$-$(date +%s%N)"
for c in "${components[@]}"; do
  image="$repository$c"
  context="$work/$c"
  assemble_rootfs "$c" "$context/rootfs"
  tag_args=()
  for t in "${tags[@]}"; do tag_args+=(-t "$image:$t"); done
  # Rebuilding a tag leaves its previous image untagged: remember it to remove it afterwards.
  previous=()
  for t in "${tags[@]}"; do
    previous+=("$(docker image inspect -f '{{.Id}}' "$image:$t" 2>/dev/null || true)")
  done
  say "== $image:${tags[0]} ($(du -sh "$context/rootfs" | cut -f1) root filesystem from $bin_dir/$c)"
  # The legacy builder keeps each earlier stage as an untagged image; the label finds this
  # build's rootfs stage afterwards so that reruns leave nothing behind. --no-cache: cached
  # intermediate images are shared between builds, and removing one build's image would pull
  # them from under a concurrent build ("unknown parent image ID").
  if ! docker build --no-cache --rm --force-rm -f "$ROOT/$(dockerfile_of "$c")" "${tag_args[@]}" \
    --build-arg "VERSION=$version" --build-arg "SOURCE=$source_url" \
    --build-arg "ATTACHE_BUILD_ID=$build_id" "$context" >"$work/$c.log" 2>&1; then
    cat "$work/$c.log" >&2
    die "docker build of $image failed (log above)"
  fi
  # Removed by id, not with `docker image prune`: the daemon runs one prune at a time and
  # refuses a concurrent one ("a prune operation is already running").
  mapfile -t stages < <(docker images -aq --filter "label=dev.attache.image.build-id=$build_id")
  ((${#stages[@]} == 0)) || docker rmi "${stages[@]}" >/dev/null 2>&1 || true
  current="$(docker image inspect -f '{{.Id}}' "$image:${tags[0]}")"
  for old in "${previous[@]}"; do
    # Fails, harmlessly, while another tag or a container still uses it.
    [[ -z $old || $old == "$current" ]] || docker rmi "$old" >/dev/null 2>&1 || true
  done
  size="$(docker image inspect -f '{{.Size}}' "$image:${tags[0]}")"
  say "   built $(printf '%s ' "${tags[@]/#/$image:}")($(awk -v s="$size" 'BEGIN { printf "%.1f MB", s / 1e6 }'))"
  [[ $quiet == 0 ]] || echo "$image:${tags[0]}"
done
