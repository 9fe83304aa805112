#!/usr/bin/env bash
# Builds the container images a real (containerd) node of the test cluster needs, as OCI image
# archives, and imports them into a containerd. Nothing is pulled from a registry.
#
#   bash test-cluster/images.sh build          # build missing or outdated archives
#   bash test-cluster/images.sh import SOCKET  # build if needed, then import all archives into
#                                                 # the k8s.io namespace of the containerd at SOCKET
#   bash test-cluster/images.sh names          # print <role>=<image ref> lines on stdout
#
# Images (roles of `names`):
#   pause           localhost/sticky/pause:3.10.1: Kubernetes' build/pause/linux/pause.c, taken from
#                   the Go module cache (k8s.io/kubernetes@v$KUBERNETES_VERSION, downloaded by
#                   toolchain/build.sh), compiled statically with Debian's gcc.
#   nginx           localhost/sticky/nginx:<tag>: Debian's nginx, newest version apt knows.
#   nginx-previous  the same from the version before it (tests deploy it, then upgrade to nginx).
#                   <tag> = the Debian version with '+' (and anything else a tag cannot hold) -> '-'.
#
# Downloads: only Debian packages, with `apt-get download` from the host's apt sources (nginx,
# nginx-common, dash, coreutils, tar and the library packages `ldd` names for their binaries).
#
# Writes, under $STICKY_IMAGES_DIR (default <repo>/.toolchain/images):
#   <name>_<tag>.oci.tar   the OCI image archives
#   <name>_<tag>.inputs    what the archive was built from; the archive is rebuilt when this
#                          differs (package versions, this script, test-cluster/images/*)
#   debs/                  downloaded .deb files, reused across builds
# plus a scratch directory /tmp/sticky-images.* that is removed on exit. Log lines go to stderr;
# only `names` writes to stdout.
#
# Needs: apt-get/apt-cache/dpkg (Debian), ldd, gcc with libc6-dev (static libc), strip, node (for
# the JSON and digests of the OCI layout: test-cluster/images/oci-layout.mjs), GNU tar, gzip,
# flock; ctr for `import`.
set -euo pipefail
# $(...) keeps failing on errors too; loops below read captured output rather than <(...),
# whose failures bash would ignore.
shopt -s inherit_errexit
umask 022 # directories created in the image rootfs get 0755

SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
ROOT="$(cd "$(dirname "$SELF")/.." && pwd)"
SRC="$ROOT/test-cluster/images" # committed inputs: nginx.conf and friends, image templates
OUT="${STICKY_IMAGES_DIR:-$ROOT/.toolchain/images}"
DEBS="$OUT/debs"

REF_PREFIX=localhost/sticky
PAUSE_TAG="3.10.1"  # build/pause/Makefile TAG of this Kubernetes release

# shellcheck source=toolchain/versions.env
source "$ROOT/toolchain/versions.env"

