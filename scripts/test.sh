#!/usr/bin/env bash
# The whole test suite as concurrent pytest processes (shards), for `make test`.
#
#   slow  tests that drive real processes: Chromium journeys, Daphne servers, a private
#         Mosquitto, Kannel, a Patroni cluster, worker/PostgreSQL/Redis fault tests
#         (tests/conftest.py: in_slow_shard), split by whole files into slow-1of2 and slow-2of2:
#         they mostly wait on their processes, so two run side by side on two cores
#   fast  everything else, split by whole files into fast-1of2 and fast-2of2 (three processes
#         measured ~1.6x the throughput of two on a loaded 2-core VM; the fast half is the long one)
#
# Each shard gets its own test database, Redis database and key prefix, set here and nowhere
# else, so the shards (and another checkout's run) never share state; the app's own settings
# variables from the caller's shell are dropped, so results do not depend on them. Each shard
# writes its log to var/test-logs/<shard>.log; at the end a passing shard shows its summary, a
# failing one its whole log. Exit status: 0 only if every shard passed.
#
#   scripts/test.sh [pytest args...]   extra arguments go to every shard (e.g. -x, -k name)
#   TEST_SHARDS="slow fast" scripts/test.sh   another split (at most 6 shards)
set -uo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
read -r -a SHARDS <<<"${TEST_SHARDS:-slow-1of2 slow-2of2 fast-1of2 fast-2of2}"
if [ "${#SHARDS[@]}" -lt 1 ] || [ "${#SHARDS[@]}" -gt 6 ]; then
  echo "TEST_SHARDS: 1 to 6 shards (Redis databases 10-15), got ${#SHARDS[@]}" >&2
  exit 2
fi
LOGS=var/test-logs
mkdir -p "$LOGS"

# One run per checkout at a time: a second `make test` here waits for the first.
exec 9>var/test.lock
if ! flock -n 9; then
  echo "Another test run holds var/test.lock in this checkout; waiting for it to finish..."
  flock 9
fi

# Names of this checkout's runs: two clones on one machine never share a database or key.
tag=$(printf %s "$PWD" | sha1sum | cut -c1-6)

# Settings the app reads from the environment (command/settings.py): the caller's values must
# not change what the tests see. DATABASE_URL stays: it says where PostgreSQL is.
mapfile -t app_vars < <(grep -oE '(env_[a-z]+|os\.environ\.get)\("[A-Z][A-Z0-9_]*"' command/settings.py |
  grep -oE '[A-Z][A-Z0-9_]*' | sort -u | grep -vx DATABASE_URL)
unset_args=()
for name in "${app_vars[@]}" DJANGO_SETTINGS_MODULE PYTEST_ADDOPTS UPDATE_QUERY_COUNTS TEST_SHARD TEST_SHARDS; do
  unset_args+=(-u "$name")
done

# Job control: each shard runs in a process group of its own (with SIGINT not ignored, as it
# would be for a plain background job), so an interrupt reaches pytest and what it started.
set -m
pids=()
alive() { for pid in "${pids[@]}"; do kill -0 -- "-$pid" 2>/dev/null && return 0; done; return 1; }
stop_shards() {
  trap - INT TERM
  echo "Interrupted: stopping the shards (SIGINT, so fixtures clean up; SIGTERM after 30 s)..." >&2
  touch "$LOGS/.finished"  # stops the ticker
  for pid in "${pids[@]}"; do kill -INT -- "-$pid" 2>/dev/null; done
  # Some code under test (an in-process worker) may hold SIGINT; then the whole group goes.
  for signal in TERM KILL; do
    for _ in $(seq 1 30); do alive || break; sleep 1; done
    alive || break
    for pid in "${pids[@]}"; do kill "-$signal" -- "-$pid" 2>/dev/null; done
  done
  wait
  exit 130
}
trap stop_shards INT TERM

