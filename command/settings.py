"""Settings, read once from the environment.

Defaults point at PostgreSQL and Redis on loopback so `make run` works on a fresh
machine; production sets DEBUG=0 and must then provide SECRET_KEY (start-up fails
loudly without it rather than signing sessions with a published key).
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from command import dburl

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off the command centre refuses to start "
            "without it: export SECRET_KEY to a long random string."
        )
    SECRET_KEY = "insecure-development-key-only-for-debug"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "leaflet",
    "channels",
    "procrastinate.contrib.django",
    "simple_history",
    "core",
    "stream",
    "notices",
    "command",
    "resources",
    "roads",
    "hazards",
    "places",
    "incidents",
    "monitoring",
    "safety",
    "devices",
    "plans",
    "alerts",
    "drills",
    "oversight",
    "park",
    "exchange",
]

MIDDLEWARE = [
    "command.security.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "command.csp.CommandCSPMiddleware",
    "core.api_base.BodySizeLimitMiddleware",
    "command.security.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "command.security.ReadOnlyHistoryMiddleware",
    # Innermost: its transaction holds the view's writes and the stored answer together.
    "core.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "command.urls"
WSGI_APPLICATION = None
ASGI_APPLICATION = "command.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "command.context.console",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", "postgis://command:command@127.0.0.1:5432/command")
# Several hosts (a Patroni cluster: `h1:5432,h2:5432/db?target_session_attrs=read-write`) are
# accepted (command.dburl); CONN_HEALTH_CHECKS makes a request after a failover drop the dead
# connection and dial again, which finds the new primary (docs/operations.md, "Database failover").
DATABASES = {"default": dburl.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] in ("django.db.backends.postgresql", "django.db.backends.postgresql_psycopg2"):
    DATABASES["default"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"
# Parallel test runs (several developers on one machine) each need their own test database.
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", "test_command")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        # Each process's stream hub re-joins its one group every STREAM_POLL_S, so a short group
        # expiry only sheds channels of processes that died without leaving.
        "CONFIG": {"hosts": [REDIS_URL], "prefix": env_str("CHANNEL_PREFIX", "asgi"), "group_expiry": 120},
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
# The audit history is read-only in the admin (command.security.ReadOnlyHistoryMiddleware).
SIMPLE_HISTORY_REVERT_DISABLED = True
# Login throttling (command.security, after OWASP's authentication advice): from the
# LIMIT-th failure for one username from one address, that pair waits BASE seconds before
# its next try, doubling with each further failure up to MAX; a success clears it, a quiet
# WINDOW forgets it. No hard lock-out: the real user always gets in after a short wait.
AUTHENTICATION_BACKENDS = ["command.security.ThrottledModelBackend"]
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_WINDOW_S = env_int("LOGIN_FAILURE_WINDOW_S", 900)
LOGIN_DELAY_BASE_S = env_int("LOGIN_DELAY_BASE_S", 5)
LOGIN_DELAY_MAX_S = env_int("LOGIN_DELAY_MAX_S", 300)
# The counters live in Redis, shared by every Daphne process and kept across restarts.
LOGIN_THROTTLE_REDIS_URL = env_str("LOGIN_THROTTLE_REDIS_URL", os.environ.get("CACHE_URL") or REDIS_URL)
LOGIN_THROTTLE_PREFIX = env_str("CHANNEL_PREFIX", "asgi") + ":login-throttle:"
# Reverse proxies (addresses or networks) whose X-Forwarded-For/-Proto we believe; from anyone
# else those headers are dropped (command.security.TrustedProxyMiddleware). Empty: no proxy.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")
# The throttle's counters. Production points CACHE_URL at Redis so every Daphne process
# shares them (deploy/); the default keeps each process's own, which suits a single one.
CACHE_URL = env_str("CACHE_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL,
                "KEY_PREFIX": env_str("CHANNEL_PREFIX", "asgi")}
    if CACHE_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "var" / "media"
MEDIA_URL = "media/"
# Serve static files from the finders too, so a checkout works without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "core.api_auth.TokenAuthentication",  # DRF's, with the roles read in the same query
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend",
                                "rest_framework.filters.OrderingFilter"],
    "DEFAULT_PARSER_CLASSES": ["core.api_base.JSONParser", "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"],
    "DEFAULT_PAGINATION_CLASS": "core.api_base.Pagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "core.api.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Emergency command API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema maps every endpoint: signed-in people only (tests/security).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from our own static files: no asset from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "SeverityEnum": "incidents.models.Severity",
        "ParkAlarmStateEnum": "park.models.AlarmState",
        "HazmatAppointmentStateEnum": "park.models.HazmatAppointment.State",
        "DeviceKindEnum": "devices.models.DeviceKind",
        "NoticeChannelEnum": "notices.models.Channel",
        "LicenceKindEnum": "oversight.models.Licence.Kind",
        "EvaluationKindEnum": "oversight.models.Evaluation.Kind",
        "TurnaroundKindEnum": "oversight.models.Turnaround.Kind",
        "RedFindingConditionEnum": "oversight.models.RedFinding.Condition",
        "AlertLevelEnum": "alerts.models.Level",
        "CapSeverityEnum": "alerts.models.CapSeverity",
        "AlertStatusEnum": "alerts.models.Alert.Status",
        "TaskStatusEnum": "plans.models.Task.Status",
        "ActivationStatusEnum": "plans.models.Activation.Status",
        "IncidentStatusEnum": "incidents.models.Incident.Status",
        "AssignmentStatusEnum": "incidents.models.Assignment.Status",
        "ResourceStatusEnum": "resources.models.Resource.Status",
        "ResourceKindEnum": "resources.models.Resource.Kind",
        "PlanKindEnum": "plans.models.Plan.Kind",
        "PlanStatusEnum": "plans.models.Plan.Status",
        "HiddenDangerLevelEnum": "safety.models.HiddenDanger.Level",
        "HiddenDangerStateEnum": "safety.models.HiddenDanger.State",
        "WorkPermitKindEnum": "safety.models.WorkPermit.Kind",
        "WorkPermitStateEnum": "safety.models.WorkPermit.State",
        "HotWorkGradeEnum": "safety.models.WorkPermit.Grade",
        "RiskMethodEnum": "safety.models.RiskPoint.Method",
        "RiskColourEnum": "safety.models.COLOUR_CHOICES",
        "AlertCategoryEnum": "alerts.models.Category",
        "DrillStatusEnum": "drills.models.Drill.Status",
        "InjectKindEnum": "drills.models.Inject.Kind",
        "InjectRunStatusEnum": "drills.models.InjectRun.Status",
        "FindingCategoryEnum": "drills.models.Finding.Category",
        "FindingElementEnum": "drills.models.Finding.Element",
        "ScenarioKindEnum": "drills.models.Scenario.Kind",
        "ScenarioScopeEnum": "drills.models.Scenario.Scope",
        "IncidentReportKindEnum": "incidents.models.IncidentReport.Kind",
        "IncidentReportChannelEnum": "incidents.models.IncidentReport.Channel",
        "AlarmLevelEnum": "monitoring.models.Alarm.Level",
        "AlarmStateEnum": "monitoring.models.Alarm.State",
        "PointStateEnum": "monitoring.models.PointState",
        "PointKindEnum": "monitoring.models.PointKind",
    },
}
# A JSON body or form over 1 MB is refused with 413 (core.api_base); file uploads are not counted.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

# The tile server is a setting: command centres often sit on an intranet with their own.
MAP_TILE_URL = env_str("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "© OpenStreetMap contributors")
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (22.75, 113.60),
    "DEFAULT_ZOOM": 11,
    "MIN_ZOOM": 3,
    "MAX_ZOOM": 18,
    "TILES": [(_("Base map"), MAP_TILE_URL, {"attribution": MAP_TILE_ATTRIBUTION, "maxZoom": 18})],
    "RESET_VIEW": False,
}

# The district's photogrammetry model (三维实景) as OGC 3D Tiles: the URL of its tileset.json on the
# intranet (or a path on this site). Empty: the 3D view draws the park from its GIS data alone.
MAP_3D_TILESET_URL = env_str("MAP_3D_TILESET_URL", "")
if MAP_3D_TILESET_URL and not (MAP_3D_TILESET_URL.startswith(("http://", "https://"))
                               or (MAP_3D_TILESET_URL.startswith("/") and not MAP_3D_TILESET_URL.startswith("//"))):
    raise ImproperlyConfigured("MAP_3D_TILESET_URL must be an http(s) URL or a path on this site starting with /.")

DEMO_PASSWORD = env_str("DEMO_PASSWORD", "demo-pass-2026")

# Seconds an assignment may stay unacknowledged before it escalates (DESIGN: event stream, 4).
ESCALATION_TIMEOUT_S = env_int("ESCALATION_TIMEOUT_S", 60)
ESCALATION_MAX_ROUNDS = env_int("ESCALATION_MAX_ROUNDS", 3)
# How often a websocket consumer re-reads the event log even without a doorbell, so a lost
# Redis notice (restart, network blip) delays an event by at most this long instead of losing it.
STREAM_POLL_S = float(env_str("STREAM_POLL_S", "5"))

# Safety ledger (safety/): the hour (local time) by which an enterprise files its daily safety
# commitment, and where private files (photos of hidden dangers) are kept, outside MEDIA_ROOT.
SAFETY_COMMITMENT_DUE_HOUR = env_int("SAFETY_COMMITMENT_DUE_HOUR", 9)
# The 双重预防 exchange (issue 25 point 8): an enterprise system connected to the park that got no
# batch through for this many hours is stale (the exchange page, the supervisor's overview).
EXCHANGE_STALE_HOURS = env_int("EXCHANGE_STALE_HOURS", 24)
SAFETY_PRIVATE_ROOT = env_str("SAFETY_PRIVATE_ROOT", str(BASE_DIR / "var" / "private"))

# Park monitoring (monitoring/): the MQTT broker, ingest limits, retention and escalation.
# Our own Mosquitto (scripts/bootstrap.sh, devices/broker_home.py): no anonymous clients, the
# dynamic security plugin, credentials on 1884 and TLS on 8883 with the park's CA. Port 1883 is
# left alone (on this kind of machine another, anonymous broker may hold it). The secrets of the
# two identities the application holds are read from the broker's home unless given.
MQTT_PORT = env_int("MQTT_PORT", 1884)  # as scripts/bootstrap.sh: the broker it starts listens here
MQTT_HOME = env_str("MQTT_HOME", f"/tmp/command-mosquitto-{MQTT_PORT}")


def _mqtt_secret(name: str) -> str:
    from urllib.parse import quote

    try:
        return quote(Path(MQTT_HOME, "secrets", f"{name}.password").read_text().strip(), safe="")
    except OSError:
        return ""


MQTT_URL = env_str("MQTT_URL", f"mqtt://ingest:{_mqtt_secret('ingest')}@127.0.0.1:{MQTT_PORT}")
# The device administration's identity: it may only use $CONTROL/dynamic-security/v1.
MQTT_ADMIN_URL = env_str("MQTT_ADMIN_URL", f"mqtt://command-admin:{_mqtt_secret('admin')}@127.0.0.1:{MQTT_PORT}")
# The CA that signed the broker's certificate, for mqtts:// URLs (the park's own in production).
MQTT_CA_FILE = env_str("MQTT_CA_FILE", str(Path(MQTT_HOME, "tls", "ca.crt")))
# What devices are told to connect to (shown with their credentials).
MQTT_TLS_PORT = env_int("MQTT_TLS_PORT", 8883)
MQTT_DEVICE_URL = env_str("MQTT_DEVICE_URL", f"mqtts://127.0.0.1:{MQTT_TLS_PORT}")
# Topics are <prefix>/points/<code> and <prefix>/gateways/<id>; tests use their own prefix.
MQTT_TOPIC_PREFIX = env_str("MQTT_TOPIC_PREFIX", "park")
MQTT_SHARE_GROUP = env_str("MQTT_SHARE_GROUP", "ingest")
# The ingesters' MQTT client ids are an HMAC under this secret (else one generated in
# var/mqtt-client-id.secret): stable across restarts, unguessable (monitoring.ingest).
MQTT_CLIENT_ID_SECRET = env_str("MQTT_CLIENT_ID_SECRET", "")
MONITORING_MAX_PAYLOAD_BYTES = env_int("MONITORING_MAX_PAYLOAD_BYTES", 256 * 1024)
# The alarm engine keeps its own clock (issue 20): a reading dated more than this many seconds
# ahead of the server's clock is a dead letter, and none moves a point's evaluation further
# ahead. Small: the park's devices keep NTP time; a wrong clock is a fault to fix at the device.
MONITORING_CLOCK_SKEW_S = env_int("MONITORING_CLOCK_SKEW_S", 5)
MONITORING_MAX_AGE_S = env_int("MONITORING_MAX_AGE_S", 7 * 24 * 3600)
MONITORING_RETENTION_DAYS = env_int("MONITORING_RETENTION_DAYS", 90)
# Units' live positions (resources.positions, issue 24): a unit's track is kept this many days
# (people's positions: privacy asks for no longer than needed); a position dated more than the
# skew ahead of the server's clock, older than the max age, or implying a jump faster than the
# max speed is refused; a position fresher than POSITION_FRESH_S stands for the unit's place in
# recommendations (else its depot's).
POSITION_RETENTION_DAYS = env_int("POSITION_RETENTION_DAYS", 30)
POSITION_CLOCK_SKEW_S = env_int("POSITION_CLOCK_SKEW_S", 5)
POSITION_MAX_AGE_S = env_int("POSITION_MAX_AGE_S", 24 * 3600)
POSITION_MAX_SPEED_KMH = env_int("POSITION_MAX_SPEED_KMH", 300)
POSITION_FRESH_S = env_int("POSITION_FRESH_S", 120)
# Dead letters (one per unusable message) are kept up to these caps, so a sender of garbage
# cannot fill the disk; beyond them they are only counted, per sender (admin: dropped dead letters).
MONITORING_DEAD_LETTERS_PER_SENDER = env_int("MONITORING_DEAD_LETTERS_PER_SENDER", 1000)
MONITORING_DEAD_LETTERS_MAX_BYTES = env_int("MONITORING_DEAD_LETTERS_MAX_BYTES", 64 * 1024 * 1024)
# An HH alarm nobody acknowledged within this many seconds goes to the officers on duty and
# the point's responsible persons (a durable job).
MONITORING_HH_ESCALATION_S = env_int("MONITORING_HH_ESCALATION_S", 120)
# The stream hub (stream.hub) re-reads the accounts behind its sockets this often (and
# at once on account.changed): a deactivated user, ended session or revoked token is closed.
STREAM_RECHECK_S = float(env_str("STREAM_RECHECK_S", "10"))
# What a client may send: clients only listen (and ping), so frames are few and small.
STREAM_CLIENT_MAX_FRAME = env_int("STREAM_CLIENT_MAX_FRAME", 4096)  # bytes; over it: close 1009
STREAM_CLIENT_RATE = float(env_str("STREAM_CLIENT_RATE", "5"))  # frames per second; over it: close 4429
STREAM_CLIENT_BURST = env_int("STREAM_CLIENT_BURST", 30)
# A client that has not read its frames for this long (the server's send buffer stays full)
# is dropped with 4408 and resumes with ?since=; live frames held while a socket replays.
STREAM_SLOW_READER_S = float(env_str("STREAM_SLOW_READER_S", "10"))
# A Daphne process freezes the survivors of each full garbage collection, and thaws them every
# STREAM_GC_THAW_S so that cycles among them are reclaimed (stream/collector.py says why).
STREAM_GC_FREEZE = env_bool("STREAM_GC_FREEZE", True)
STREAM_GC_THAW_S = float(env_str("STREAM_GC_THAW_S", "900"))
STREAM_REPLAY_BUFFER = env_int("STREAM_REPLAY_BUFFER", 1000)
# Check every emitted event's payload against its type's schema (core.events): on in tests
# (tests/conftest.py, and the servers the tests start), off in production, where a wrong
# payload must not fail the write it describes.
STREAM_VALIDATE_PAYLOADS = env_bool("STREAM_VALIDATE_PAYLOADS", False)

# Notices (notices/, issue 21): links in messages, the SMS gateway (Kannel's smsbox `sendsms`),
# pacing and chasing. With SMS_GATEWAY_URL unset, `make run`/`make test` start a Kannel on loopback
# (bearerbox + smsbox, with kannel-extras' fakesmsc as the carrier: `manage.py sms_gateway`) on
# SMS_LOCAL_PORT_BASE .. +5, and this is its sendsms URL.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
SMS_GATEWAY_LOCAL = not os.environ.get("SMS_GATEWAY_URL")
SMS_LOCAL_PORT_BASE = env_int("SMS_LOCAL_PORT_BASE", 13010)
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL", "") or f"http://127.0.0.1:{SMS_LOCAL_PORT_BASE + 3}/cgi-bin/sendsms"
SMS_GATEWAY_USER = env_str("SMS_GATEWAY_USER", "command")
SMS_GATEWAY_PASSWORD = env_str("SMS_GATEWAY_PASSWORD", "")
SMS_GATEWAY_SMSC = env_str("SMS_GATEWAY_SMSC", "carrier" if SMS_GATEWAY_LOCAL else "")
SMS_GATEWAY_TIMEOUT_S = float(env_str("SMS_GATEWAY_TIMEOUT_S", "10"))
SMS_SENDER = env_str("SMS_SENDER", "10690001")
SMS_SIGNATURE = env_str("SMS_SIGNATURE", "区应急指挥中心")
SMS_MAX_PARTS = env_int("SMS_MAX_PARTS", 4)
SMS_RATE = env_int("SMS_RATE", 20)  # messages per second, all notices together
SMS_RETRY_S = env_int("SMS_RETRY_S", 10)  # gateway down: a message waits this long between tries
# Where the gateway calls back (delivery reports, replies) and the secret in those URLs.
SMS_CALLBACK_BASE = env_str("SMS_CALLBACK_BASE", "") or SITE_URL
SMS_CALLBACK_SECRET = env_str("SMS_CALLBACK_SECRET", "")
if not SMS_CALLBACK_SECRET:
    import hashlib
    import hmac

    # Derived from the secret key: stable across restarts, unknown to anyone without the key.
    SMS_CALLBACK_SECRET = hmac.new(SECRET_KEY.encode(), b"sms-callback", hashlib.sha256).hexdigest()[:32]
if not SMS_GATEWAY_PASSWORD:
    import hashlib
    import hmac

    SMS_GATEWAY_PASSWORD = hmac.new(SECRET_KEY.encode(), b"sms-sendsms", hashlib.sha256).hexdigest()[:24]
VOICE_GATEWAY_URL = env_str("VOICE_GATEWAY_URL", "")
NOTICE_LINK_TTL_S = env_int("NOTICE_LINK_TTL_S", 3 * 24 * 3600)
NOTICE_CHASE_MAX_ROUNDS = env_int("NOTICE_CHASE_MAX_ROUNDS", 4)
# The duty post whose officer on duty is the duty chief (带班领导) that chasing falls back to.
NOTICE_DUTY_CHIEF_POST = env_str("NOTICE_DUTY_CHIEF_POST", "LEAD")

# Settings the apps read that the environment does not set (issue 23 point 7): declared here
# once, with their defaults, so `settings.X` is the only way code reads them (tests/house/
# test_settings_declared.py refuses a getattr with a default in app code).
# Plans (plans.services.plans): a second planner must approve and publish what one submitted.
PLAN_FOUR_EYES = env_bool("PLAN_FOUR_EYES", True)
# CAP 1.2 alerts and their feeds (alerts.cap, alerts.feeds, the after-action PDF's author):
# the sender's address and name as receivers (the provincial Emergency Broadcast platform) show them.
CAP_SENDER = env_str("CAP_SENDER", "ecc@district.example.gov.cn")
CAP_SENDER_NAME = env_str("CAP_SENDER_NAME", "区应急指挥中心")
CAP_SENDER_NAME_EN = env_str("CAP_SENDER_NAME_EN", "District Emergency Command Centre")
# Drills (drills/): days an after-action revision has before it is due, the response-interval
# targets (seconds) and drill intervals (months) merged over incidents.after_action's RESPONSE_TARGETS and
# DRILL_INTERVAL_MONTHS (both from the regulations; override only for a stricter local rule),
# and a CJK TrueType font for the report PDFs (empty: the Debian fonts scripts/bootstrap.sh installs).
DRILLS_REVISION_DAYS = env_int("DRILLS_REVISION_DAYS", 30)
DRILLS_RESPONSE_TARGETS: dict[str, int] = {}
DRILL_INTERVAL_MONTHS: dict[str, int] = {}
DRILLS_PDF_FONT = env_str("DRILLS_PDF_FONT", "")
# Risk-point colour bands (safety.rules): lower bounds, highest colour first. LEC after DOMAIN.md
# (≥ 320 red, 160–320 orange, 70–160 yellow, < 70 blue); LS after the common 5 × 5 matrix (20–25 red,
# 15–16 orange, 9–12 yellow, 1–8 blue). Check against the provincial guide the park follows.
SAFETY_RISK_BANDS = {
    "LEC": [("red", 320), ("orange", 160), ("yellow", 70), ("blue", 0)],
    "LS": [("red", 20), ("orange", 15), ("yellow", 9), ("blue", 0)],
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Load balancers and monitoring probe each Daphne over plain HTTP on loopback.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Extra image sources for the CSP beyond 'self' and the tile server (comma-separated origins).
CSP_EXTRA_IMG_SRC = env_list("CSP_EXTRA_IMG_SRC", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "procrastinate": {"level": "WARNING"}},
}

# Debian 12 ships GDAL 3.6, which cannot block file/network access from crafted spatial
# references. We never pass user-supplied SRS definitions to GDAL (all input is SRID 4326
# GeoJSON or lon/lat numbers), so the warning is acknowledged rather than fixed here.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# --- Content-Security-Policy (django-csp; command/csp.py adds the nonce and this host's ws origins) ---
# Scripts: files from this site and blocks carrying the response's nonce, never 'unsafe-inline'.
# Styles keep 'unsafe-inline': Leaflet and the Django admin set style attributes, and a style
# cannot run code. Images: this site, data:/blob:, the tile server (Leaflet's {s} subdomains as a
# wildcard) and CSP_EXTRA_IMG_SRC; connect-src: this site and the 3D tileset's server.
from csp.constants import NONCE  # noqa: E402


def _csp_origin(url: str) -> list[str]:
    from urllib.parse import urlparse

    parsed = urlparse(url.replace("{s}.", "x."))
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return []
    host = "*." + parsed.netloc.split(".", 1)[1] if "{s}." in url else parsed.netloc
    return [f"{parsed.scheme}://{host}"]


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],  # replaced by this response's nonce
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *_csp_origin(MAP_TILE_URL), *CSP_EXTRA_IMG_SRC],
        "connect-src": ["'self'", *_csp_origin(MAP_3D_TILESET_URL)],
        "font-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Closed park management (park app, issue 24). Positions of vehicles and people are personal
# data: kept this many days, then deleted by the nightly job (park.tasks).
PARK_POSITION_RETENTION_DAYS = env_int("PARK_POSITION_RETENTION_DAYS", 30)
# A stay without a passage for this long ends at the nightly count (a missed exit).
PARK_STAY_MAX_H = env_int("PARK_STAY_MAX_H", 24)
# Vehicle rules: off the approved route by more than this, stopped longer than this outside a
# parking lot, faster than the road's limit (this one where the road has none).
PARK_OFF_ROUTE_M = 200
PARK_STOPPED_S = 600
PARK_SPEED_LIMIT_KMH = 40
# A position implying a speed above this since the last one is a jump: a dead letter.
PARK_MAX_JUMP_KMH = 300
# JT/T 808 vehicle terminals over TCP (park.jt808, `manage.py park_jt808`): the address and
# port the server listens on (`make run` binds HOST).
JT808_HOST = env_str("JT808_HOST", "127.0.0.1")
JT808_PORT = env_int("JT808_PORT", 6808)
