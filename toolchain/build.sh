#!/usr/bin/env bash
# Builds the offline toolchain (Pulumi CLI + Node.js language host, the Kubernetes provider
# plugin, Kubernetes 1.34 binaries, etcd, KWOK, kube-score, the snapshot-controller and the CRDs of
# an EKS Auto Mode cluster) from Go modules into .toolchain/.
#
#   bash toolchain/build.sh                 # everything
#   bash toolchain/build.sh etcd kwok kubernetes   # only some components (names: see COMPONENTS)
#
# Only the Go module proxy is needed (plus npm's already-installed node_modules for nothing but
# the version check). Every component is skipped when its inputs (versions, go.mod, go.sum,
# sources, flags, Go version) are unchanged since its last successful build, so a second run
# costs seconds. Go's own module and build caches (GOMODCACHE, GOCACHE) are shared with every
# other Go build on the machine.
#
# Environment knobs:
#   STICKY_TOOLCHAIN_DIR  output directory (default: <repo>/.toolchain)
#   TOOLCHAIN_JOBS        go build -p (default: number of CPUs)
#   TOOLCHAIN_FORCE=1     rebuild even when the stamp says up to date
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TC="$ROOT/toolchain"
MODS="$TC/modules"
OUT="${STICKY_TOOLCHAIN_DIR:-$ROOT/.toolchain}"
BIN="$OUT/bin"
# The provider lives outside bin/ on purpose: a pulumi-resource-* found on PATH wins over the
# plugin cache but makes the engine print "using ... from $PATH" on every run.
LIBEXEC="$OUT/libexec"
# CustomResourceDefinitions taken out of upstream modules (test-cluster/up.sh applies them).
CRDS="$OUT/crds"
STAMPS="$OUT/stamps"
export PULUMI_HOME="$OUT/pulumi-home"
JOBS="${TOOLCHAIN_JOBS:-$(nproc 2>/dev/null || echo 2)}"

COMPONENTS=(pulumi language-nodejs kubernetes-provider etcd kwok kubernetes kube-score external-snapshotter karpenter-crds)

# shellcheck source=toolchain/versions.env
source "$TC/versions.env"

# Static binaries (no C toolchain needed, they run anywhere); never let `go` fetch a newer
# toolchain behind our back; fail instead of editing go.mod/go.sum silently.
export CGO_ENABLED=0
export GOTOOLCHAIN=local
export GOFLAGS="-mod=readonly -buildvcs=false"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true

log() { printf '[toolchain %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[toolchain] ERROR: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

# ---------------------------------------------------------------------------------------------
# Preconditions
# ---------------------------------------------------------------------------------------------
command -v go >/dev/null || die "go is not on PATH. Install Go >= 1.26 (the etcd and KWOK modules declare go 1.26.0)."
GOVER="$(go env GOVERSION)"
case "$GOVER" in
  go1.2[6-9]*|go1.[3-9][0-9]*|go[2-9]*) ;;
  *) die "found $GOVER, need Go >= 1.26 (go.etcd.io/etcd/server/v3 v$ETCD_VERSION and sigs.k8s.io/kwok v$KWOK_VERSION declare go 1.26.0; GOTOOLCHAIN=local forbids downloading one)." ;;
esac
command -v node >/dev/null || die "node is not on PATH (needed to read package-lock.json and to prepare the provider schema)."

# The toolchain must match what npm installed: the engine and the language host talk to the
# @pulumi/pulumi in node_modules, and the engine asks for the provider version @pulumi/kubernetes
# names.
check_lock() {
  local lock="$ROOT/package-lock.json"
  [[ -f "$lock" ]] || die "$lock not found; run this from a checkout of the project."
  node - "$lock" "$PULUMI_VERSION" "$PULUMI_KUBERNETES_VERSION" "$ROOT" <<'EOF'
const fs = require("fs");
const [lockPath, wantPulumi, wantK8s, root] = process.argv.slice(2);
const lock = JSON.parse(fs.readFileSync(lockPath, "utf8"));
const pkgs = lock.packages || {};
let bad = [];
for (const [name, want, key] of [["@pulumi/pulumi", wantPulumi, "PULUMI_VERSION"], ["@pulumi/kubernetes", wantK8s, "PULUMI_KUBERNETES_VERSION"]]) {
  const got = (pkgs["node_modules/" + name] || {}).version;
  if (got !== want) bad.push(`package-lock.json has ${name} ${got}, toolchain/versions.env has ${key}=${want}`);
  const installed = root + "/node_modules/" + name + "/package.json";
  if (fs.existsSync(installed)) {
    const v = JSON.parse(fs.readFileSync(installed, "utf8")).version;
    if (v !== want) bad.push(`node_modules has ${name} ${v} but ${key}=${want} (run npm ci)`);
  }
}
if (bad.length) {
  console.error("[toolchain] ERROR: versions disagree:\n  " + bad.join("\n  ") +
    "\n  Either pin the npm package back, or change toolchain/versions.env and run toolchain/update-modules.sh.");
  process.exit(1);
}
EOF
}

