#!/usr/bin/env bash
# One-shot (mongo-secrets service): the replica-set keyfile and random passwords, once.
# Files are owned by the image's mongodb user (999): mongod reads the keyfile and the
# entrypoint reads root_password after dropping root. Re-runs keep existing secrets.
set -euo pipefail
dir="${SECRETS_DIR:?}"
members="mongo1:27017,mongo2:27017,mongo3:27017"

random_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

if [[ -f "$dir/keyfile" ]]; then
  echo "secrets already present in $dir"
  exit 0
fi
umask 077
random_hex 512 > "$dir/keyfile.tmp"   # 1024 hex chars: the keyfile maximum
for name in root app frontend; do
  random_hex 24 > "$dir/${name}_password"
done
printf 'mongodb://root:%s@%s/?replicaSet=%s&authSource=admin\n' \
  "$(cat "$dir/root_password")" "$members" "${REPLICA_SET:?}" > "$dir/admin_uri"
printf 'mongodb://wpokt:%s@%s/?replicaSet=%s&authSource=admin\n' \
  "$(cat "$dir/app_password")" "$members" "$REPLICA_SET" > "$dir/app_uri"
printf 'mongodb://frontend:%s@%s/wpokt?replicaSet=%s&authSource=admin&readPreference=secondaryPreferred\n' \
  "$(cat "$dir/frontend_password")" "$members" "$REPLICA_SET" > "$dir/frontend_uri"
chown 999:999 "$dir"/*
chmod 0400 "$dir"/*
mv "$dir/keyfile.tmp" "$dir/keyfile"   # last: its presence means every secret exists
echo "secrets written to $dir"