log() { printf '[images %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
warn() { log "WARNING: $*"; }
die() { printf '[images] ERROR: %s\n' "$*" >&2; exit 1; }

WORK=""
cleanup() { [[ -z "$WORK" ]] || rm -rf "$WORK"; }
trap cleanup EXIT

# Runs a command with its output kept aside; shows it only when the command fails, so that a
# build prints our log lines and nothing else. $1 says what was being done.
quiet() {
  local what=$1 logf
  shift
  logf="$(mktemp "$WORK/cmd.XXXXXX")"
  if ! "$@" >"$logf" 2>&1; then
    cat "$logf" >&2
    die "$what failed (command: $*; its output is above)"
  fi
}

need_commands() {
  local c missing=()
  for c in "$@"; do command -v "$c" >/dev/null || missing+=("$c"); done
  [[ ${#missing[@]} -eq 0 ]] || die "missing commands: ${missing[*]}. Install them (apt-get install ...) and retry."
}

# ---------------------------------------------------------------------------------------------
# Which images, at which versions (apt-cache only: `names` must be fast and download nothing)
# ---------------------------------------------------------------------------------------------

# Debian versions on stdin -> unique, newest first, in dpkg's ordering (sort -V gets ~ and
# epochs wrong).
sort_versions_desc() {
  local v i out=()
  while read -r v; do
    [[ -n "$v" ]] || continue
    for ((i = 0; i < ${#out[@]}; i++)); do
      [[ "${out[i]}" != "$v" ]] || continue 2
      if dpkg --compare-versions "$v" gt "${out[i]}"; then break; fi
    done
    out=("${out[@]:0:i}" "$v" "${out[@]:i}")
  done
  if [[ ${#out[@]} -gt 0 ]]; then printf '%s\n' "${out[@]}"; fi
}

nginx_versions() {
  apt-cache madison nginx | awk -F'|' '$3 ~ /Packages/ { gsub(/[ \t]/, "", $2); print $2 }' |
    sort_versions_desc
}

# An image tag may hold [A-Za-z0-9_.-] only.
tag_of() { printf '%s' "${1//[^A-Za-z0-9_.-]/-}"; }

# Fills the parallel arrays ROLES, REFS, KINDS (pause|nginx) and DEBVERS (nginx's Debian version).
plan_images() {
  local list versions newest previous new_tag prev_tag
  ROLES=(pause) REFS=("$REF_PREFIX/pause:$PAUSE_TAG") KINDS=(pause) DEBVERS=("")
  list="$(nginx_versions)"
  mapfile -t versions <<<"$list"
  [[ -n "$list" ]] ||
    die "apt knows no version of the nginx package. Run apt-get update (the Debian bookworm sources must be configured)."
  newest="${versions[0]}"
  if [[ ${#versions[@]} -ge 2 ]]; then
    previous="${versions[1]}" new_tag="$(tag_of "$newest")" prev_tag="$(tag_of "$previous")"
  else
    # The upgrade test needs two refs; a second build of the same package is the best we have.
    warn "apt knows only nginx $newest; nginx-previous is that version too and nginx gets the tag suffix -r2"
    previous="$newest" prev_tag="$(tag_of "$newest")" new_tag="$(tag_of "$newest")-r2"
  fi
  ROLES+=(nginx nginx-previous)
  REFS+=("$REF_PREFIX/nginx:$new_tag" "$REF_PREFIX/nginx:$prev_tag")
  KINDS+=(nginx nginx)
  DEBVERS+=("$newest" "$previous")
}

# localhost/sticky/nginx:1.2 -> nginx_1.2 (file name of the archive)
stem_of() { local r="${1#"$REF_PREFIX"/}"; printf '%s' "${r//:/_}"; }

# ---------------------------------------------------------------------------------------------
# Debian packages: download (cached in $DEBS), unpack (per run, in $WORK)
# ---------------------------------------------------------------------------------------------

# Candidate versions of packages (name[:arch] ...), as "<name[:arch]> <version>" lines in
# $WORK/candidates. One apt-cache call for all that are not there yet: here it takes a second
# per call (apt keeps no pkgcache.bin), and the answers cannot change during a run.
lookup_candidates() {
  local cache="$WORK/candidates" p v out missing=()
  touch "$cache"
  for p in "$@"; do
    awk -v p="$p" '$1 == p { found = 1 } END { exit !found }' "$cache" || missing+=("$p")
  done
  [[ ${#missing[@]} -gt 0 ]] || return 0
  out="$(apt-cache policy "${missing[@]}" 2>/dev/null |
    awk '/^[^ ]/ { name = $0; sub(/:$/, "", name) } $1 == "Candidate:" { print name, $2 }')"
  for p in "${missing[@]}"; do
    # apt drops the native architecture from the name it prints: libc6:amd64 -> "libc6:".
    v="$(awk -v p="$p" -v n="${p%%:*}" '$1 == p || $1 == n { print $2; exit }' <<<"$out")"
    [[ -n "$v" && "$v" != "(none)" ]] ||
      die "apt has no installable version of $p. Run apt-get update and check the apt sources."
    printf '%s %s\n' "$p" "$v" >>"$cache"
  done
}

candidate_version() {
  lookup_candidates "$1"
  awk -v p="$1" '$1 == p { printf "%s", $2; exit }' "$WORK/candidates"
}

# name[:arch] version -> path of the cached .deb, or nothing. apt names files
# <name>_<version with ':' as %3a>_<arch>.deb.
deb_file() {
  local f
  for f in "$DEBS/${1%%:*}_${2//:/%3a}_"*.deb; do
    if [[ -f "$f" ]]; then printf '%s' "$f"; return 0; fi
  done
}

# name[:arch]=version ... -> downloads those not cached yet, in one apt-get call.
fetch_debs() {
  local spec missing=() tmp
  for spec in "$@"; do
    [[ -n "$(deb_file "${spec%%=*}" "${spec#*=}")" ]] || missing+=("$spec")
  done
  [[ ${#missing[@]} -gt 0 ]] || return 0
  log "apt-get download ${missing[*]}"
  # Download next to the cache and move in afterwards, so a killed download leaves no half file
  # under a cached name. (A leftover from such a run is ours: builds hold the lock.)
  rm -rf "$DEBS"/.download.*
  tmp="$(mktemp -d "$DEBS/.download.XXXXXX")"
  # apt downloads as user _apt when it can write the directory; otherwise it warns and
  # downloads as root.
  if [[ $EUID -eq 0 ]] && id _apt >/dev/null 2>&1; then chown _apt "$tmp"; fi
  (cd "$tmp" && quiet "downloading Debian packages" apt-get download "${missing[@]}")
  mv "$tmp"/*.deb "$DEBS/"
  rm -rf "$tmp"
}

# name[:arch] version -> directory holding the package's files (dpkg-deb -x), unpacked once per run.
unpack() {
  local dir="$WORK/pkgs/${1%%:*}_$2" deb
  if [[ ! -d "$dir" ]]; then
    deb="$(deb_file "$1" "$2")"
    [[ -n "$deb" ]] || die "internal: $1=$2 was not downloaded before unpacking"
    mkdir -p "$dir.part"
    quiet "unpacking $deb" dpkg-deb -x "$deb" "$dir.part"
    mv "$dir.part" "$dir"
  fi
  printf '%s' "$dir"
}

# Prints PATH, then the target of each symlink it leads to, within the unpacked package (or
# rootfs) ROOT: an absolute target means ROOT's path, never the host's. The last line is a
# regular file.
chain_in() {
  local root=$1 path=$2 target i
  for ((i = 0; i < 40; i++)); do
    printf '%s\n' "$path"
    if [[ -L "$root$path" ]]; then
      target="$(readlink "$root$path")"
      [[ "$target" == /* ]] || target="$(dirname "$path")/$target"
      path="$(realpath -m -s "$target")" # lexical: resolves ../ without touching the host
    elif [[ -f "$root$path" ]]; then
      return 0
    else
      die "$path is not a file in $root (expected from the Debian package unpacked there)"
    fi
  done
  die "too many symlinks from $2 in $root"
}

# Copies PATH and every symlink on the way to its file from ROOT into ROOTFS, as they are in ROOT.
copy_in() {
  local root=$1 path=$2 rootfs=$3 p chain
  chain="$(chain_in "$root" "$path")"
  while read -r p; do
    mkdir -p "$rootfs$(dirname "$p")"
    if [[ -L "$root$p" ]]; then
      ln -sfn "$(readlink "$root$p")" "$rootfs$p"
    else
      cp -p "$root$p" "$rootfs$p"
    fi
  done <<<"$chain"
}

# ---------------------------------------------------------------------------------------------
# Shared libraries: ldd on the unpacked binary, each library mapped to its Debian package
# ---------------------------------------------------------------------------------------------

# A host path and the spellings it may have in dpkg's database: on merged-/usr Debian, ldd says
# /lib/x86_64-linux-gnu/libssl.so.3 while libssl3 ships /usr/lib/x86_64-linux-gnu/libssl.so.3.
path_spellings() {
  local p real
  real="$(realpath "$1")"
  for p in "$1" "$real"; do
    printf '%s\n' "$p"
    if [[ "$p" == /usr/* ]]; then printf '%s\n' "${p#/usr}"; else printf '/usr%s\n' "$p"; fi
  done | awk '!seen[$0]++'
}

# Host library path -> "<package>\t<path in that package>" (dpkg -S), remembered for the run in
# $WORK/owners (each image asks again for the same libraries).
host_owner() {
  local p owner spellings cache="$WORK/owners"
  touch "$cache"
  owner="$(awk -F'\t' -v p="$1" '$1 == p { print $2 "\t" $3; exit }' "$cache")"
  if [[ -n "$owner" ]]; then printf '%s\n' "$owner"; return 0; fi
  spellings="$(path_spellings "$1")"
  while read -r p; do
    owner="$(dpkg-query -S "$p" 2>/dev/null | awk -v p="$p" 'index($0, "diversion ") != 1 && substr($0, length($0) - length(p) + 1) == p && substr($0, length($0) - length(p) - 1, 2) == ": " { sub(/: [^:]*$/, ""); sub(/,.*/, ""); print; exit }')" || true
    if [[ -n "$owner" ]]; then
      printf '%s\t%s\t%s\n' "$1" "$owner" "$p" >>"$cache"
      printf '%s\t%s\n' "$owner" "$p"
      return 0
    fi
  done <<<"$spellings"
  die "no installed Debian package owns $1 (tried: $(tr '\n' ' ' <<<"$spellings")). ldd resolves libraries against this host, so the package that ships it must be installed here: apt-get install it and retry."
}

# Unpacked binary -> the host paths of the libraries it loads (ldd), one "<lib|ld>\t<host path>"
# per line, ld for the dynamic loader. Nothing for a static binary.
libs_of() {
  local out
  if ! out="$(ldd "$1" 2>&1)"; then
    [[ "$out" == *"not a dynamic executable"* ]] && return 0
    die "ldd $1 failed: $out"
  fi
  if grep -q 'not found' <<<"$out"; then
    die "ldd: libraries of $1 are missing on this host: $(grep 'not found' <<<"$out" | tr -s ' \t' ' '). ldd resolves them against this host: apt-get install the packages that ship them and retry."
  fi
  awk '$2 == "=>" && $3 ~ /^\// { print "lib\t" $3 } $1 ~ /^\// { print "ld\t" $1 }' <<<"$out"
}

# ---------------------------------------------------------------------------------------------
# nginx image
# ---------------------------------------------------------------------------------------------

# Debian version of nginx -> the file list of the image, one "<kind>\t<name[:arch]=version>\t<path>"
# per line, sorted (it is part of the cache key). kind: bin (executable, its libraries are
# checked after assembly), ld (dynamic loader), lib, file.
nginx_files() {
  local ver=$1 dash coreutils tar line spec path root file libs="" owned="" kind lib pkg list="" words
  lookup_candidates dash coreutils tar
  dash="dash=$(candidate_version dash)"
  coreutils="coreutils=$(candidate_version coreutils)"
  tar="tar=$(candidate_version tar)"
  fetch_debs "nginx=$ver" "nginx-common=$ver" "$dash" "$coreutils" "$tar"
  # What `kubectl exec` uses in the pods besides sh: cat and ls (the article, the tests), and
  # tar, rm and mkdir (the file backup, npm run backup/restore, and its e2e). The official nginx
  # images have all of them (Debian's coreutils and tar, Alpine's BusyBox).
  local -a bins=("nginx=$ver /usr/sbin/nginx" "$dash /bin/sh" "$coreutils /bin/cat" "$coreutils /bin/ls"
    "$coreutils /bin/rm" "$coreutils /bin/mkdir" "$tar /bin/tar")
  list+="file"$'\t'"nginx-common=$ver"$'\t'"/etc/nginx/mime.types"$'\n'
  for line in "${bins[@]}"; do
    spec="${line% *}" path="${line#* }"
    list+="bin"$'\t'"$spec"$'\t'"$path"$'\n'
    root="$(unpack "${spec%%=*}" "${spec#*=}")"
    file="$(chain_in "$root" "$path")"
    libs+="$(libs_of "$root${file##*$'\n'}")"$'\n'
  done
  libs="$(LC_ALL=C sort -u <<<"$libs")"
  while IFS=$'\t' read -r kind lib; do
    [[ -n "$lib" ]] || continue
    owned+="$kind"$'\t'"$(host_owner "$lib")"$'\n' # kind, package, path in the package
  done <<<"$libs"
  # The library packages at apt's candidate version: the newest the host's apt offers, which is
  # what the nginx package was built against (not necessarily the version installed here).
  mapfile -t words <<<"$(cut -f2 <<<"$owned" | sed '/^$/d' | sort -u)"
  lookup_candidates "${words[@]}"
  while IFS=$'\t' read -r kind pkg path; do
    [[ -n "$pkg" ]] || continue
    list+="$kind"$'\t'"$pkg=$(candidate_version "$pkg")"$'\t'"$path"$'\n'
  done <<<"$owned"
  list="$(printf '%s' "$list" | LC_ALL=C sort -u)"
  mapfile -t words <<<"$(cut -f2 <<<"$list" | sort -u)"
  fetch_debs "${words[@]}"
  printf '%s\n' "$list"
}

# Runs each binary's libraries through the image's own loader with only the image's library
# directories: catches a library ldd found on the host but the image lacks.
check_libs() {
  local rootfs=$1 files=$2 loader libdirs bins bin file out
  loader="$(awk -F'\t' '$1 == "ld" { print $3; exit }' <<<"$files")"
  [[ -n "$loader" ]] || die "ldd named no dynamic loader for the nginx image's binaries"
  loader="$(chain_in "$rootfs" "$loader")"
  loader="$rootfs${loader##*$'\n'}"
  libdirs="$(awk -F'\t' -v r="$rootfs" '$1 == "lib" { sub(/\/[^\/]*$/, "", $3); print r $3 }' <<<"$files" | sort -u | paste -sd:)"
  bins="$(awk -F'\t' '$1 == "bin" { print $3 }' <<<"$files")"
  while read -r bin; do
    file="$(chain_in "$rootfs" "$bin")"
    out="$("$loader" --inhibit-cache --library-path "$libdirs" --list "$rootfs${file##*$'\n'}" 2>&1)" ||
      die "the image's loader cannot load $bin: $out"
    if awk -v r="$rootfs" '$2 == "=>" && index($3, r) != 1 { bad = 1 } END { exit !bad }' <<<"$out"; then
      die "$bin needs libraries the image lacks (they resolved outside $rootfs): $out"
    fi
  done <<<"$bins"
}

# The file list of nginx_files -> a rootfs for nginx under a read-only root filesystem.
assemble_nginx() {
  local files=$1 rootfs=$2 kind spec path root name
  mkdir -p "$rootfs"
  while IFS=$'\t' read -r kind spec path; do
    root="$(unpack "${spec%%=*}" "${spec#*=}")"
    copy_in "$root" "$path" "$rootfs"
    # Debian's licence terms travel with the binaries.
    name="${spec%%=*}" name="${name%%:*}"
    if [[ -f "$root/usr/share/doc/$name/copyright" ]]; then
      mkdir -p "$rootfs/usr/share/doc/$name"
      cp "$root/usr/share/doc/$name/copyright" "$rootfs/usr/share/doc/$name/copyright"
    fi
  done <<<"$files"
  # passwd/group (nginx = 101:101 as in the official image), nsswitch.conf, nginx.conf.
  cp -R "$SRC/nginx-rootfs/." "$rootfs/"
  find "$SRC/nginx-rootfs" -type f -printf '%P\n' | while read -r path; do chmod 0644 "$rootfs/$path"; done
  # Real directories, not Debian's /var/run -> /run link: the pod mounts emptyDirs on
  # /var/run and /var/cache/nginx and a volume on /usr/share/nginx/html.
  # /etc/nginx/conf.d: nginx.conf includes *.conf from it, as the official image does.
  mkdir -p "$rootfs/var/run" "$rootfs/var/cache/nginx" "$rootfs/usr/share/nginx/html" "$rootfs/tmp" "$rootfs/etc/nginx/conf.d"
  chmod 1777 "$rootfs/tmp"
  check_libs "$rootfs" "$files"
}

# ---------------------------------------------------------------------------------------------
# pause image
# ---------------------------------------------------------------------------------------------

pause_source() {
  local gomodcache src
  command -v go >/dev/null || die "go is not on PATH (needed to find the Go module cache holding pause.c)."
  gomodcache="$(go env GOMODCACHE)"
  src="$gomodcache/k8s.io/kubernetes@v$KUBERNETES_VERSION/build/pause/linux/pause.c"
  [[ -f "$src" ]] || die "$src is missing: the k8s.io/kubernetes@v$KUBERNETES_VERSION module is not in the Go module cache. Run: bash toolchain/build.sh"
  printf '%s' "$src"
}

# Upstream's version of the pause source (TAG in build/pause/Makefile; 3.10.1 in Kubernetes
# 1.34), which upstream compiles into `pause -v`. Falls back to our tag.
pause_upstream_tag() {
  local t
  t="$(sed -n 's/^TAG ?= *//p' "$(dirname "$1")/../Makefile" 2>/dev/null | head -n 1)"
  printf '%s' "${t:-$PAUSE_TAG}"
}

assemble_pause() {
  local src=$1 rootfs=$2
  mkdir -p "$rootfs"
  # Upstream's flags (build/pause/Makefile); VERSION is what `pause -v` prints. Its words must
  # not be C macros (it is macro-expanded before being stringified), hence no "linux" in it.
  quiet "compiling $src" gcc -Os -Wall -Werror -static \
    "-DVERSION=v$(pause_upstream_tag "$src")-k8s-v$KUBERNETES_VERSION" -o "$rootfs/pause" "$src"
  quiet "stripping pause" strip "$rootfs/pause"
  chmod 0755 "$rootfs/pause"
}

# ---------------------------------------------------------------------------------------------
# OCI archive
# ---------------------------------------------------------------------------------------------

# rootfs ref template archive [label=value ...] -> OCI image archive with one layer.
# Reproducible: sorted entries, owner root, mtime 0, gzip without name/time.
write_archive() {
  local rootfs=$1 ref=$2 template=$3 archive=$4 stem layer layout
  shift 4
  stem="$(stem_of "$ref")" layer="$WORK/$stem.layer.tar.gz" layout="$WORK/$stem.layout"
  local -a repro=(--sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu)
  local -a top
  mapfile -t top <<<"$(cd "$rootfs" && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | LC_ALL=C sort)"
  # Entries named bin/..., not ./bin/...: no entry for the root directory itself.
  tar "${repro[@]}" -C "$rootfs" -cf - "${top[@]}" | gzip -n >"$layer"
  mkdir -p "$layout"
  quiet "writing the OCI layout of $ref" node "$SRC/oci-layout.mjs" "$layout" "$layer" "$template" "$ref" \
    "org.opencontainers.image.ref.name=$ref" "$@"
  tar "${repro[@]}" -C "$layout" -cf "$archive.part" oci-layout index.json blobs
  mv "$archive.part" "$archive"
}

# ---------------------------------------------------------------------------------------------
# build / import / names
# ---------------------------------------------------------------------------------------------

# What every image depends on besides its own packages: this script and the committed files.
common_inputs() {
  printf 'script %s\n' "$(sha256sum <"$SELF" | cut -d' ' -f1)"
  (cd "$SRC" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sed 's/^/file /'
}

# Builds image $i of the plan unless its archive exists with the same inputs; sets ARCHIVE.
build_image() {
  local i=$1 ref=${REFS[$1]} kind=${KINDS[$1]} ver=${DEBVERS[$1]} inputs files="" src="" rootfs
  ARCHIVE="$OUT/$(stem_of "$ref").oci.tar"
  local sidecar="${ARCHIVE%.oci.tar}.inputs"
  inputs="$(printf 'ref %s\n' "$ref")"$'\n'"$COMMON_INPUTS"
  case "$kind" in
    nginx)
      files="$(nginx_files "$ver")"
      inputs+=$'\n'"$files"
      ;;
    pause)
      src="$(pause_source)"
      inputs+=$'\n'"$(printf 'pause.c %s\nKUBERNETES_VERSION %s\ngcc %s\n' \
        "$(sha256sum <"$src" | cut -d' ' -f1)" "$KUBERNETES_VERSION" "$(gcc --version | head -n 1)")"
      inputs+=$'\n'"$(dpkg-query -W -f='libc6-dev ${Version}\n' libc6-dev 2>/dev/null || echo 'libc6-dev ?')"
      ;;
  esac
  if [[ -f "$ARCHIVE" && -f "$sidecar" && "$(<"$sidecar")" == "$inputs" ]]; then
    log "up to date: $ref"
    return 0
  fi
  log "building $ref"
  rootfs="$WORK/$(stem_of "$ref").rootfs"
  case "$kind" in
    nginx)
      assemble_nginx "$files" "$rootfs"
      write_archive "$rootfs" "$ref" "$SRC/nginx.image.json" "$ARCHIVE" "org.opencontainers.image.version=$ver"
      ;;
    pause)
      assemble_pause "$src" "$rootfs"
      write_archive "$rootfs" "$ref" "$SRC/pause.image.json" "$ARCHIVE" \
        "org.opencontainers.image.version=$(pause_upstream_tag "$src")"
      ;;
  esac
  printf '%s\n' "$inputs" >"$OUT/.inputs.part" # last, so an interrupted build is redone
  mv "$OUT/.inputs.part" "$sidecar"
  log "built $ARCHIVE ($(du -h "$ARCHIVE" | cut -f1))"
}

# Builds every image of the plan; ARCHIVES = their archive paths, in plan order.
build_all() {
  local i f keep=" "
  need_commands apt-get apt-cache dpkg dpkg-deb dpkg-query ldd gcc strip node tar gzip flock sha256sum realpath
  mkdir -p "$OUT" "$DEBS"
  OUT="$(cd "$OUT" && pwd)" DEBS="$OUT/debs"
  WORK="$(mktemp -d /tmp/sticky-images.XXXXXX)"
  # One build at a time per output directory (import may run while someone else builds).
  exec 9>"$OUT/.lock"
  flock -w 900 9 || die "another images.sh build held $OUT/.lock for 15 minutes; check for a stuck build."
  COMMON_INPUTS="$(common_inputs)"
  plan_images
  ARCHIVES=()
  for i in "${!REFS[@]}"; do
    build_image "$i"
    ARCHIVES+=("$ARCHIVE")
    keep+="$(stem_of "${REFS[$i]}") "
  done
  # Archives of versions apt no longer offers would pile up; import only reads the current ones.
  for f in "$OUT"/*.oci.tar "$OUT"/*.inputs; do
    [[ -e "$f" ]] || continue
    f="$(basename "$f")" f="${f%.oci.tar}" f="${f%.inputs}"
    if [[ "$keep" != *" $f "* ]]; then
      log "removing stale $OUT/$f.*"
      rm -f "$OUT/$f.oci.tar" "$OUT/$f.inputs"
    fi
  done
}

import_all() {
  local sock=$1 i listed
  need_commands ctr
  [[ -S "$sock" ]] || die "$sock is not a socket: start that containerd first (or pass the right grpc address)."
  build_all
  local -a ctr=(ctr --address "$sock" --connect-timeout 10s --namespace k8s.io)
  for i in "${!REFS[@]}"; do
    log "importing ${REFS[$i]} into $sock (namespace k8s.io)"
    # Idempotent: importing the same archive again just re-points the name at the same content.
    quiet "ctr images import of ${ARCHIVES[$i]} into $sock" \
      "${ctr[@]}" images import --snapshotter overlayfs "${ARCHIVES[$i]}"
  done
  listed="$("${ctr[@]}" images ls -q)"
  for i in "${!REFS[@]}"; do
    grep -qxF "${REFS[$i]}" <<<"$listed" ||
      die "after the import, ${REFS[$i]} is not among the images of $sock (namespace k8s.io): check the ctr output above."
  done
  log "imported ${#REFS[@]} images into $sock"
}

print_names() {
  local i
  plan_images
  for i in "${!ROLES[@]}"; do printf '%s=%s\n' "${ROLES[$i]}" "${REFS[$i]}"; done
}

usage() {
  sed -n '2,9p' "$SELF" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

main() {
  case "${1:-}" in
    build) [[ $# -eq 1 ]] || usage; build_all ;;
    import) [[ $# -eq 2 ]] || usage; import_all "$2" ;;
    names) [[ $# -eq 1 ]] || usage; print_names ;;
    *) usage ;;
  esac
}

main "$@"
