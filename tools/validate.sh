#!/bin/bash
# npm run validate: synthesizes the selected config (MIROVOY_CONFIG) and runs
# `terraform init -backend=false && terraform validate` in every synthesized stack.
# Needs Terraform (.terraform-version) and access to the Terraform registry (init downloads the
# aws, random, tls and acme providers; they are cached in TF_PLUGIN_CACHE_DIR between stacks).
# Not part of npm test, which needs no registry.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v terraform >/dev/null || { echo "validate: terraform is not installed (need >= $(cat .terraform-version))" >&2; exit 1; }
outdir=${CDKTF_OUTDIR:-cdktf.out}
export TF_PLUGIN_CACHE_DIR=${TF_PLUGIN_CACHE_DIR:-$HOME/.terraform.d/plugin-cache} CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
mkdir -p "$TF_PLUGIN_CACHE_DIR"

CDKTF_OUTDIR=$outdir npx tsx main.ts
failed=()
for stack in "$outdir"/stacks/*/; do
  name=$(basename "$stack")
  echo "validate: $name"
  if ! (cd "$stack" && terraform init -backend=false -input=false -no-color >/dev/null && terraform validate -no-color); then
    failed+=("$name")
  fi
done
if ((${#failed[@]} > 0)); then
  echo "validate: failed in ${failed[*]}" >&2
  exit 1
fi
echo "validate: every stack of ${MIROVOY_CONFIG:-example} is valid"
