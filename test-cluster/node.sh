# shellcheck shell=bash
# The test cluster's one real node, for test-cluster/{up,down}.sh. Sourced after common.sh, whose
# settings and helpers (log, die, kctl, live_pid, stop_pids, wait_for) are all it uses.
#
# What runs, all as plain processes of this machine (root), their state under $NODE_DIR (the
# few paths they hard-code elsewhere are tidied by node_down):
#   containerd   Debian's containerd + runc, its own socket, root and state;
#                images come from test-cluster/images.sh (built from Debian packages and
#                imported), because no registry can be reached: pulls fail by design.
#   CNI          Debian's bridge + host-local plugins: bridge $NODE_BRIDGE, pods on $POD_CIDR.
#                No masquerade: pods need no way out of this machine.
#   kubelet      the same Kubernetes release as the control plane; its API only on $NODE_IP
#                (the bridge, host-only), client certificates from the cluster CA,
#                authorization by the API server.
#   kube-proxy   iptables mode; ClusterIPs work from this machine and from pods.
#   local-cloud  test-cluster/local-cloud.mjs: what Docker Desktop adds to its cluster, a
#                LoadBalancer that answers on localhost and a "hostpath" volume provisioner;
#                and what EKS Auto Mode adds: its NLB class and the controller half of its EBS
#                driver (test-cluster/local-ebs.mjs).
#   local-csi-node  the node half of that driver (toolchain/modules/external-snapshotter):
#                registered with the kubelet, it bind-mounts the driver's volume directories.
#   snapshot-controller  kubernetes-csi's, as EKS's snapshot-controller add-on runs it.
# The node carries a zone, as EKS labels its nodes (and Auto Mode's its compute type).

NODE_NAME="sticky-node"
NODE_DIR="$CLUSTER_DIR/node"
NODE_BRIDGE="sticky0"
POD_CIDR="10.244.0.0/24"
# The bridge's own address: the pods' gateway, and the node's InternalIP, where the API server
# reaches the kubelet (the kubelet refuses a loopback node IP). Host-only: nothing routes to it.
NODE_IP="10.244.0.1"
CONTAINERD_SOCK="$NODE_DIR/containerd/containerd.sock"
VOLUMES_DIR="$CLUSTER_DIR/volumes"
KUBELET_PORT="${STICKY_KUBELET_PORT:-10250}"
NODE_PROCESSES=(containerd kubelet kube-proxy local-cloud local-csi-node snapshot-controller)
# The zone the node is in (the first of the prod stack's region, eu-west-1), and the labels EKS
# gives its nodes that the prod stack's objects select on.
NODE_ZONE="eu-west-1a"
NODE_LABELS="topology.kubernetes.io/region=eu-west-1,topology.kubernetes.io/zone=$NODE_ZONE,eks.amazonaws.com/compute-type=auto"
# Kernel settings the node changes: the kubelet's "kernel tunables" (it sets them unless told to
# fail instead), IP forwarding (the CNI bridge plugin) and route_localnet (kube-proxy, for
# NodePorts on 127.0.0.1). node_up saves them, node_down puts them back.
NODE_SYSCTLS=(vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops
  kernel/keys/root_maxkeys kernel/keys/root_maxbytes net/ipv4/ip_forward
  net/ipv4/conf/all/route_localnet)
# What host-packages.sh installs: the runtime, and a compiler with a static libc for the pause image.
# shellcheck disable=SC2034  # read by host-packages.sh
NODE_DEBIAN_PACKAGES=(containerd runc containernetworking-plugins iptables gcc libc6-dev)

ctrd() { ctr --address "$CONTAINERD_SOCK" --namespace k8s.io "$@"; }

