#!/usr/bin/env bash
# Serve HTTP and websockets with Daphne and run the procrastinate worker beside it.
# Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${1:-127.0.0.1} PORT=${2:-8000}

# DEBUG off unless DEBUG=1 (`make dev`); a generated secret key kept in var/ (scripts/serve_env.sh).
source scripts/serve_env.sh
# Links in notices' SMS point at SITE_URL (set it to the address phones can reach); the local SMS
# gateway calls this server back on loopback. Set before the worker starts: it builds the callbacks.
local_host=$HOST; [ "$HOST" = 0.0.0.0 ] && local_host=127.0.0.1
export SITE_URL=${SITE_URL:-http://$local_host:$PORT}
export SMS_CALLBACK_BASE=${SMS_CALLBACK_BASE:-http://$local_host:$PORT}

.venv/bin/python manage.py jobs_worker >var/worker.log 2>&1 &
worker=$!
# Park monitoring: one MQTT ingester, under supervision (started again whenever it exits;
# scripts/supervise.sh), and the demo sensor simulator unless SIMULATOR=0.
: >var/ingest.log
bash scripts/supervise.sh ingest .venv/bin/python manage.py monitoring_ingest --instance 1 &
ingest=$!
# Vehicle terminals speaking JT/T 808 over TCP (park.jt808), supervised the same way; port
# JT808_PORT (6808), bound to HOST.
bash scripts/supervise.sh jt808 .venv/bin/python manage.py park_jt808 --host "$HOST" --port "${JT808_PORT:-6808}" &
jt808=$!
simulator=""
if [ "${SIMULATOR:-1}" != 0 ]; then
  .venv/bin/python manage.py simulate run >var/simulator.log 2>&1 &
  simulator=$!
fi
# Notices by SMS: without SMS_GATEWAY_URL, a Kannel on loopback with fakesmsc as the carrier
# (manage.py sms_gateway).
gateway=""
if [ -z "${SMS_GATEWAY_URL:-}" ]; then
  .venv/bin/python manage.py sms_gateway >var/sms_gateway.log 2>&1 &
  gateway=$!
fi
trap 'kill $worker $ingest $jt808 $simulator $gateway 2>/dev/null || true' EXIT INT TERM

cat <<MSG

  District Emergency Command Centre  http://$HOST:$PORT/
  Demo logins (password: ${DEMO_PASSWORD:-demo-pass-2026}):
    duty1 (duty officer)  dispatcher1  commander1  planner1 (admin)  viewer1  admin (superuser)
    responder1 … responder58, one per unit (responder page on a phone-width window)
  Job worker log: var/worker.log     Health: http://$HOST:$PORT/healthz
  Park monitoring: var/ingest.log, simulator var/simulator.log (SIMULATOR=0 turns it off);
    JT/T 808 vehicle terminals on TCP port ${JT808_PORT:-6808}: var/jt808.log
    stage a leak with: .venv/bin/python manage.py simulate leak RS01
  Notices: http://$HOST:$PORT/notices/  SMS gateway log var/sms_gateway.log, the phones' inbox
    var/kannel-13010/carrier.log; reply as a phone: .venv/bin/python manage.py sms_reply 13800000001 收到

MSG
.venv/bin/daphne -b "$HOST" -p "$PORT" command.asgi:application
