#!/usr/bin/env bash
# `terraform init -backend=false`, `terraform validate` and `terraform test` (mocked AWS provider, plan only) for
# every environment in terraform/envs/* and every module in terraform/modules/*, offline.
#
# Providers come from a local mirror: TF_PLUGIN_DIR, or /opt/tf-plugins when it exists (layout of
# `terraform providers mirror`: registry.terraform.io/hashicorp/aws/<version>/<os_arch>/). Without terraform or
# without a mirror, the step is skipped and says exactly why; it never downloads providers.
#
# Nothing is left in the repository: each directory's .terraform goes to a temporary TF_DATA_DIR, and lock files
# this script creates are removed (one that was already there is left alone). Providers from -plugin-dir are
# symlinked into each TF_DATA_DIR, not copied, so the 600+ MB AWS provider is shared without a plugin cache.
#
# Run after `npm run build`: the plan tests hash the zips in dist/lambda. TF_CI_JOBS directories run at once
# (default: the number of CPUs, at most 3); loading the AWS provider's schema is what costs, about 20 seconds
# per terraform command on a busy 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."

skip() {
  printf 'SKIPPED terraform init/validate/test: %s\n' "$*"
  exit 0
}

command -v terraform >/dev/null 2>&1 ||
  skip "terraform is not installed (install Terraform >= 1.10 to run this step)."

if [ -z "${TF_PLUGIN_DIR:-}" ] && [ -d /opt/tf-plugins ]; then TF_PLUGIN_DIR=/opt/tf-plugins; fi
[ -n "${TF_PLUGIN_DIR:-}" ] ||
  skip "no provider mirror: TF_PLUGIN_DIR is unset and /opt/tf-plugins does not exist. Create one with \`terraform providers mirror DIR\` (in terraform/envs/dev, where the registry is reachable) and set TF_PLUGIN_DIR=DIR."
[ -d "$TF_PLUGIN_DIR/registry.terraform.io/hashicorp/aws" ] ||
  skip "the provider mirror $TF_PLUGIN_DIR has no registry.terraform.io/hashicorp/aws (the only provider cordon needs)."

for name in $(cd functions && ls -- *.ts | grep -v '\.d\.ts$' | sed 's/\.ts$//'); do
  if [ ! -f "dist/lambda/$name.zip" ]; then
    echo "dist/lambda/$name.zip is missing: run \`npm run build\` before this step (the plan tests hash the zips)." >&2
    exit 1
  fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/cordon-terraform.XXXXXX")
created_locks=()
cleanup() {
  for lock in "${created_locks[@]}"; do rm -f -- "$lock"; done
  rm -rf -- "$work"
}
trap cleanup EXIT

export TF_IN_AUTOMATION=1 TF_INPUT=0
# A TF_CLI_CONFIG_FILE that points nowhere only adds a warning to every command's output.
if [ -n "${TF_CLI_CONFIG_FILE:-}" ] && [ ! -e "$TF_CLI_CONFIG_FILE" ]; then
  : >"$work/terraformrc"
  export TF_CLI_CONFIG_FILE="$work/terraformrc"
fi

dirs=(terraform/envs/*/ terraform/modules/*/)
dirs=("${dirs[@]%/}")
for dir in "${dirs[@]}"; do
  [ -e "$dir/.terraform.lock.hcl" ] || created_locks+=("$dir/.terraform.lock.hcl")
done

# nodejs24.x is in the provider's runtime list from hashicorp/aws 6.20.0 (5.100.0, the last 5.x, lacks it).
NODEJS24_PROVIDER=6.20.0

# Commands carry `|| return 1`: check runs in an `if`, where set -e does not apply.
check() {
  local dir=$1 key data log version filters=() file
  key=$(echo "$dir" | tr '/' '-')
  data="$work/$key"
  log="$work/$key.log"
  {
    echo "--- $dir"
    export TF_DATA_DIR="$data"
    (cd "$dir" && terraform init -backend=false -plugin-dir="$TF_PLUGIN_DIR" -no-color >/dev/null) || {
      (cd "$dir" && terraform init -backend=false -plugin-dir="$TF_PLUGIN_DIR" -no-color)
      return 1
    }
    (cd "$dir" && terraform validate -no-color) || return 1
    version=$(cd "$dir" && terraform version -json | sed -n 's|.*"registry.terraform.io/hashicorp/aws": *"\([^"]*\)".*|\1|p')
    for file in "$dir"/tests/*.tftest.hcl; do
      [ -e "$file" ] || continue
      if [ "$(basename "$file")" = nodejs24.tftest.hcl ] &&
        [ "$(printf '%s\n%s\n' "$NODEJS24_PROVIDER" "$version" | sort -V | head -n1)" != "$NODEJS24_PROVIDER" ]; then
        echo "SKIPPED ${file#"$dir"/}: hashicorp/aws $version rejects runtime nodejs24.x at plan; it needs $NODEJS24_PROVIDER or newer."
        continue
      fi
      filters+=("-filter=${file#"$dir"/}")
    done
    if [ ${#filters[@]} -eq 0 ]; then
      echo "$dir has no tests/*.tftest.hcl to run." >&2
      return 1
    fi
    (cd "$dir" && terraform test -no-color "${filters[@]}") || return 1
  } >"$log" 2>&1
}

start=$SECONDS
jobs_max=${TF_CI_JOBS:-$(nproc 2>/dev/null || echo 2)}
[ "$jobs_max" -le 3 ] || jobs_max=3
echo "provider mirror: $TF_PLUGIN_DIR; $(terraform version | head -n1); ${#dirs[@]} directories, $jobs_max at a time"

for dir in "${dirs[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n || true; done
  key=$(echo "$dir" | tr '/' '-')
  (if check "$dir"; then echo ok; else echo FAILED; fi >"$work/$key.status") &
done
wait

failed=()
for dir in "${dirs[@]}"; do
  key=$(echo "$dir" | tr '/' '-')
  status=$(cat "$work/$key.status" 2>/dev/null || echo FAILED)
  [ "$status" = ok ] || failed+=("$dir")
  grep -v '^$' "$work/$key.log" || true
  echo "=== $dir: $status"
done

echo "terraform step: $((SECONDS - start)) s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "terraform validate/test failed in: ${failed[*]}" >&2
  exit 1
fi