node_need_host_tools() {
  local t missing=()
  for t in containerd containerd-shim-runc-v2 runc ctr iptables ip node; do
    command -v "$t" >/dev/null || missing+=("$t")
  done
  [[ -x /usr/lib/cni/bridge && -x /usr/lib/cni/host-local && -x /usr/lib/cni/loopback ]] ||
    missing+=("CNI plugins in /usr/lib/cni")
  [[ ${#missing[@]} -eq 0 ]] || die "the real node needs ${missing[*]}. Install them with:
  bash test-cluster/host-packages.sh"
  [[ "$(id -u)" == 0 ]] || die "the real node runs containers, which needs root (running as uid $(id -u))"
}

# Starts one node process in its own session, so it outlives this script; logs and pid under
# $NODE_DIR.
node_spawn() { # name, then the command
  local name="$1"; shift
  setsid "$@" > "$NODE_DIR/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$NODE_DIR/pids/$name.pid"
}

# Live pid of a node process, if any (see live_pid).
node_pid() { live_pid "$NODE_DIR/pids/$1.pid" "$CLUSTER_DIR"; }

node_running() {
  local name
  for name in "${NODE_PROCESSES[@]}"; do node_pid "$name" >/dev/null || return 1; done
}

node_write_configs() {
  local pki="$KWOK_CLUSTER_DIR/pki"
  mkdir -p "$NODE_DIR"/{logs,pids,cni,cni-ipam,kubelet,containerd} "$VOLUMES_DIR"

  cat > "$NODE_DIR/containerd.toml" <<EOF
# Written by test-cluster/node.sh. containerd for the test cluster's node only.
version = 2
root = "$NODE_DIR/containerd/root"
state = "$NODE_DIR/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "$CONTAINERD_SOCK"

[plugins."io.containerd.grpc.v1.cri"]
  # Built by test-cluster/images.sh; it cannot be pulled.
  sandbox_image = "$(image_ref pause)"
  # Pod network namespaces under the state dir, not /var/run/netns, so they are this node's alone.
  netns_mounts_under_state_dir = true
  # This machine's root lacks CAP_SYS_RESOURCE, so the kubelet's negative oom_score_adj for
  # sandboxes (-998) would fail every pod ("can't get final child's PID from pipe"). Clamp it at
  # containerd's own score instead, as rootless setups do.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$NODE_DIR/cni"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        # The kubelet drives cgroups directly (cgroupfs); this machine has no systemd.
        SystemdCgroup = false
EOF

  cat > "$NODE_DIR/cni/10-sticky.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "sticky",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$NODE_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$POD_CIDR" }]],
        "dataDir": "$NODE_DIR/cni-ipam"
      }
    }
  ]
}
EOF

  cat > "$NODE_DIR/kubelet.yaml" <<EOF
# Written by test-cluster/node.sh.
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# The API server reaches the kubelet (exec, logs) at the node's InternalIP, the bridge address.
address: $NODE_IP
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 0
authentication:
  anonymous:
    enabled: false
  x509:
    clientCAFile: $pki/ca.crt
  webhook:
    enabled: true
authorization:
  mode: Webhook
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
cgroupDriver: cgroupfs
# This machine has cgroup v1, which Kubernetes 1.34 still runs on when told to.
failCgroupV1: false
failSwapOn: false
registerNode: true
# A test node on a shared disk: evict only when the disk is really full, never garbage-collect
# the imported images (they cannot be pulled again).
evictionHard:
  memory.available: 100Mi
  nodefs.available: 1%
  imagefs.available: 1%
# Container logs with the rest of the node's state, not in /var/log/pods.
podLogsDir: $NODE_DIR/pod-logs
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
EOF

  cat > "$NODE_DIR/kube-proxy.yaml" <<EOF
# Written by test-cluster/node.sh.
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: $CLUSTER_KUBECONFIG
hostnameOverride: $NODE_NAME
mode: iptables
clusterCIDR: $POD_CIDR
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# Lowering its OOM score needs CAP_SYS_RESOURCE, which root lacks on this kind of machine.
oomScoreAdj: 0
# NodePorts only on loopback, never on this machine's network.
nodePortAddresses: ["127.0.0.1/32"]
conntrack:
  # Leave this machine's conntrack table size alone.
  maxPerCore: 0
  min: 0
EOF
}

# The image references images.sh builds (role=ref lines), looked up by role.
image_ref() {
  bash "$CLUSTER_SCRIPTS/images.sh" names | awk -F= -v role="$1" '$1 == role { print $2 }'
}

