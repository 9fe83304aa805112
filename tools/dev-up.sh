#!/usr/bin/env bash
# Deploys the dev stack from a fresh clone: installs dependencies, finds or installs the Pulumi
# CLI, keeps Pulumi state in .pulumi-state/ (no Pulumi account needed), checks the kube context,
# then runs `pulumi up`. Extra arguments go to `pulumi up` (e.g. --yes, --diff).
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules/@pulumi/pulumi ] || npm ci --no-audit --no-fund

# The pulumi on PATH, or the version the project pins, installed into .pulumi-cli/ once
# (tools/dev-up.mjs). A CLI built offline (toolchain/env.sh) is on PATH and used as it is.
cli_folder=$(node tools/dev-up.mjs pulumi) || {
    echo "error: no pulumi CLI on PATH, and installing it failed (above). Install it (https://www.pulumi.com/docs/install/)," >&2
    echo "       or build it offline with 'bash toolchain/build.sh' and 'source toolchain/env.sh'." >&2
    exit 1
}
[ -z "$cli_folder" ] || export PATH="$cli_folder:$PATH"

# A local file backend unless the caller chose one; the dev stack holds no secrets, so an
# empty passphrase is fine unless one is already set.
mkdir -p .pulumi-state
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$PWD/.pulumi-state}"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}"

# Node's compile cache for the program's process (Node 22.1+): loading @pulumi/pulumi and the
# TypeScript compiler, which Pulumi's runtime does on every preview and up, from cached bytecode.
# `npm run bench:deploy` measures the difference. Safe to delete; Node rebuilds it.
export NODE_COMPILE_CACHE="${NODE_COMPILE_CACHE:-$PWD/.cache/node-compile}"

pulumi stack select dev --create --non-interactive >/dev/null

# Fail here, with the fix, rather than halfway through `pulumi up`: name the local clusters the
# kubeconfig has and the commands for each.
context=$(pulumi config get sticky:kubeContext --stack dev 2>/dev/null || echo docker-desktop)
if command -v kubectl >/dev/null 2>&1 && ! kubectl config get-contexts "$context" >/dev/null 2>&1; then
    mapfile -t contexts < <(kubectl config get-contexts -o name 2>/dev/null)
    node tools/dev-up.mjs missing-context ${cli_folder:+--pulumi "$cli_folder/pulumi"} --backend "$PULUMI_BACKEND_URL" "$context" "${contexts[@]}"
    exit 1
fi

exec pulumi up --stack dev "$@"