# The wrapper go.mod files are committed; they must pin what versions.env says.
check_module() { # dir module want
  local got
  got="$(cd "$MODS/$1" && go list -m -f '{{if .Replace}}{{.Replace.Version}}{{else}}{{.Version}}{{end}}' "$2" 2>&1)" ||
    die "cannot read $2 from toolchain/modules/$1/go.mod: $got"
  [[ "$got" == "$3" ]] ||
    die "toolchain/modules/$1/go.mod pins $2 $got but toolchain/versions.env implies $3. Run: bash toolchain/update-modules.sh"
}

# ---------------------------------------------------------------------------------------------
# Up-to-date checks: a stamp holds a hash of everything that feeds a component's build.
# ---------------------------------------------------------------------------------------------
inputs_hash() { # component, then extra strings
  local dir="$1"; shift
  {
    printf '%s\n' "$GOVER" "$@"
    (cd "$MODS/$dir" && find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) -print0 |
      LC_ALL=C sort -z | xargs -0 sha256sum)
  } | sha256sum | cut -d' ' -f1
}
up_to_date() { # name hash outputs...
  local name="$1" hash="$2"; shift 2
  [[ "${TOOLCHAIN_FORCE:-0}" != 1 ]] || return 1
  [[ -f "$STAMPS/$name" && "$(cat "$STAMPS/$name")" == "$hash" ]] || return 1
  local f; for f in "$@"; do [[ -x "$f" ]] || return 1; done
}
mark_done() { mkdir -p "$STAMPS"; printf '%s\n' "$2" > "$STAMPS/$1"; }

gobuild() { # module-dir, then go build args
  local dir="$1"; shift
  (cd "$MODS/$dir" && go build -trimpath -p "$JOBS" "$@")
}

# ---------------------------------------------------------------------------------------------
# Components
# ---------------------------------------------------------------------------------------------
build_pulumi() {
  local want="v$PULUMI_VERSION" ldflags hash existing
  # Reuse an installed CLI of exactly this release (and its bundled language host, which the
  # engine finds next to the real binary through the symlink).
  existing="$(type -P pulumi || true)"
  # (A PATH entry that resolves to our own build output is not "installed".)
  if [[ -n "$existing" && "$(readlink -f "$existing")" != "$(readlink -m "$BIN")/pulumi" ]]; then
    if [[ "$("$existing" version 2>/dev/null)" == "$want" ]]; then
      existing="$(readlink -f "$existing")"
      log "pulumi: using $existing ($want already installed)"
      mkdir -p "$BIN"
      ln -sfn "$existing" "$BIN/pulumi"
      mark_done pulumi "external:$existing"
      return
    fi
  fi
  ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$want"
  hash="$(inputs_hash pulumi "$ldflags")"
  if up_to_date pulumi "$hash" "$BIN/pulumi"; then log "pulumi $want: up to date"; return; fi
  check_module pulumi github.com/pulumi/pulumi/pkg/v3 "$want"
  check_module pulumi github.com/pulumi/pulumi/sdk/v3 "$want"
  log "pulumi $want: building (github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)"
  mkdir -p "$BIN"
  rm -f "$BIN/pulumi"  # may be a symlink to an external CLI from an earlier run
  gobuild pulumi -ldflags "$ldflags" -o "$BIN/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  [[ "$("$BIN/pulumi" version)" == "$want" ]] || die "built pulumi reports '$("$BIN/pulumi" version)', expected $want"
  mark_done pulumi "$hash"
}

