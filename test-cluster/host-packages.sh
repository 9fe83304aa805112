#!/usr/bin/env bash
# Installs what the test cluster's real node needs from Debian, if it is missing:
# containerd, runc, the CNI plugins and iptables to run pods, and gcc with a static libc to
# build the sandbox (pause) image; and apt package lists that know nginx, which
# test-cluster/images.sh downloads. Debian or Ubuntu only; needs root.
#
#   bash test-cluster/host-packages.sh
set -euo pipefail
# shellcheck source=test-cluster/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=test-cluster/node.sh
source "$CLUSTER_SCRIPTS/node.sh"

missing=()
for package in "${NODE_DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$package")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  log "host packages already installed: ${NODE_DEBIAN_PACKAGES[*]}"
  # images.sh downloads Debian's nginx with apt: it needs package lists that know it.
  if [[ -z "$(apt-cache madison nginx 2>/dev/null)" ]]; then
    log "apt knows no nginx package yet; updating its package lists"
    apt-get update -qq
  fi
  exit 0
fi
command -v apt-get >/dev/null || die "no apt-get here; install ${missing[*]} with this system's package manager"
[[ "$(id -u)" == 0 ]] || die "installing ${missing[*]} needs root"
log "installing ${missing[*]} from Debian"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
