#!/usr/bin/env bash
# Stops the local test cluster and deletes its state (.cluster/), including the hostpath
# volumes (.cluster/volumes/), and undoes what its node did to this machine (containers, mounts,
# the pod bridge, kube-proxy's iptables rules). Safe to run when nothing is up.
#
#   bash test-cluster/down.sh
#   STICKY_CLUSTER_KEEP_VOLUMES=1 bash test-cluster/down.sh   # leave .cluster/volumes/
#
# Only processes whose pid files up.sh and kwokctl wrote for this cluster are stopped.
set -euo pipefail
# shellcheck source=test-cluster/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=test-cluster/node.sh
source "$CLUSTER_SCRIPTS/node.sh"

KEEP_VOLUMES="${STICKY_CLUSTER_KEEP_VOLUMES:-0}"

if [[ ! -d "$CLUSTER_DIR" ]]; then
  log "no cluster state in $CLUSTER_DIR; nothing to do"
  exit 0
fi

# The node first, while the API server still answers: its containers, mounts, bridge and
# iptables rules are undone on this machine.
node_down

pids=()
while IFS= read -r pid; do [[ -n "$pid" ]] && pids+=("$pid"); done < <(cluster_pids)

if [[ -d "$KWOK_CLUSTER_DIR" && -x "$TOOLBIN/kwokctl" ]]; then
  log "deleting cluster $CLUSTER_NAME (stops its processes)"
  # kwokctl wants a kubeconfig to remove its context from (~/.kube/config by default, and "" is
  # rejected with "empty path"); up.sh never added one anywhere, so hand it a scratch file.
  kwokctl delete cluster --name "$CLUSTER_NAME" --kubeconfig "$CLUSTER_DIR/kubeconfig.kwokctl-scratch" >&2 ||
    log "kwokctl delete cluster failed; stopping the processes by pid instead"
fi

# Whatever kwokctl left running (or could not stop without its binary): stop it by pid.
# kube-apiserver drains its watches on SIGTERM, which can take several seconds.
if [[ ${#pids[@]} -gt 0 ]]; then stop_pids 30 "${pids[@]}"; fi

# Nothing of this cluster may be left running or mounted, whatever kwokctl and node_down said.
leftovers=()
[[ -z "$(cluster_pids)" ]] || leftovers+=("control-plane processes $(cluster_pids | xargs)")
for name in "${NODE_PROCESSES[@]}"; do
  pid="$(node_pid "$name")" && leftovers+=("$name ($pid)")
done
grep -qF " $CLUSTER_DIR/" /proc/mounts && leftovers+=("mounts under $CLUSTER_DIR")
ip link show "$NODE_BRIDGE" >/dev/null 2>&1 && leftovers+=("bridge $NODE_BRIDGE")
[[ ${#leftovers[@]} -eq 0 ]] ||
  die "could not undo everything; still there: ${leftovers[*]}. State kept in $CLUSTER_DIR; see its logs, then run this again."

if [[ "$KEEP_VOLUMES" == 1 && -d "$VOLUMES_DIR" ]]; then
  log "keeping the volume directories in $VOLUMES_DIR (STICKY_CLUSTER_KEEP_VOLUMES=1)"
  find "$CLUSTER_DIR" -mindepth 1 -maxdepth 1 ! -path "$VOLUMES_DIR" -exec rm -rf -- {} +
  log "cluster $CLUSTER_NAME is down; only $VOLUMES_DIR is left"
else
  rm -rf -- "$CLUSTER_DIR"
  log "cluster $CLUSTER_NAME is down; $CLUSTER_DIR removed (its volumes with it)"
fi