build_language_nodejs() {
  local want="v$PULUMI_LANGUAGE_NODEJS_SDK_VERSION" ldflags hash sdkdir
  if [[ "$(cat "$STAMPS/pulumi" 2>/dev/null)" == external:* ]]; then
    local ext; ext="$(cut -d: -f2- < "$STAMPS/pulumi")"
    local sibling; sibling="$(dirname "$ext")/pulumi-language-nodejs"
    if [[ -x "$sibling" ]]; then
      log "pulumi-language-nodejs: using $sibling (bundled with the external CLI)"
      ln -sfn "$sibling" "$BIN/pulumi-language-nodejs"
      rm -f "$STAMPS/language-nodejs"  # a later own build must not trust an old stamp
      return
    fi
  fi
  ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$want"
  hash="$(inputs_hash pulumi-language-nodejs "$ldflags" "$PULUMI_VERSION")"
  if up_to_date language-nodejs "$hash" "$BIN/pulumi-language-nodejs" "$BIN/pulumi-resource-pulumi-nodejs"; then
    log "pulumi-language-nodejs $want: up to date"; return
  fi
  check_module pulumi-language-nodejs github.com/pulumi/pulumi/sdk/v3 "$want"
  log "pulumi-language-nodejs $want: building (github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs)"
  mkdir -p "$BIN"
  rm -f "$BIN/pulumi-language-nodejs"
  gobuild pulumi-language-nodejs -ldflags "$ldflags" -o "$BIN/pulumi-language-nodejs" \
    github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs
  # The dynamic-provider shim is a shell script shipped in the sdk module of the CLI's release.
  sdkdir="$(cd "$MODS/pulumi" && go mod download -json "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).Dir))')"
  install -m 0755 "$sdkdir/nodejs/dist/pulumi-resource-pulumi-nodejs" "$BIN/pulumi-resource-pulumi-nodejs"
  mark_done language-nodejs "$hash"
}

build_kubernetes_provider() {
  local mod=github.com/pulumi/pulumi-kubernetes/provider/v4
  local srcver="${PULUMI_KUBERNETES_PROVIDER_MODULE_VERSION#v}" ldflags hash moddir plugdir
  ldflags="-s -w -X $mod/pkg/version.Version=$srcver"
  hash="$(inputs_hash kubernetes-provider "$ldflags" "$PULUMI_KUBERNETES_VERSION")"
  plugdir="$PULUMI_HOME/plugins/resource-kubernetes-v$PULUMI_KUBERNETES_VERSION"
  if up_to_date kubernetes-provider "$hash" "$LIBEXEC/pulumi-resource-kubernetes" "$plugdir/pulumi-resource-kubernetes"; then
    log "pulumi-resource-kubernetes ($srcver as v$PULUMI_KUBERNETES_VERSION): up to date"; return
  fi
  [[ -x "$BIN/pulumi" ]] || die "pulumi must be built before the provider can be installed into the plugin cache"
  check_module kubernetes-provider "$mod" "$PULUMI_KUBERNETES_PROVIDER_MODULE_VERSION"
  log "pulumi-resource-kubernetes $srcver: building ($mod)"
  moddir="$(cd "$MODS/kubernetes-provider" && go mod download -json "$mod" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).Dir))')"
  # What upstream's `go generate` (cmd/pulumi-resource-kubernetes/generate.go) does: stamp the
  # version into the schema and compact both files; main.go embeds the results.
  node - "$moddir/cmd/pulumi-resource-kubernetes" "$MODS/kubernetes-provider" "$srcver" <<'EOF'
const fs = require("fs");
const [src, dst, version] = process.argv.slice(2);
const write = (name, text) => {
  const p = dst + "/" + name;
  if (!fs.existsSync(p) || fs.readFileSync(p, "utf8") !== text) fs.writeFileSync(p, text);
};
const schema = JSON.parse(fs.readFileSync(src + "/schema.json", "utf8"));
schema.version = version;
write("schema-embed.json", JSON.stringify(schema));
write("terraform-mapping-embed.json", JSON.stringify(JSON.parse(fs.readFileSync(src + "/terraform-mapping.json", "utf8"))));
EOF
  mkdir -p "$LIBEXEC"
  gobuild kubernetes-provider -ldflags "$ldflags" -o "$LIBEXEC/pulumi-resource-kubernetes" .
  # The engine asks for the version @pulumi/kubernetes names; the plugin cache is looked up by
  # that name, offline, without the PATH warning. --reinstall replaces an older build.
  log "pulumi-resource-kubernetes: installing into plugin cache $PULUMI_HOME as v$PULUMI_KUBERNETES_VERSION"
  "$BIN/pulumi" plugin install resource kubernetes "v$PULUMI_KUBERNETES_VERSION" \
    --file "$LIBEXEC/pulumi-resource-kubernetes" --reinstall >&2
  [[ -x "$plugdir/pulumi-resource-kubernetes" ]] || die "plugin install did not create $plugdir/pulumi-resource-kubernetes"
  mark_done kubernetes-provider "$hash"
}

