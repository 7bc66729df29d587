#!/usr/bin/env bash
# azd predeploy hook (azure.yaml): makes the config container hold exactly the repository's rules/ (rule
# files, alertmanager.yml, templates, escalation and on-call files; rules/tests/ stays out), so `azd deploy`
# ships configuration and code together. The app mirrors the container within
# Alerting__ConfigContainer__RefreshInterval (30 s) and reloads what changed; no restart, no redeploy.
# Runs with the signed-in Azure CLI identity (az login, or azure/login in the deploy workflow), which
# infra/ grants Storage Blob Data Contributor on the account: no account key is involved.
#   ALERTING_CONFIG_DIR=path/to/my-config infra/hooks/upload-config.sh   # upload another folder
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "${AZURE_CONFIG_SOURCE:-blob}" != "blob" ]; then
  echo "[config] AZURE_CONFIG_SOURCE=${AZURE_CONFIG_SOURCE}: the app reads rules/ from the package; nothing to upload"
  exit 0
fi
account=${AZURE_STORAGE_ACCOUNT_NAME:?AZURE_STORAGE_ACCOUNT_NAME is not set: run azd provision (or azd env refresh) first}
container=${AZURE_CONFIG_CONTAINER:-config}
source_dir=${ALERTING_CONFIG_DIR:-rules}
[ -d "$source_dir" ] || { echo "[config] $source_dir is not a folder" >&2; exit 1; }
command -v az >/dev/null 2>&1 || { echo "[config] the Azure CLI (az) uploads $source_dir/ to the config container: install it and run az login" >&2; exit 1; }

staging=$(mktemp -d); trap 'rm -rf "$staging"' EXIT
cp -R "$source_dir"/. "$staging"/
rm -rf "$staging/tests"

# A role assigned by the provisioning that just ran can take a few minutes to reach the data plane.
attempt=1
until az storage blob upload-batch --auth-mode login --account-name "$account" --destination "$container" \
        --source "$staging" --overwrite --only-show-errors --output none; do
  [ "$attempt" -ge 6 ] && { echo "[config] upload to $account/$container failed" >&2; exit 1; }
  echo "[config] upload refused (a new role assignment may still be propagating); retrying in 20 s"
  attempt=$((attempt + 1)); sleep 20
done

# Blobs whose file left the folder are deleted, so the app drops them too.
( cd "$staging" && find . -type f | sed 's|^\./||' | sort ) >"$staging.local"
az storage blob list --auth-mode login --account-name "$account" --container-name "$container" \
   --query "[].name" --output tsv --only-show-errors | sort >"$staging.remote"
comm -13 "$staging.local" "$staging.remote" | while IFS= read -r name; do
  [ -n "$name" ] || continue
  az storage blob delete --auth-mode login --account-name "$account" --container-name "$container" --name "$name" --only-show-errors --output none
  echo "[config] deleted $name"
done
rm -f "$staging.local" "$staging.remote"
echo "[config] $source_dir/ uploaded to $account/$container"
