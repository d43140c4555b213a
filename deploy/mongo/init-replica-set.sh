#!/usr/bin/env bash
# One-shot (mongo-init service): initiate the replica set and create the users, idempotently.
set -euo pipefail
dir="${SECRETS_DIR:?}"
export APP_PASSWORD FRONTEND_PASSWORD REPLICA_SET
APP_PASSWORD="$(cat "$dir/app_password")"
FRONTEND_PASSWORD="$(cat "$dir/frontend_password")"
# The root password goes through the environment, not argv (mongosh reads it from the URI
# built inside the script).
export ROOT_PASSWORD
ROOT_PASSWORD="$(cat "$dir/root_password")"
exec mongosh --quiet --nodb /scripts/init-replica-set.js
