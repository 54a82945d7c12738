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
PACKAGES=(postgresql postgresql-postgis redis-server mosquitto mosquitto-clients openssl gdal-bin libgeos-c1v5 chromium gettext python3-venv curl
  nodejs npm  # Biome, the front end's linter (package.json; `make lint`)
  fonts-wqy-zenhei  # a CJK TrueType font: the after-action PDF renders Chinese with it
  patroni etcd-server etcd-client pgbackrest  # the database cluster and its backups (deploy/, tests/failover/)
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

# pgRouting for the road network (roads app): the package of the installed PostgreSQL's version.
pg_ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)
if [ -n "$pg_ver" ] && ! dpkg-query -W -f='${Status}' "postgresql-$pg_ver-pgrouting" 2>/dev/null | grep -q "install ok installed"; then
  say "Installing postgresql-$pg_ver-pgrouting"
  if as_root true; then
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q "postgresql-$pg_ver-pgrouting" \
      || { as_root apt-get update -q && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q "postgresql-$pg_ver-pgrouting"; }
  else
    echo "Not root and no passwordless sudo. Please install: postgresql-$pg_ver-pgrouting" >&2
    exit 1
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

# --- front-end tooling -----------------------------------------------------------
# Biome (pinned in package.json and package-lock.json) into node_modules, for `make lint`. Again
# only when the lock file changed: `npm ci` empties node_modules first.
npm_stamp=node_modules/.installed-$(sha1sum package-lock.json | cut -c1-12)
if [ ! -f "$npm_stamp" ] || [ ! -x node_modules/.bin/biome ]; then
  say "Installing the front end's linter (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  rm -f node_modules/.installed-* && touch "$npm_stamp"
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
# The park's MQTT broker: our own Mosquitto (devices/broker_home.py), never an anonymous one.
# Credentials on MQTT_PORT (1884), TLS with the development CA on MQTT_TLS_PORT (8883), the
# dynamic security plugin holding every identity and ACL. Port 1883 is not ours: on this kind of
# machine another, anonymous broker may listen there, and we must never silently use it.
# Its home (secrets, CA, plugin state, persistence) is one directory per port, shared by the
# checkouts on this machine as PostgreSQL and Redis are. Skipped when MQTT_URL names another host.
MQTT_PORT=${MQTT_PORT:-1884} MQTT_TLS_PORT=${MQTT_TLS_PORT:-8883}
MQTT_HOME=${MQTT_HOME:-/tmp/command-mosquitto-$MQTT_PORT}
mqtt_where=${MQTT_URL:-mqtt://127.0.0.1:$MQTT_PORT}; mqtt_where=${mqtt_where#*://}; mqtt_where=${mqtt_where##*@}
mqtt_where=${mqtt_where%%/*}; MQTT_HOST=${mqtt_where%%:*}
if [[ "$MQTT_HOST" =~ ^(127\.0\.0\.1|localhost)$ ]]; then
  .venv/bin/python -m devices.broker_home --home "$MQTT_HOME" --port "$MQTT_PORT" --tls-port "$MQTT_TLS_PORT" >/dev/null
  ours() {
    # Ours if our admin identity reads the plugin's state and it denies by default: another
    # broker refuses the identity, and an anonymous one without the plugin never answers
    # (mosquitto_ctrl then prints nothing, yet exits 0).
    local answer
    answer=$(timeout 15 mosquitto_ctrl -h 127.0.0.1 -p "$MQTT_PORT" -u command-admin \
      -P "$(cat "$MQTT_HOME/secrets/admin.password")" dynsec getDefaultACLAccess 2>/dev/null || true)
    grep -q '^publishClientSend *: deny' <<<"$answer"
  }
  if listening "$MQTT_PORT"; then
    if ! ours; then
      echo "Something else listens on 127.0.0.1:$MQTT_PORT and does not know our broker's admin identity" >&2
      echo "($MQTT_HOME/secrets). Stop it, or choose other ports: MQTT_PORT=... MQTT_TLS_PORT=... make run" >&2
      exit 1
    fi
  else
    say "Starting Mosquitto (credentials on $MQTT_PORT, TLS on $MQTT_TLS_PORT)"
    "$(command -v mosquitto || echo /usr/sbin/mosquitto)" -d -c "$MQTT_HOME/mosquitto.conf"
    for _ in $(seq 1 20); do listening "$MQTT_PORT" && break; sleep 0.5; done
    if ! ours; then
      # Say so now: an ingester without its broker would only retry, and the console stay silent.
      echo "Mosquitto did not start on port $MQTT_PORT; see $MQTT_HOME/mosquitto.log" >&2
      exit 1
    fi
  fi
  export MQTT_HOME
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
    "create extension if not exists postgis; create extension if not exists pgrouting" >/dev/null
fi

# --- schema ----------------------------------------------------------------------
.venv/bin/python manage.py migrate --no-input -v 0
# The broker's roles for the registered devices (idempotent: what the plugin lacks is added).
.venv/bin/python manage.py devices_broker_sync -v 0 >/dev/null || echo "warning: could not sync the devices to the broker" >&2
say "Ready: PostgreSQL + PostGIS on $PG_PORT, Redis on $REDIS_PORT, MQTT on $MQTT_HOST:$MQTT_PORT (TLS $MQTT_TLS_PORT), schema migrated."