build_etcd() {
  local hash
  hash="$(inputs_hash etcd "-s -w")"
  if up_to_date etcd "$hash" "$BIN/etcd"; then log "etcd v$ETCD_VERSION: up to date"; return; fi
  check_module etcd go.etcd.io/etcd/server/v3 "v$ETCD_VERSION"
  log "etcd v$ETCD_VERSION: building (go.etcd.io/etcd/server/v3/etcdmain)"
  mkdir -p "$BIN"
  gobuild etcd -ldflags "-s -w" -o "$BIN/etcd" ./cmd/etcd
  mark_done etcd "$hash"
}

build_kwok() {
  local ldflags hash
  # KubeVersion is what kwokctl assumes the control plane runs (it picks component flags by it).
  ldflags="-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=v$KWOK_VERSION -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=v$KUBERNETES_VERSION"
  hash="$(inputs_hash kwok "$ldflags")"
  if up_to_date kwok "$hash" "$BIN/kwok" "$BIN/kwokctl"; then log "kwok v$KWOK_VERSION: up to date"; return; fi
  check_module kwok sigs.k8s.io/kwok "v$KWOK_VERSION"
  log "kwok v$KWOK_VERSION: building (sigs.k8s.io/kwok/cmd/kwok, kwokctl)"
  mkdir -p "$BIN"
  gobuild kwok -ldflags "$ldflags" -o "$BIN/" tool
  mark_done kwok "$hash"
}

build_kubernetes() {
  local v="v$KUBERNETES_VERSION" minor ldflags="-s -w" pkg hash
  minor="$(cut -d. -f2 <<<"$KUBERNETES_VERSION")"
  # What hack/lib/version.sh stamps; without it servers report v0.0.0 and clients (the Pulumi
  # provider among them) reject them.
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitCommit=$KUBERNETES_GIT_COMMIT -X $pkg.gitTreeState=clean -X $pkg.buildDate=$KUBERNETES_BUILD_DATE"
  done
  hash="$(inputs_hash kubernetes "$ldflags")"
  local outs=() c
  for c in kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy; do outs+=("$BIN/$c"); done
  if up_to_date kubernetes "$hash" "${outs[@]}"; then log "kubernetes $v: up to date"; return; fi
  check_module kubernetes k8s.io/kubernetes "$v"
  check_module kubernetes k8s.io/api "v0.$minor.${KUBERNETES_VERSION##*.}"
  log "kubernetes $v: building kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy (the slow one)"
  mkdir -p "$BIN"
  # One invocation: the six commands share most packages, so they compile once.
  gobuild kubernetes -ldflags "$ldflags" -o "$BIN/" tool
  [[ "$("$BIN/kubectl" version --client -o json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).clientVersion.gitVersion))')" == "$v" ]] ||
    die "kubectl does not report $v; version stamping failed"
  mark_done kubernetes "$hash"
}

build_kube_score() {
  local v="v$KUBE_SCORE_VERSION" ldflags hash
  # What upstream's goreleaser stamps; `kube-score version` prints them.
  ldflags="-s -w -X main.version=$v -X main.commit=$KUBE_SCORE_GIT_COMMIT -X main.date=$KUBE_SCORE_BUILD_DATE"
  hash="$(inputs_hash kube-score "$ldflags")"
  if up_to_date kube-score "$hash" "$BIN/kube-score"; then log "kube-score $v: up to date"; return; fi
  check_module kube-score github.com/zegl/kube-score "$v"
  log "kube-score $v: building (github.com/zegl/kube-score/cmd/kube-score)"
  mkdir -p "$BIN"
  gobuild kube-score -ldflags "$ldflags" -o "$BIN/" tool
  [[ "$("$BIN/kube-score" version)" == "kube-score version: $v, "* ]] ||
    die "built kube-score reports '$("$BIN/kube-score" version)', expected $v"
  mark_done kube-score "$hash"
}

