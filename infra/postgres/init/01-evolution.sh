#!/usr/bin/env bash
# Creates Evolution API's own database and user next to Atende's, in the same PostgreSQL server.
# The postgres image runs the scripts in /docker-entrypoint-initdb.d only once, when the data volume is empty.
# Atende's database and user come from POSTGRES_DB / POSTGRES_USER / POSTGRES_PASSWORD.
set -euo pipefail

: "${EVOLUTION_DB_NAME:=evolution}"
: "${EVOLUTION_DB_USER:=evolution}"
if [[ -z "${EVOLUTION_DB_PASSWORD:-}" ]]; then
  echo "01-evolution.sh: EVOLUTION_DB_PASSWORD is not set" >&2
  exit 1
fi

# psql variables (:"name" for identifiers, :'name' for literals) quote the values, so no SQL is built by hand.
psql -v ON_ERROR_STOP=1 --no-psqlrc \
     --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
     -v evo_db="$EVOLUTION_DB_NAME" -v evo_user="$EVOLUTION_DB_USER" -v evo_password="$EVOLUTION_DB_PASSWORD" <<'SQL'
CREATE ROLE :"evo_user" LOGIN PASSWORD :'evo_password';
CREATE DATABASE :"evo_db" OWNER :"evo_user";
REVOKE ALL ON DATABASE :"evo_db" FROM PUBLIC;
SQL

echo "01-evolution.sh: database \"$EVOLUTION_DB_NAME\" owned by \"$EVOLUTION_DB_USER\" created"