node_up() {
  node_need_host_tools
  node_write_configs

  # Saved once per cluster, before anything of the node has run: what node_down restores.
  if [[ ! -f "$NODE_DIR/sysctl.saved" ]]; then
    local key
    for key in "${NODE_SYSCTLS[@]}"; do
      [[ -r "/proc/sys/$key" ]] && printf '%s=%s\n' "$key" "$(cat "/proc/sys/$key")"
    done > "$NODE_DIR/sysctl.saved"
  fi

  # The bridge exists before any pod, so the kubelet can listen on its address; the CNI bridge
  # plugin then takes it over as it is.
  if ! ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then
    ip link add "$NODE_BRIDGE" type bridge
    ip addr add "$NODE_IP/${POD_CIDR#*/}" dev "$NODE_BRIDGE"
  fi
  ip link set "$NODE_BRIDGE" up

  if ! node_pid containerd >/dev/null; then
    log "starting containerd ($CONTAINERD_SOCK)"
    node_spawn containerd containerd --config "$NODE_DIR/containerd.toml"
  fi
  wait_for "containerd to answer on $CONTAINERD_SOCK" ctr --address "$CONTAINERD_SOCK" version

  log "importing the node's images (built from Debian packages by test-cluster/images.sh)"
  bash "$CLUSTER_SCRIPTS/images.sh" import "$CONTAINERD_SOCK" >&2

  if ! node_pid kubelet >/dev/null; then
    log "starting kubelet (node $NODE_NAME)"
    node_spawn kubelet "$TOOLBIN/kubelet" \
      --config "$NODE_DIR/kubelet.yaml" \
      --kubeconfig "$CLUSTER_KUBECONFIG" \
      --root-dir "$NODE_DIR/kubelet" \
      --cert-dir "$NODE_DIR/kubelet/pki" \
      --hostname-override "$NODE_NAME" \
      --node-ip "$NODE_IP" \
      --node-labels "$NODE_LABELS" \
      --v 1
  fi
  if ! node_pid kube-proxy >/dev/null; then
    log "starting kube-proxy"
    # --v 2: a line per rules sync with its time, which a failed request's story in the e2e reads.
    node_spawn kube-proxy "$TOOLBIN/kube-proxy" --config "$NODE_DIR/kube-proxy.yaml" --v 2
  fi
  if ! node_pid local-csi-node >/dev/null; then
    log "starting local-csi-node (ebs.csi.eks.amazonaws.com on the node, zone $NODE_ZONE)"
    node_spawn local-csi-node "$TOOLBIN/local-csi-node" --node-id "$NODE_NAME" --zone "$NODE_ZONE" \
      --volumes "$VOLUMES_DIR/ebs.csi.eks.amazonaws.com/volumes" --kubelet-dir "$NODE_DIR/kubelet"
  fi
  if ! node_pid snapshot-controller >/dev/null; then
    log "starting snapshot-controller"
    # HOME: client-go's caches stay inside .cluster/ (see common.sh's kwokctl).
    node_spawn snapshot-controller env HOME="$CLUSTER_DIR/home" "$TOOLBIN/snapshot-controller" \
      --kubeconfig "$CLUSTER_KUBECONFIG" --leader-election=false --v 2
  fi
  if ! node_pid local-cloud >/dev/null; then
    log "starting local-cloud (LoadBalancers on 127.0.0.1, hostpath and EBS volumes in $VOLUMES_DIR)"
    node_spawn local-cloud node "$CLUSTER_SCRIPTS/local-cloud.mjs" \
      --server "$(kctl config view --minify -o jsonpath='{.clusters[0].cluster.server}')" \
      --ca "$KWOK_CLUSTER_DIR/pki/ca.crt" --cert "$KWOK_CLUSTER_DIR/pki/admin.crt" \
      --key "$KWOK_CLUSTER_DIR/pki/admin.key" --volumes "$VOLUMES_DIR"
  fi

  wait_for "node $NODE_NAME to be Ready (logs: $NODE_DIR/logs/)" \
    kctl wait node "$NODE_NAME" --for=condition=Ready --timeout=5s
  local name
  for name in "${NODE_PROCESSES[@]}"; do
    node_pid "$name" >/dev/null ||
      die "$name exited; the end of $NODE_DIR/logs/$name.log:
$(tail -n 5 "$NODE_DIR/logs/$name.log" 2>/dev/null)"
  done

  # The local cloud connects to a Service's ClusterIP from this machine. A connection whose SYN
  # went to a pod that was then deleted leaves a conntrack entry (SYN_SENT, UNREPLIED) that still
  # points at the dead pod's address for 120 s; when a later connection happens to get the same
  # source port, its SYN follows that entry and times out. Seen in the demo (2026-11-30): one
  # request timed out during the storage size change, ~20 s after every pod was deleted, with
  # such entries in /proc/net/nf_conntrack. kube-proxy clears stale entries for UDP only. Five
  # seconds is still longer than a client's SYN retries keep an entry alive.
  node_sysctl net/netfilter/nf_conntrack_tcp_timeout_syn_sent 5
}

# Sets a kernel setting while the node runs (kube-proxy has loaded conntrack by now). The value
# before is saved once, beside NODE_SYSCTLS', in sysctl.saved, which node_down restores.
node_sysctl() { # key under /proc/sys, value
  local key="$1" value="$2"
  [[ -w "/proc/sys/$key" ]] || die "cannot set /proc/sys/$key (is the nf_conntrack module loaded?)"
  grep -q "^$key=" "$NODE_DIR/sysctl.saved" ||
    printf '%s=%s\n' "$key" "$(cat "/proc/sys/$key")" >> "$NODE_DIR/sysctl.saved"
  echo "$value" > "/proc/sys/$key"
}

