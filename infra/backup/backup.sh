#!/bin/sh
# Backups of the stack's PostgreSQL: every database (Atende's and Evolution's) with pg_dump's custom format,
# every BACKUP_INTERVAL_S seconds (default 6 h), kept BACKUP_RETENTION_DAYS days (default 7) in $BACKUP_DIR.
# Each dump is written to a temporary name and renamed when complete, so a file *.dump is always whole.
# Connection: the standard libpq variables PGHOST, PGPORT, PGUSER, PGPASSWORD.
# BACKUP_ONCE=1 takes one round of dumps and exits (used by the restore test and for a manual backup).
# Restore: docs/operations.md, "Backups and restore".
set -eu

: "${BACKUP_DIR:=/backups}"
: "${BACKUP_INTERVAL_S:=21600}"
: "${BACKUP_RETENTION_DAYS:=7}"
: "${BACKUP_DATABASES:=}"

log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) backup: $*"; }

one_round() {
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  dbs=$BACKUP_DATABASES
  if [ -z "$dbs" ]; then
    dbs=$(psql -X -At -d postgres -c "select datname from pg_database where not datistemplate and datname <> 'postgres' order by 1")
  fi
  for db in $dbs; do
    target="$BACKUP_DIR/$db-$stamp.dump"
    pg_dump -Fc -d "$db" -f "$target.partial"
    mv "$target.partial" "$target"
    log "dumped $db to $target ($(wc -c < "$target") bytes)"
  done
  # Retention: whole days, by file age.
  find "$BACKUP_DIR" -maxdepth 1 -name '*.dump' -type f -mtime +"$BACKUP_RETENTION_DAYS" -print -delete \
    | while read -r old; do log "removed $old (older than $BACKUP_RETENTION_DAYS days)"; done
  find "$BACKUP_DIR" -maxdepth 1 -name '*.partial' -type f -mmin +60 -delete
  touch "$BACKUP_DIR/.last-success"
}

mkdir -p "$BACKUP_DIR"
if [ "${BACKUP_ONCE:-0}" = "1" ]; then
  one_round
  exit 0
fi
log "every ${BACKUP_INTERVAL_S}s into $BACKUP_DIR, keeping ${BACKUP_RETENTION_DAYS} days"
while true; do
  if ! one_round; then
    log "FAILED; next try in 5 minutes"
    sleep 300
    continue
  fi
  sleep "$BACKUP_INTERVAL_S"
done
