#!/usr/bin/env bash
# Stops the local test cluster and deletes its state (.cluster/), including the hostpath
# volumes its PersistentVolumes point at (/tmp/hostpath_pv/<uuid>). Safe to run when nothing is up.
#
#   bash scripts/cluster/down.sh
#   STICKY_CLUSTER_KEEP_VOLUMES=1 bash scripts/cluster/down.sh   # leave the volume directories
#
# Only processes whose pid files kwokctl wrote for this cluster are stopped.
set -euo pipefail
# shellcheck source=scripts/cluster/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

KEEP_VOLUMES="${STICKY_CLUSTER_KEEP_VOLUMES:-0}"

if [[ ! -d "$CLUSTER_DIR" ]]; then
  log "no cluster state in $CLUSTER_DIR; nothing to do"
  exit 0
fi

# The volume directories are known only to the API (the PV objects), so read them while it is up.
volumes=()
if [[ "$KEEP_VOLUMES" != 1 ]]; then
  if api_healthy; then
    while IFS= read -r p; do
      # Only what the in-tree provisioner creates: /tmp/hostpath_pv/<uuid>.
      [[ "$p" =~ ^$HOSTPATH_PV_DIR/[0-9a-f-]+$ ]] && volumes+=("$p")
    done < <(kctl get pv -o jsonpath='{range .items[*]}{.spec.hostPath.path}{"\n"}{end}' 2>/dev/null || true)
  elif [[ -d "$KWOK_CLUSTER_DIR" ]]; then
    log "API server not reachable: cannot list this cluster's volumes; any left in $HOSTPATH_PV_DIR stay"
  fi
fi

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
if [[ ${#pids[@]} -gt 0 ]]; then
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  # kube-apiserver drains its watches on SIGTERM, which can take several seconds.
  for _ in $(seq 1 60); do
    alive=()
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive+=("$pid"); done
    [[ ${#alive[@]} -eq 0 ]] && break
    sleep 0.5
  done
  for pid in "${alive[@]}"; do
    log "process $pid did not stop; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  done
fi

if [[ ${#volumes[@]} -gt 0 ]]; then
  log "removing ${#volumes[@]} hostpath volume(s) under $HOSTPATH_PV_DIR"
  rm -rf -- "${volumes[@]}"
  rmdir "$HOSTPATH_PV_DIR" 2>/dev/null || true  # only if no other cluster uses it
elif [[ "$KEEP_VOLUMES" == 1 ]]; then
  log "keeping volume directories in $HOSTPATH_PV_DIR (STICKY_CLUSTER_KEEP_VOLUMES=1)"
fi

rm -rf -- "$CLUSTER_DIR"
log "cluster $CLUSTER_NAME is down; $CLUSTER_DIR removed"