# Stops the node and undoes what it did to this machine: containers, mounts, network namespaces,
# the bridge and kube-proxy's iptables rules. Works from any half-started state.
node_down() {
  [[ -d "$NODE_DIR" ]] || return 0
  local name pid pids=()
  for name in snapshot-controller local-cloud kube-proxy kubelet local-csi-node; do
    if pid="$(node_pid "$name")"; then
      log "stopping $name ($pid)"
      pids+=("$pid")
    fi
  done
  if [[ ${#pids[@]} -gt 0 ]]; then stop_pids 10 "${pids[@]}"; fi

  if node_pid containerd >/dev/null; then
    # The kubelet is gone, so nothing restarts them: kill every container, then let containerd
    # remove them (which unmounts their root filesystems).
    local task
    for task in $(ctrd tasks ls -q 2>/dev/null); do
      ctrd tasks kill --signal SIGKILL "$task" >/dev/null 2>&1 || true
    done
    sleep 1
    for task in $(ctrd tasks ls -q 2>/dev/null); do
      ctrd tasks delete --force "$task" >/dev/null 2>&1 || true
    done
    for task in $(ctrd containers ls -q 2>/dev/null); do
      ctrd containers delete "$task" >/dev/null 2>&1 || true
    done
    if pid="$(node_pid containerd)"; then
      log "stopping containerd ($pid)"
      stop_pids 10 "$pid"
    fi
  fi
  # Shims outlive containerd by design; any left belong to this node's containerd.
  pkill -KILL -f "containerd-shim-runc-v2 .*-address $CONTAINERD_SOCK" 2>/dev/null || true

  # Every mount under the node dir: pod network namespaces, sandboxes' /dev/shm, service-account
  # tokens, overlay root filesystems.
  awk -v dir="$NODE_DIR/" 'index($2, dir) == 1 { print $2 }' /proc/mounts | sort -r |
    while IFS= read -r mnt; do umount -l "$mnt" 2>/dev/null || true; done
  ip link delete "$NODE_BRIDGE" 2>/dev/null || true
  if [[ -x "$TOOLBIN/kube-proxy" ]]; then
    "$TOOLBIN/kube-proxy" --cleanup >/dev/null 2>&1 || true
  fi
  node_remove_kubelet_chains
  node_remove_host_leftovers
  if [[ -f "$NODE_DIR/sysctl.saved" ]]; then
    local key value
    while IFS='=' read -r key value; do
      echo "$value" > "/proc/sys/$key" 2>/dev/null || log "could not restore $key=$value"
    done < "$NODE_DIR/sysctl.saved"
    log "kernel settings restored: $(tr '\n' ' ' < "$NODE_DIR/sysctl.saved")"
  fi
}

# The kubelet's own iptables chains, which kube-proxy --cleanup leaves: KUBE-FIREWALL (drops
# non-local traffic to 127.0.0.0/8) and the canary and hint chains it uses to notice a flush,
# in every backend and family it touched. Any kubelet on this machine uses these names; only one
# test cluster runs at a time.
node_remove_kubelet_chains() {
  local cmd table chain
  for cmd in iptables ip6tables iptables-legacy ip6tables-legacy; do
    command -v "$cmd" >/dev/null || continue
    while "$cmd" -t filter -D INPUT -j KUBE-FIREWALL 2>/dev/null; do :; done
    while "$cmd" -t filter -D OUTPUT -j KUBE-FIREWALL 2>/dev/null; do :; done
    for table in filter nat mangle; do
      for chain in KUBE-FIREWALL KUBE-KUBELET-CANARY KUBE-IPTABLES-HINT; do
        if "$cmd" -t "$table" -F "$chain" 2>/dev/null; then "$cmd" -t "$table" -X "$chain" 2>/dev/null || true; fi
      done
    done
  done
}

# What the kubelet and the runc shims create outside $NODE_DIR whatever they are told: empty
# cgroups, the device-plugin socket, runc's state and fifo directories, the container log links
# directory. Only empty directories go, and the socket only when no kubelet runs at all.
node_remove_host_leftovers() {
  local cgroup
  for cgroup in /sys/fs/cgroup/*/kubepods; do
    if [[ -d "$cgroup" ]]; then find "$cgroup" -depth -type d -exec rmdir {} + 2>/dev/null || true; fi
  done
  if ! pgrep -x kubelet >/dev/null; then
    rm -f /var/lib/kubelet/device-plugins/kubelet.sock
    rmdir /var/lib/kubelet/device-plugins /var/lib/kubelet 2>/dev/null || true
  fi
  local dir
  for dir in /run/containerd/runc/k8s.io /run/containerd/runc /run/containerd/fifo /run/containerd/s \
    /run/containerd /var/log/containers; do
    rmdir "$dir" 2>/dev/null || true # only if empty, and it may not exist
  done
}
