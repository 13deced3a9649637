#!/usr/bin/env bash
# Create the local `support` database if it does not exist.
set -euo pipefail
name="${1:-support}"
if ! psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
  psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE \"$name\""
  echo "[infra] created database $name"
fi
