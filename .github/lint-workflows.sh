#!/usr/bin/env bash
# Lints the GitHub Actions workflows with actionlint, building it first when .toolchain/bin has no
# actionlint of the pinned version (from the Go module proxy, like the rest of the toolchain).
# actionlint also runs shellcheck on every `run:` script when shellcheck is on the PATH.
#
#   bash .github/lint-workflows.sh        (npm run lint:workflows)
set -euo pipefail

ACTIONLINT_VERSION=v1.7.12

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin="$root/.toolchain/bin"
actionlint="$bin/actionlint"

if [[ ! -x "$actionlint" || "$("$actionlint" -version | head -n 1)" != "$ACTIONLINT_VERSION" ]]; then
    if ! command -v go >/dev/null; then
        echo "actionlint $ACTIONLINT_VERSION is not in .toolchain/bin and building it needs Go 1.25 or later on the PATH (its go.mod asks for 1.25)" >&2
        exit 1
    fi
    echo "Building actionlint $ACTIONLINT_VERSION into .toolchain/bin" >&2
    mkdir -p "$bin"
    GOBIN="$bin" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
fi

if ! command -v shellcheck >/dev/null; then
    echo "shellcheck is not installed: the run: scripts are not checked (apt-get install shellcheck)" >&2
fi

cd "$root"
shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
if (( ${#workflows[@]} == 0 )); then
    echo "No workflows in .github/workflows" >&2
    exit 1
fi
"$actionlint" "${workflows[@]}"
echo "actionlint $ACTIONLINT_VERSION: ${#workflows[@]} workflows clean"
