#!/usr/bin/env bash
# Keep a process running: `scripts/supervise.sh NAME COMMAND...` starts COMMAND, appends its
# output to var/NAME.log, and starts it again whenever it exits (1 s later, doubling up to 30 s
# while it keeps dying young; back to 1 s once it has run for a minute). TERM or INT stop the
# process and the supervisor. What systemd's Restart=always does in production
# (deploy/systemd/command-ingest@.service), for `make run`.
set -uo pipefail
cd "$(dirname "$0")/.."
name=$1
shift
mkdir -p var
log="var/$name.log"
child=""
stop() {
  if [ -n "$child" ]; then
    kill -TERM "$child" 2>/dev/null
    wait "$child" 2>/dev/null
  fi
  exit 0
}
trap stop TERM INT
pause=1
while true; do
  started=$SECONDS
  "$@" >>"$log" 2>&1 &
  child=$!
  echo "$child" >"var/$name.pid"
  wait "$child"
  rc=$?
  if (( SECONDS - started >= 60 )); then pause=1; fi
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) supervise: $name exited with status $rc; starting it again in ${pause} s" >>"$log"
  sleep "$pause" &
  child=$!
  wait "$child"
  child=""
  pause=$(( pause * 2 > 30 ? 30 : pause * 2 ))
done