echo "Running ${#SHARDS[@]} shards at once (${SHARDS[*]}); logs in $LOGS/"
for k in "${!SHARDS[@]}"; do
  shard=${SHARDS[$k]}
  name=${shard//[^a-z0-9]/_}  # fast-1of2 -> fast_1of2 in database and key names
  rm -f "$LOGS/$shard.log" "$LOGS/$shard.rc" "$LOGS/$shard.seconds" "$LOGS/$shard.file-seconds.json" "$LOGS/.finished"
  (
    start=$SECONDS
    env "${unset_args[@]}" \
      TEST_SHARD="$shard" \
      TEST_DATABASE_NAME="test_command_${name}_$tag" \
      REDIS_URL="redis://127.0.0.1:6379/$((10 + k))" \
      CHANNEL_PREFIX="${name}_$tag" \
      "$PY" -m pytest -o cache_dir=".pytest_cache/$shard" --durations=30 --color=no "$@" \
      >"$LOGS/$shard.log" 2>&1 </dev/null
    rc=$?
    # 5: none of the selected tests (scripts/test.sh tests/x) belongs to this shard.
    [ "$rc" = 5 ] && [ $# -gt 0 ] && rc=0
    echo $((SECONDS - start)) >"$LOGS/$shard.seconds"
    echo "$rc" >"$LOGS/$shard.rc"
    echo "  shard $shard finished: exit $rc after $((SECONDS - start)) s"
    exit "$rc"
  ) 9>&- &
  pids+=($!)
done

# A line a minute, so a CI log (and a person) sees the run is alive.
(
  for ((i = 1; ; i++)); do
    sleep 1
    [ -f "$LOGS/.finished" ] && exit 0
    ((i % 60 == 0)) || continue
    line="  ... $((SECONDS / 60)) min:"
    for shard in "${SHARDS[@]}"; do
      [ -f "$LOGS/$shard.rc" ] && { line+=" $shard done;"; continue; }
      progress=$(grep -oE '\[ *[0-9]+%\]' "$LOGS/$shard.log" 2>/dev/null | tail -n1)
      line+=" $shard ${progress:-starting};"
    done
    echo "$line"
  done
) 9>&- &
ticker=$!

for pid in "${pids[@]}"; do wait "$pid"; done
touch "$LOGS/.finished"
wait "$ticker" 2>/dev/null
trap - INT TERM

# Each file's measured seconds, all shards together: copy to tests/file_seconds.json to
# rebalance the shards by what the files really take (tests/conftest.py, shard_items).
"$PY" - "$LOGS" <<'PY' || true
import json, pathlib, sys
logs = pathlib.Path(sys.argv[1])
merged = {}
for part in sorted(logs.glob("*.file-seconds.json")):
    merged.update(json.loads(part.read_text()))
(logs / "file-seconds.json").write_text(json.dumps(merged, indent=0, sort_keys=True) + "\n")
PY

status=0
failed=()
for shard in "${SHARDS[@]}"; do
  rc=$(cat "$LOGS/$shard.rc" 2>/dev/null || echo 1)
  seconds=$(cat "$LOGS/$shard.seconds" 2>/dev/null || echo "?")
  echo
  if [ "$rc" = 0 ]; then
    echo "======== shard $shard: passed in $seconds s ($LOGS/$shard.log) ========"
    # The slowest tests and pytest's summary (from its "slowest durations" header on).
    sed -n '/slowest [0-9]* durations/,$p' "$LOGS/$shard.log" | grep . || tail -n 3 "$LOGS/$shard.log"
  else
    echo "######## shard $shard: FAILED (exit $rc) in $seconds s; its whole log follows ($LOGS/$shard.log) ########"
    cat "$LOGS/$shard.log"
    echo "######## end of shard $shard ########"
    status=1
    failed+=("$shard")
  fi
done

echo
for shard in "${SHARDS[@]}"; do
  printf '  %-9s %5s s  %s\n' "$shard" "$(cat "$LOGS/$shard.seconds" 2>/dev/null || echo "?")" \
    "$(grep -E '^=+ .*(passed|failed|error|deselected|no tests ran).* =+$' "$LOGS/$shard.log" | tail -n1)"
done
if [ "$status" != 0 ]; then
  echo "FAILED shards: ${failed[*]} (logs in $LOGS/)"
fi
exit "$status"
