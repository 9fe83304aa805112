#!/usr/bin/env bash
# Compares the pinned EKS add-on versions (environments/eks/addon-versions.ts) with the version
# AWS marks as the default for each Kubernetes version, and exits 1 on any difference.
#
#   bash tools/eks-addon-versions.sh            # needs AWS credentials (eks:DescribeAddonVersions)
#
# Run it before the first `pulumi up --stack prod`, before moving sticky:kubernetesVersion, and
# when you want newer builds; then edit the table in a pull request. It changes nothing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v aws >/dev/null || { echo "eks-addon-versions: the AWS CLI is not on PATH" >&2; exit 2; }
[[ -f bin/environments/eks/addon-versions.js ]] || npm run --silent build >&2

# shellcheck disable=SC2016  # JavaScript, not shell
rows="$(node -e '
const { ADDON_VERSIONS } = require("./bin/environments/eks/addon-versions");
for (const [k8s, row] of Object.entries(ADDON_VERSIONS))
  for (const [addon, version] of Object.entries(row)) console.log(`${k8s} ${addon} ${version}`);
')"

differences=0
while read -r k8s addon pinned; do
  default="$(aws eks describe-addon-versions --kubernetes-version "$k8s" --addon-name "$addon" \
    --query 'addons[0].addonVersions[?compatibilities[?defaultVersion]].addonVersion | [0]' --output text)"
  if [[ "$default" == "$pinned" ]]; then
    printf '%-5s %-24s %-24s ok\n' "$k8s" "$addon" "$pinned"
  else
    printf '%-5s %-24s %-24s AWS default: %s\n' "$k8s" "$addon" "$pinned" "$default"
    differences=$((differences + 1))
  fi
done <<< "$rows"

if ((differences > 0)); then
  echo "eks-addon-versions: $differences pinned version(s) differ from AWS's default; update environments/eks/addon-versions.ts on purpose" >&2
  exit 1
fi
