#!/usr/bin/env bash
# Starts the local test cluster (or reports that it is already up) and prints how to use it.
#
#   bash test-cluster/up.sh
#
# A control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, started by
# kwokctl --runtime binary) and one real node (containerd, runc, kubelet, kube-proxy and
# local-cloud; see node.sh). Needs root, the binaries from `bash toolchain/build.sh` and Debian's
# containerd, runc, containernetworking-plugins and iptables. Downloads nothing but Debian
# packages for the images (test-cluster/images.sh). Writes only under .cluster/ and
# .toolchain/images/, listens only on 127.0.0.1, and never touches ~/.kube.
#
# Knobs: STICKY_CLUSTER_PORT (API server port, default: a free one), STICKY_CLUSTER_TIMEOUT
# (seconds to wait for readiness, default 180), STICKY_KUBELET_PORT (default 10250).
set -euo pipefail
# shellcheck source=test-cluster/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=test-cluster/node.sh
source "$CLUSTER_SCRIPTS/node.sh"

PORT="${STICKY_CLUSTER_PORT:-0}"
[[ "$PORT" =~ ^[0-9]+$ ]] || die "STICKY_CLUSTER_PORT must be a port number, got '$PORT'"

need_bins kwokctl etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy \
  snapshot-controller local-csi-node
# What an EKS Auto Mode cluster serves besides Kubernetes' own kinds: the VolumeSnapshot CRDs and
# Karpenter's NodePool CRD, taken out of their upstream modules by toolchain/build.sh.
CRDS_DIR="${STICKY_TOOLCHAIN_DIR:-$CLUSTER_ROOT/.toolchain}/crds"
for crd in snapshot/snapshot.storage.k8s.io_volumesnapshots.yaml karpenter/karpenter.sh_nodepools.yaml; do
  [[ -f "$CRDS_DIR/$crd" ]] || die "missing $CRDS_DIR/$crd. Build it first: bash toolchain/build.sh external-snapshotter karpenter-crds"
done
node_need_host_tools

usage() {
  local server nodes
  server="$(kctl config view --minify -o jsonpath='{.clusters[0].cluster.server}')"
  nodes="$(kctl get nodes --no-headers 2>/dev/null | wc -l)"
  cat >&2 <<EOF

Cluster "$CLUSTER_NAME" is up: API server $server (loopback only), $nodes real node(s),
default StorageClass "hostpath" (volumes in $VOLUMES_DIR) and "hostpath-expandable" (the
same directories; claims can grow, local-cloud resizes them), LoadBalancer Services answer
on 127.0.0.1:<port> and report "localhost", like Docker Desktop. Like EKS Auto Mode: the node is
in zone $NODE_ZONE; the EBS driver ebs.csi.eks.amazonaws.com (stood in), the snapshot-controller
with the VolumeSnapshot CRDs, the NodePool and NodeClass CRDs, and Services of class
eks.amazonaws.com/nlb on 127.0.0.1:<port>. Images (no registry here):
$(bash "$CLUSTER_SCRIPTS/images.sh" names | sed 's/^/  /')

  export KUBECONFIG=$CLUSTER_KUBECONFIG   # context: $CLUSTER_NAME
  kubectl get nodes
  # the dev stack: pulumi config set sticky:kubeContext $CLUSTER_NAME --stack dev

Stop it and delete its state with: bash test-cluster/down.sh
EOF
}

if api_healthy && node_running; then
  log "cluster $CLUSTER_NAME is already up"
  usage
  exit 0
fi

if api_healthy; then
  log "the control plane is up; (re)starting the node"
elif [[ -d "$KWOK_CLUSTER_DIR" && -n "$(cluster_pids)" ]]; then
  # Some of its processes run but the API does not answer: still starting, or half stopped
  # (kube-apiserver can take a minute to drain after SIGTERM). Give it a moment, never a second copy.
  log "cluster processes are running but the API server does not answer yet; waiting up to 30s"
  for _ in $(seq 1 30); do api_healthy && break; sleep 1; done
  api_healthy ||
    die "cluster processes ($(cluster_pids | xargs)) run but the API server does not answer. Reset with: bash test-cluster/down.sh && bash test-cluster/up.sh"
