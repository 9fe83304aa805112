# shellcheck shell=bash disable=SC2034  # variables used by the scripts that source this
# Shared settings for test-cluster/{up,down}.sh. Sourced, not run.
#
# The test cluster: kube-apiserver, kube-controller-manager, kube-scheduler, etcd and the KWOK
# controller as plain processes started by kwokctl (--runtime binary) from .toolchain/bin,
# everything bound to 127.0.0.1, all state under .cluster/. One real node: see node.sh.

CLUSTER_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLUSTER_SCRIPTS="$CLUSTER_ROOT/test-cluster"
# shellcheck source=toolchain/versions.env
source "$CLUSTER_ROOT/toolchain/versions.env"

CLUSTER_NAME="${STICKY_CLUSTER_NAME:-sticky-test}"   # kwokctl cluster name and kube context
CLUSTER_DIR="${STICKY_CLUSTER_DIR:-$CLUSTER_ROOT/.cluster}"
CLUSTER_KUBECONFIG="$CLUSTER_DIR/kubeconfig"
TOOLBIN="${STICKY_TOOLCHAIN_DIR:-$CLUSTER_ROOT/.toolchain}/bin"

# kwokctl keeps everything (pki, etcd data, pids, logs, its own kubeconfig) under its workdir,
# ~/.kwok by default; keep it inside .cluster/ instead.
export KWOK_WORKDIR="$CLUSTER_DIR/kwok"
KWOK_CLUSTER_DIR="$KWOK_WORKDIR/clusters/$CLUSTER_NAME"
# The flags kwokctl generates depend on the Kubernetes minor it believes it runs.
export KWOK_KUBE_VERSION="v$KUBERNETES_VERSION"

# How kwokctl is run:
# - PATH: kwokctl runs the first `kubectl` on PATH (before the kubectlBinary of its config) to
#   wait for the API server; on this kind of machine that can be a cloud SDK's dispatcher that
#   goes to the network. Ours comes first.
# - HOME: kwokctl and the components it starts default to files under $HOME (client-go's HTTP
#   cache in ~/.kube/cache, for one); they get a home inside .cluster/ instead.
# - -v WARN: our own log lines say what happens; kwokctl's JSON INFO lines only add noise.
kwokctl() {
  mkdir -p "$CLUSTER_DIR/home"
  PATH="$TOOLBIN:$PATH" HOME="$CLUSTER_DIR/home" "$TOOLBIN/kwokctl" -v WARN "$@"
}

# True while a pid from the pid files is a zombie: a killed component that init has not reaped
# yet (slow here, where pid 1 is not a real init). kwokctl treats any existing pid as a running
# component, so a restart has to wait for them.
zombie_pids_exist() {
  local f pid
  for f in "$KWOK_CLUSTER_DIR"/pids/*.pid; do
    [[ -f "$f" ]] || continue
    pid="$(tr -dc '0-9' < "$f")"
    [[ -n "$pid" && "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" == Z ]] && return 0
  done
  return 1
}

# Never read or write the user's kubeconfig: every kubectl call names ours explicitly, and an
# inherited KUBECONFIG must not leak into kwokctl either.
unset KUBECONFIG

log() { printf '[cluster %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[cluster] ERROR: %s\n' "$*" >&2; exit 1; }

# How long a script may wait, in all, for what it starts (STICKY_CLUSTER_TIMEOUT, default 180 s):
# one deadline from when this file is sourced, shared by every wait_for of the run.
CLUSTER_TIMEOUT="${STICKY_CLUSTER_TIMEOUT:-180}"
[[ "$CLUSTER_TIMEOUT" =~ ^[0-9]+$ ]] || die "STICKY_CLUSTER_TIMEOUT must be a number of seconds, got '$CLUSTER_TIMEOUT'"
CLUSTER_DEADLINE=$((SECONDS + CLUSTER_TIMEOUT))

# Runs a command until it succeeds, or dies at the deadline naming what it waited for.
wait_for() { # description, then a command that succeeds when ready
  local what="$1"; shift
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= CLUSTER_DEADLINE)); then
      die "timed out after ${CLUSTER_TIMEOUT}s waiting for $what. Logs: $KWOK_CLUSTER_DIR/logs/ (fix, then: bash test-cluster/down.sh && bash test-cluster/up.sh)"
    fi
    sleep 1
  done
}

# --cache-dir: kubectl's discovery cache would otherwise be created in ~/.kube/cache.
kctl() {
  "$TOOLBIN/kubectl" --kubeconfig "$CLUSTER_KUBECONFIG" --context "$CLUSTER_NAME" \
    --cache-dir "$CLUSTER_DIR/kube-cache" "$@"
}

need_bins() {
  local b missing=()
  for b in "$@"; do [[ -x "$TOOLBIN/$b" ]] || missing+=("$b"); done
  [[ ${#missing[@]} -eq 0 ]] ||
    die "missing ${missing[*]} in $TOOLBIN. Build them first: bash toolchain/build.sh etcd kwok kubernetes"
}

api_healthy() {
  [[ -f "$CLUSTER_KUBECONFIG" ]] && kctl get --raw /readyz --request-timeout=5s >/dev/null 2>&1
}

# The pid in a pid file, if that process is alive: not a zombie (killed components linger until
# init reaps them) and its command line names `dir` (after a reboot a stale pid file can point at
# an unrelated process that got the same number). Fails otherwise.
live_pid() { # pid file, directory its command line must name
  local pid state
  [[ -f "$1" ]] || return 1
  pid="$(tr -dc '0-9' < "$1")"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
  [[ -n "$state" && "$state" != Z ]] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF "$2/" || return 1
  echo "$pid"
}

# Stops processes: SIGTERM, up to `seconds` for them to exit (zombies count as gone), then
# SIGKILL for any left.
stop_pids() { # seconds, then pids
  local seconds="$1" pid alive=() state i
  shift
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for ((i = 0; i < seconds * 4; i++)); do
    alive=()
    for pid in "$@"; do
      state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
      [[ -n "$state" && "$state" != Z ]] && alive+=("$pid")
    done
    [[ ${#alive[@]} -eq 0 ]] && return 0
    sleep 0.25
  done
  for pid in "${alive[@]}"; do
    log "process $pid did not stop in ${seconds}s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  done
}

# PIDs of the live processes kwokctl started for this cluster (one pid file per component).
cluster_pids() {
  local f
  for f in "$KWOK_CLUSTER_DIR"/pids/*.pid; do live_pid "$f" "$KWOK_CLUSTER_DIR" || true; done
  return 0
}
