#!/usr/bin/env bash
# PostgreSQL image init script: one role and one schema per service, nothing shared.
set -euo pipefail
for service in gateway orchestrator retrieval memory escalation audit; do
  var="$(tr '[:lower:]' '[:upper:]' <<< "$service")_DB_PASSWORD"
  password="${!var:?set $var}"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE $service LOGIN PASSWORD '$password';
CREATE SCHEMA $service AUTHORIZATION $service;
REVOKE ALL ON SCHEMA $service FROM PUBLIC;
SQL
done
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -c "REVOKE CREATE ON SCHEMA public FROM PUBLIC"