elif [[ -d "$KWOK_CLUSTER_DIR" ]]; then
  # State from an earlier run whose processes are gone (a reboot, a killed shell): bring the same
  # cluster back rather than silently wiping it.
  log "found stopped cluster state in $KWOK_CLUSTER_DIR; restarting its processes"
  for _ in $(seq 1 60); do zombie_pids_exist || break; sleep 1; done
  # None of the recorded pids is a live component (checked above), but one may have been reused by
  # an unrelated process since (a reboot); kwokctl would then skip that component.
  rm -f "$KWOK_CLUSTER_DIR"/pids/*.pid
  kwokctl start cluster --name "$CLUSTER_NAME" >&2 ||
    die "could not restart the existing cluster. Start from scratch with: bash test-cluster/down.sh && bash test-cluster/up.sh"
else
  mkdir -p "$CLUSTER_DIR"
  config="$CLUSTER_DIR/kwokctl.yaml"
  # Binaries are given by path, so kwokctl never reaches for its download URLs; everything
  # listens on 127.0.0.1 (kwokctl's default is 0.0.0.0).
  cat > "$config" <<EOF
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  runtime: binary
  bindAddress: 127.0.0.1
  kubeApiserverPort: $PORT
  kubeVersion: v$KUBERNETES_VERSION
  etcdBinary: $TOOLBIN/etcd
  kubeApiserverBinary: $TOOLBIN/kube-apiserver
  kubeControllerManagerBinary: $TOOLBIN/kube-controller-manager
  kubeSchedulerBinary: $TOOLBIN/kube-scheduler
  kubectlBinary: $TOOLBIN/kubectl
  kwokControllerBinary: $TOOLBIN/kwok
  # No KWOK controller: the node is real (node.sh).
  disable:
  - kwok-controller
componentsPatches:
- name: kube-apiserver
  extraArgs:
  # exec, logs and port-forward go to the kubelet at the node's InternalIP (127.0.0.1), with a
  # client certificate the kubelet checks against the cluster CA.
  - key: kubelet-client-certificate
    value: $KWOK_CLUSTER_DIR/pki/admin.crt
  - key: kubelet-client-key
    value: $KWOK_CLUSTER_DIR/pki/admin.key
  - key: kubelet-preferred-address-types
    value: InternalIP
EOF
  log "creating cluster $CLUSTER_NAME (kwokctl --runtime binary, state in $KWOK_CLUSTER_DIR)"
  # --kubeconfig "": do not add a context to ~/.kube/config.
  kwokctl create cluster --name "$CLUSTER_NAME" --config "$config" --kubeconfig "" >&2 ||
    die "kwokctl create cluster failed; logs are in $KWOK_CLUSTER_DIR/logs/. Clean up with: bash test-cluster/down.sh"
fi

# Our own kubeconfig: kwokctl's, certificates inlined, context renamed to the name the dev stack
# is told to use.
src="$KWOK_CLUSTER_DIR/kubeconfig.yaml"
[[ -f "$src" ]] || die "kwokctl did not write $src"
tmp="$(mktemp "$CLUSTER_DIR/kubeconfig.XXXXXX")"
"$TOOLBIN/kubectl" --kubeconfig "$src" config view --raw --flatten > "$tmp"
"$TOOLBIN/kubectl" --kubeconfig "$tmp" config rename-context "kwok-$CLUSTER_NAME" "$CLUSTER_NAME" >/dev/null
"$TOOLBIN/kubectl" --kubeconfig "$tmp" config use-context "$CLUSTER_NAME" >/dev/null
chmod 600 "$tmp"
mv "$tmp" "$CLUSTER_KUBECONFIG"

log "waiting for the API server"
wait_for "the API server (/readyz)" api_healthy

log "creating StorageClasses hostpath and hostpath-expandable"
kctl apply -f "$CLUSTER_SCRIPTS/manifests/storageclass-hostpath.yaml" \
  -f "$CLUSTER_SCRIPTS/manifests/storageclass-hostpath-expandable.yaml" >&2

# Server-side: the NodePool CRD is too big for kubectl's last-applied annotation.
log "creating what an EKS Auto Mode cluster has: the VolumeSnapshot CRDs, Karpenter's NodePool CRD, a NodeClass CRD (stand-in), the CSIDriver ebs.csi.eks.amazonaws.com"
kctl apply --server-side --force-conflicts -f "$CRDS_DIR/snapshot/" -f "$CRDS_DIR/karpenter/" \
  -f "$CLUSTER_SCRIPTS/manifests/nodeclass-crd.yaml" -f "$CLUSTER_SCRIPTS/manifests/csidriver-ebs.yaml" >&2
wait_for "the CRDs to be established" kctl wait --for=condition=Established --timeout=5s \
  crd/volumesnapshots.snapshot.storage.k8s.io crd/volumesnapshotcontents.snapshot.storage.k8s.io \
  crd/volumesnapshotclasses.snapshot.storage.k8s.io crd/nodepools.karpenter.sh crd/nodeclasses.eks.amazonaws.com

node_up
# Pods cannot be created before kube-controller-manager has made the namespace's default
# ServiceAccount; a deployment right after up.sh would otherwise fail at random.
wait_for "ServiceAccount default/default" kctl get serviceaccount default -n default
wait_for "StorageClass hostpath" kctl get storageclass hostpath
wait_for "StorageClass hostpath-expandable" kctl get storageclass hostpath-expandable

log "cluster $CLUSTER_NAME is ready"
usage