build_external_snapshotter() {
  local m=github.com/kubernetes-csi/external-snapshotter v="v$EXTERNAL_SNAPSHOTTER_VERSION" ldflags hash clientdir f
  ldflags="-s -w -X main.version=$v"
  hash="$(inputs_hash external-snapshotter "$ldflags")"
  if up_to_date external-snapshotter "$hash" "$BIN/snapshot-controller" "$BIN/local-csi-node" "$CRDS/snapshot"; then
    log "external-snapshotter $v: up to date"; return
  fi
  check_module external-snapshotter "$m/v8" "$v"
  check_module external-snapshotter "$m/client/v8" "$v"
  log "external-snapshotter $v: building snapshot-controller ($m/v8/cmd/snapshot-controller) and local-csi-node (ours)"
  mkdir -p "$BIN"
  gobuild external-snapshotter -ldflags "$ldflags" -o "$BIN/" "$m/v8/cmd/snapshot-controller" ./cmd/local-csi-node
  [[ "$("$BIN/snapshot-controller" --version)" == *" $v" ]] ||
    die "built snapshot-controller reports '$("$BIN/snapshot-controller" --version)', expected $v"
  # The CRDs of the same tag, as upstream ships them (client/config/crd): VolumeSnapshot,
  # VolumeSnapshotContent, VolumeSnapshotClass and their group counterparts.
  clientdir="$(cd "$MODS/external-snapshotter" && go mod download -json "$m/client/v8" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).Dir))')"
  rm -rf "$CRDS/snapshot"; mkdir -p "$CRDS/snapshot"
  for f in "$clientdir"/config/crd/*.storage.k8s.io_*.yaml; do install -m 0644 "$f" "$CRDS/snapshot/"; done
  [[ -f "$CRDS/snapshot/snapshot.storage.k8s.io_volumesnapshots.yaml" ]] || die "no VolumeSnapshot CRD in $clientdir/config/crd"
  mark_done external-snapshotter "$hash"
}

build_karpenter_crds() {
  local m=sigs.k8s.io/karpenter v="v$KARPENTER_VERSION" file=pkg/apis/crds/karpenter.sh_nodepools.yaml hash info zip sum
  hash="$(printf '%s\n' "$v" "$KARPENTER_MODULE_SUM" | sha256sum | cut -d' ' -f1)"
  if up_to_date karpenter-crds "$hash" "$CRDS/karpenter"; then log "karpenter $v NodePool CRD: up to date"; return; fi
  log "karpenter $v: taking $file out of the module"
  # The module needs a newer Go than ours to be unpacked, so `go mod download` reports an error
  # after it has fetched and verified the zip; the zip and its hash are what is used.
  command -v unzip >/dev/null || die "unzip is not on PATH (Debian: apt-get install unzip); it takes the CRD out of $m@$v's zip"
  info="$(cd "$(mktemp -d)" && GOFLAGS= go mod download -json "$m@$v" 2>/dev/null || true)"
  read -r zip sum < <(node -e 'const j=JSON.parse(process.argv[1]||"{}");console.log(j.Zip||"-",j.Sum||"-")' "$info")
  [[ -f "$zip" ]] || die "the module proxy did not give $m@$v: $info"
  [[ "$sum" == "$KARPENTER_MODULE_SUM" ]] ||
    die "$m@$v has hash $sum, toolchain/versions.env has KARPENTER_MODULE_SUM=$KARPENTER_MODULE_SUM"
  rm -rf "$CRDS/karpenter"; mkdir -p "$CRDS/karpenter"
  unzip -p "$zip" "$m@$v/$file" > "$CRDS/karpenter/$(basename "$file")"
  grep -q '^  name: nodepools.karpenter.sh$' "$CRDS/karpenter/$(basename "$file")" ||
    die "$file in $m@$v is not the NodePool CRD"
  mark_done karpenter-crds "$hash"
}

# ---------------------------------------------------------------------------------------------
main() {
  local want=("$@") c t0 total
  [[ ${#want[@]} -gt 0 ]] || want=("${COMPONENTS[@]}")
  for c in "${want[@]}"; do
    [[ " ${COMPONENTS[*]} " == *" $c "* ]] || die "unknown component '$c' (choose from: ${COMPONENTS[*]})"
  done
  # The provider is installed with the CLI, so it needs it.
  if [[ " ${want[*]} " == *" kubernetes-provider "* && " ${want[*]} " != *" pulumi "* ]]; then want=(pulumi "${want[@]}"); fi

  total="$(now)"
  log "output: $OUT (go $GOVER, -p $JOBS, GOMODCACHE=$(go env GOMODCACHE), GOCACHE=$(go env GOCACHE))"
  t0="$(now)"; check_lock; log "version check: ok ($(elapsed "$t0"))"
  for c in "${COMPONENTS[@]}"; do
    [[ " ${want[*]} " == *" $c "* ]] || continue
    t0="$(now)"
    "build_${c//-/_}"
    log "step $c: $(elapsed "$t0")"
  done
  log "done in $(elapsed "$total"); use it with: source toolchain/env.sh"
}

main "$@"
