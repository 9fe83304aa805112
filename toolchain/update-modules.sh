#!/usr/bin/env bash
# Regenerates the wrapper modules' go.mod/go.sum under toolchain/modules/ from
# toolchain/versions.env. Run it after changing a version there, then commit the results.
# Needs the Go module proxy; build.sh itself never edits these files.
#
#   bash toolchain/update-modules.sh            # all modules
#   bash toolchain/update-modules.sh kubernetes # one of: pulumi pulumi-language-nodejs
#                                               #   kubernetes-provider etcd kwok kubernetes
#                                               #   kube-score external-snapshotter
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TC="$ROOT/toolchain"
MODS="$TC/modules"
# shellcheck source=toolchain/versions.env
source "$TC/versions.env"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0

log() { printf '[update-modules] %s\n' "$*" >&2; }
die() { printf '[update-modules] ERROR: %s\n' "$*" >&2; exit 1; }

# Upstream go.mod of a module version, straight from the proxy (the module need not build).
upstream_mod() { # module version
  local dir
  dir="$(go mod download -json "$1@$2" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s); if(j.Error){console.error(j.Error);process.exit(1)} console.log(j.GoMod)})')" ||
    die "the module proxy does not serve $1@$2"
  cat "$dir"
}

# Non-local replace directives of an upstream go.mod (local ones point into its repository).
nonlocal_replaces() {
  awk '
    /^replace \(/ { inblock = 1; next }
    inblock && /^\)/ { inblock = 0; next }
    inblock { line = $0 } !inblock && /^replace / { line = substr($0, 9) }
    (inblock || /^replace /) && line != "" {
      split(line, parts, "=>"); target = parts[2]; gsub(/^[ \t]+|[ \t]+$/, "", target)
      if (target !~ /^\.\.?\//) { gsub(/^[ \t]+/, "", line); print "replace " line }
      line = ""
    }'
}

fresh() { # dir, then go.mod body
  mkdir -p "$MODS/$1"
  printf '%s\n' "$2" > "$MODS/$1/go.mod"
  rm -f "$MODS/$1/go.sum"
}

gen_pulumi() {
  local v="v$PULUMI_VERSION"
  fresh pulumi "module sticky.local/toolchain/pulumi

go 1.25.11

// Non-local replaces copied from github.com/pulumi/pulumi/pkg/v3@$v (a dependency's replaces
// are ignored, so the wrapper restates them). Its local \"sdk/v3 => ../sdk\" becomes a
// requirement of the same release.
$(upstream_mod github.com/pulumi/pulumi/pkg/v3 "$v" | nonlocal_replaces)

require (
	github.com/pulumi/pulumi/pkg/v3 $v
	github.com/pulumi/pulumi/sdk/v3 $v
)"
  (cd "$MODS/pulumi" && go get -tool "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$v" && go mod tidy)
}

gen_pulumi_language_nodejs() {
  local v="v$PULUMI_LANGUAGE_NODEJS_SDK_VERSION"
  fresh pulumi-language-nodejs "module sticky.local/toolchain/pulumi-language-nodejs

go 1.24

// Non-local replaces copied from github.com/pulumi/pulumi/sdk/v3@$v, the module that built this
// language host upstream (a dependency's replaces are ignored, so the wrapper restates them).
$(upstream_mod github.com/pulumi/pulumi/sdk/v3 "$v" | nonlocal_replaces)

require github.com/pulumi/pulumi/sdk/v3 $v"
  (cd "$MODS/pulumi-language-nodejs" &&
    go get -tool "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs@$v" && go mod tidy)
}

gen_kubernetes_provider() {
  local m=github.com/pulumi/pulumi-kubernetes/provider/v4 v="$PULUMI_KUBERNETES_PROVIDER_MODULE_VERSION"
  local up; up="$(upstream_mod "$m" "$v")"
  fresh kubernetes-provider "module sticky.local/toolchain/kubernetes-provider

go $(awk '/^go /{print $2; exit}' <<<"$up")

$(nonlocal_replaces <<<"$up")

require $m $v"
  # main.go embeds files build.sh writes; placeholders let `go mod tidy` load the package.
  local f
  for f in schema-embed.json terraform-mapping-embed.json; do
    [[ -f "$MODS/kubernetes-provider/$f" ]] || echo '{}' > "$MODS/kubernetes-provider/$f"
  done
  (cd "$MODS/kubernetes-provider" && go mod tidy)
}

gen_etcd() {
  local v="v$ETCD_VERSION"
  fresh etcd "module sticky.local/toolchain/etcd

go $(upstream_mod go.etcd.io/etcd/server/v3 "$v" | awk '/^go /{print $2; exit}')

require go.etcd.io/etcd/server/v3 $v"
  (cd "$MODS/etcd" && go mod tidy)
}

gen_kwok() {
  local v="v$KWOK_VERSION"
  fresh kwok "module sticky.local/toolchain/kwok

go $(upstream_mod sigs.k8s.io/kwok "$v" | awk '/^go /{print $2; exit}')

$(upstream_mod sigs.k8s.io/kwok "$v" | nonlocal_replaces)"
  (cd "$MODS/kwok" && go get -tool "sigs.k8s.io/kwok/cmd/kwok@$v" "sigs.k8s.io/kwok/cmd/kwokctl@$v" && go mod tidy)
}

gen_kubernetes() {
  local v="v$KUBERNETES_VERSION" staging up c tools=()
  staging="v0.$(cut -d. -f2- <<<"$KUBERNETES_VERSION")"
  up="$(upstream_mod k8s.io/kubernetes "$v")"
  # Every "k8s.io/x => ./staging/src/k8s.io/x" becomes "k8s.io/x => k8s.io/x v0.<minor>.<patch>",
  # the same code as published from the staging tree.
  fresh kubernetes "module sticky.local/toolchain/kubernetes

go $(awk '/^go /{print $2; exit}' <<<"$up")

$(grep '^godebug' <<<"$up" || true)

require k8s.io/kubernetes $v

// Generated from k8s.io/kubernetes@$v go.mod: its ./staging replaces, pointed at the published
// staging modules of the same release.
replace (
$(grep -E '^[[:space:]]+k8s\.io/[^ ]+ => \./staging/' <<<"$up" | awk -v s="$staging" '{ print "\t" $1 " => " $1 " " s }')
)"
  for c in kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy; do
    tools+=("k8s.io/kubernetes/cmd/$c@$v")
  done
  (cd "$MODS/kubernetes" && go get -tool "${tools[@]}" && go mod tidy)
}

gen_kube_score() {
  local v="v$KUBE_SCORE_VERSION"
  fresh kube-score "module sticky.local/toolchain/kube-score

go $(upstream_mod github.com/zegl/kube-score "$v" | awk '/^go /{print $2; exit}')

$(upstream_mod github.com/zegl/kube-score "$v" | nonlocal_replaces)"
  (cd "$MODS/kube-score" && go get -tool "github.com/zegl/kube-score/cmd/kube-score@$v" && go mod tidy)
}

gen_external_snapshotter() {
  local m=github.com/kubernetes-csi/external-snapshotter v="v$EXTERNAL_SNAPSHOTTER_VERSION" up
  up="$(upstream_mod "$m/v8" "$v")"
  # Upstream builds against its own client module of the same commit ("client/v8 => ./client");
  # the published client/v8 of the same tag is that code. local-csi-node (our own, see its
  # main.go) needs only what the snapshotter already brings (gRPC, the CSI spec) and the kubelet's
  # plugin-registration API.
  fresh external-snapshotter "module sticky.local/toolchain/external-snapshotter

go $(awk '/^go /{print $2; exit}' <<<"$up")

// Non-local replaces copied from $m/v8@$v (a dependency's replaces are ignored, so the wrapper
// restates them); its local \"client/v8 => ./client\" becomes a requirement of the same tag.
$(nonlocal_replaces <<<"$up")

require (
	$m/v8 $v
	$m/client/v8 $v
)"
  (cd "$MODS/external-snapshotter" && go get -tool "$m/v8/cmd/snapshot-controller@$v" && go mod tidy)
}

all=(pulumi pulumi-language-nodejs kubernetes-provider etcd kwok kubernetes kube-score external-snapshotter)
sel=("$@"); [[ ${#sel[@]} -gt 0 ]] || sel=("${all[@]}")
for m in "${sel[@]}"; do
  [[ " ${all[*]} " == *" $m "* ]] || die "unknown module '$m' (choose from: ${all[*]})"
  log "regenerating toolchain/modules/$m"
  "gen_${m//-/_}"
done
log "done; now run: bash toolchain/build.sh"
