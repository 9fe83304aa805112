# shellcheck shell=bash
# Source this file (bash or zsh) to use the offline toolchain built by toolchain/build.sh:
#
#   source toolchain/env.sh
#
# It only changes the current shell: PATH gets .toolchain/node/bin (if toolchain/node.sh ran) and
# .toolchain/bin first, and Pulumi is told to stay
# offline and to keep its plugins and login state under .toolchain/pulumi-home instead of ~/.pulumi.
# It does not pick a backend or a kubeconfig; test-cluster/up.sh prints the KUBECONFIG to use.

if [ -n "${BASH_SOURCE:-}" ]; then
  _sticky_tc_self="${BASH_SOURCE[0]}"
elif [ -n "${ZSH_VERSION:-}" ]; then
  # shellcheck disable=SC2296
  _sticky_tc_self="${(%):-%x}"
else
  _sticky_tc_self="$0"
fi
_sticky_tc_root="$(cd "$(dirname "$_sticky_tc_self")/.." && pwd)"
STICKY_TOOLCHAIN_DIR="${STICKY_TOOLCHAIN_DIR:-$_sticky_tc_root/.toolchain}"
export STICKY_TOOLCHAIN_DIR

if [ ! -x "$STICKY_TOOLCHAIN_DIR/bin/pulumi" ]; then
  echo "toolchain/env.sh: $STICKY_TOOLCHAIN_DIR/bin/pulumi is missing; run: bash toolchain/build.sh" >&2
fi

_sticky_tc_path_first() {
  case ":$PATH:" in
    *":$1:"*) ;;
    *) PATH="$1:$PATH" ;;
  esac
}
_sticky_tc_path_first "$STICKY_TOOLCHAIN_DIR/bin"
# Node.js from toolchain/node.sh (what CI tests on), when it is installed; otherwise the
# machine's own node stays in charge.
if [ -x "$STICKY_TOOLCHAIN_DIR/node/bin/node" ]; then
  _sticky_tc_path_first "$STICKY_TOOLCHAIN_DIR/node/bin"
fi
export PATH

# Plugin cache (holds resource-kubernetes-v<version>, installed by build.sh) and CLI state.
export PULUMI_HOME="$STICKY_TOOLCHAIN_DIR/pulumi-home"
# No network: no update check, no plugin downloads (a missing plugin is an error, not a download
# attempt that hangs until it times out), no telemetry-ish calls home.
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
# The language host needs nothing here: the CLI looks for pulumi-language-nodejs next to itself.

unset _sticky_tc_self _sticky_tc_root
unset -f _sticky_tc_path_first
