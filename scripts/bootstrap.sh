#!/usr/bin/env bash
# Bring a Debian/Ubuntu machine to the point where the command centre can run and be tested:
# system packages, a .venv with the project, PostgreSQL + PostGIS and Redis listening,
# the database role and database, migrations. Safe to run any number of times.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_HOST=127.0.0.1 PG_PORT=5432 REDIS_PORT=6379
DB_NAME=${DB_NAME:-command} DB_USER=${DB_USER:-command} DB_PASS=${DB_PASS:-command}

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@";
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@";
  else return 1; fi
}

# --- system packages ---------------------------------------------------------
PACKAGES=(postgresql postgresql-postgis redis-server mosquitto gdal-bin libgeos-c1v5 chromium gettext python3-venv curl
  fonts-wqy-zenhei  # a CJK TrueType font: the after-action PDF renders Chinese with it
  kannel kannel-extras)  # the SMS gateway of notices (bearerbox + smsbox; fakesmsc as the carrier on loopback)
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# libgeos-c1v5 is called libgeos-c1t64 on newer releases; accept either.
if [[ " ${missing[*]-} " == *" libgeos-c1v5 "* ]] && dpkg-query -W -f='${Status}' libgeos-c1t64 2>/dev/null | grep -q "ok installed"; then
  missing=("${missing[@]/libgeos-c1v5}")
fi
read -r -a missing <<<"${missing[*]-}"
if [ "${#missing[@]}" -gt 0 ]; then
  say "Installing system packages: ${missing[*]}"
  if ! as_root true; then
    echo "Not root and no passwordless sudo. Please install: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -q
  if ! as_root apt-get install -y -q "${missing[@]}"; then
    # Ubuntu's package names differ for a few libraries; install what exists.
    for pkg in "${missing[@]}"; do as_root apt-get install -y -q "$pkg" || echo "warning: could not install $pkg" >&2; done
  fi
fi

# --- Python environment --------------------------------------------------------
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3.12 || command -v python3)}
if [ ! -x .venv/bin/python ]; then
  say "Creating .venv with $PYTHON"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)
if [ ! -f "$stamp" ]; then
  say "Installing Python packages into .venv"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e ".[dev]"
  rm -f .venv/.installed-* && touch "$stamp"
fi

# --- services ------------------------------------------------------------------
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! listening "$PG_PORT"; then
  say "Starting PostgreSQL"
  ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)
  if [ -n "$ver" ]; then
    as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start || as_root service postgresql start
  else
    as_root service postgresql start
  fi
  for _ in $(seq 1 30); do listening "$PG_PORT" && break; sleep 1; done
fi
if ! listening "$REDIS_PORT"; then
  say "Starting Redis"
  mkdir -p /tmp/command-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir /tmp/command-redis --logfile /tmp/command-redis/redis.log
  for _ in $(seq 1 20); do listening "$REDIS_PORT" && break; sleep 0.5; done
fi
# The park's MQTT broker (monitoring/): Mosquitto, when MQTT_URL is on loopback and nothing
# listens there. Persistent, so ingesters' sessions (and queued readings) survive a restart.
MQTT_URL=${MQTT_URL:-mqtt://127.0.0.1:1883}
mqtt_where=${MQTT_URL#*://}; mqtt_where=${mqtt_where%%/*}
MQTT_HOST=${mqtt_where%%:*} MQTT_PORT=${mqtt_where##*:}
[ "$MQTT_PORT" != "$mqtt_where" ] || MQTT_PORT=1883
if [[ "$MQTT_HOST" =~ ^(127\.0\.0\.1|localhost)$ ]] && ! listening "$MQTT_PORT"; then
  say "Starting Mosquitto on $MQTT_PORT"
  # One directory per port: two brokers (another MQTT_URL) never share a persistence file.
  mqtt_dir=/tmp/command-mosquitto-$MQTT_PORT
  mkdir -p "$mqtt_dir"
  # Started as root, mosquitto drops to its own user, which must be able to write here.
  if [ "$(id -u)" = 0 ] && id mosquitto >/dev/null 2>&1; then chown mosquitto "$mqtt_dir"; fi
  cat >"$mqtt_dir/mosquitto.conf" <<CONF
listener $MQTT_PORT 127.0.0.1
allow_anonymous true
persistence true
persistence_location $mqtt_dir/
max_queued_messages 100000
log_dest file $mqtt_dir/mosquitto.log
CONF
  "$(command -v mosquitto || echo /usr/sbin/mosquitto)" -d -c "$mqtt_dir/mosquitto.conf"
  for _ in $(seq 1 20); do listening "$MQTT_PORT" && break; sleep 0.5; done
  if ! listening "$MQTT_PORT"; then
    # Say so now: an ingester without its broker would only retry, and the console stay silent.
    echo "Mosquitto did not start on port $MQTT_PORT; see $mqtt_dir/mosquitto.log" >&2
    exit 1
  fi
fi

# --- database role and database -------------------------------------------------
# Superuser because the test runner creates test databases with the postgis extension.
sql_admin() {
  if psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -tAc "select 1" >/dev/null 2>&1; then
    psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -tAc "$1"
  else
    as_root runuser -u postgres -- psql -d postgres -v ON_ERROR_STOP=1 -tAc "$1"
  fi
}
if [ -z "${DATABASE_URL:-}" ]; then
  if [ "$(sql_admin "select 1 from pg_roles where rolname='$DB_USER'")" != 1 ]; then
    say "Creating database role $DB_USER"
    sql_admin "create role $DB_USER login superuser password '$DB_PASS'"
  fi
  if [ "$(sql_admin "select 1 from pg_database where datname='$DB_NAME'")" != 1 ]; then
    say "Creating database $DB_NAME"
    sql_admin "create database $DB_NAME owner $DB_USER"
  fi
  PGPASSWORD=$DB_PASS psql -h "$PG_HOST" -p "$PG_PORT" -U "$DB_USER" -d "$DB_NAME" -qtAc \
    "create extension if not exists postgis" >/dev/null
fi

# --- schema ----------------------------------------------------------------------
.venv/bin/python manage.py migrate --no-input -v 0
say "Ready: PostgreSQL + PostGIS on $PG_PORT, Redis on $REDIS_PORT, MQTT on $MQTT_HOST:$MQTT_PORT, schema migrated."
