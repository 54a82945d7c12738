"""Shared fixtures: named role users, a unit with its crew, the demo district, on real PostGIS
and Redis. The rows come from tests/factories.py; an app's conftest adds only what is its own."""

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.gis.geos import Point
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from core import events, roles
from tests.factories import LAT, LON, PASSWORD, AgencyFactory, IncidentTypeFactory, UnitFactory, UserFactory

# Event types used only by the tests of the stream itself; stream.emit refuses a type
# no app declared (core.events), so these are declared here, once.
for _name in ("t.x", "t.a", "t.b", "t.c", "t.silent", "t.slow", "t.fast", "t.one", "t.two", "t.inner",
              "t.outer", "t.rolled_back", "x.y"):
    events.register(_name, audiences=lambda *subject: [], payload=lambda *subject: {}, doc="test only", schema=dict)

# Every payload a test emits is checked against its type's schema (core.events, core.schemas);
# the servers the tests start check theirs too (STREAM_VALIDATE_PAYLOADS in their environment).
django_settings.STREAM_VALIDATE_PAYLOADS = True
os.environ["STREAM_VALIDATE_PAYLOADS"] = "1"

# Passwords hashed in the test processes cost 1,000 PBKDF2 iterations, not a second each
# (tests/hashers.py says why the servers the tests start still verify them).
django_settings.PASSWORD_HASHERS = ["tests.hashers.QuickPBKDF2PasswordHasher"]


@pytest.fixture
def stand_in_payloads(settings):
    """For the tests of the stream's transport (seqs, replay, doorbells, floods), which emit real
    types with stand-in payloads: the payload contracts are what every service test checks."""
    settings.STREAM_VALIDATE_PAYLOADS = False

# Property tests check what is generated, not how fast: on a loaded 2-core machine generating
# inputs that touch the database is slow, and Hypothesis's speed health check would fail the test.
hypothesis_settings.register_profile("house", suppress_health_check=[HealthCheck.too_slow], deadline=None)
hypothesis_settings.load_profile("house")

# Playwright's sync API runs an event loop in the main thread; Django then refuses ORM
# calls from that thread unless told the loop is not ours.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")



# `make test` (scripts/test.sh) runs the suite as concurrent pytest processes, one per shard,
# and names the shard in TEST_SHARD. "slow": tests that drive real processes (a browser, Daphne
# servers, a Mosquitto of their own, worker/PostgreSQL/Redis fault tests); "fast": the rest.
# "fast-1of2" and "fast-2of2" (any <kind>-<k>of<n>) split a kind by whole files, weighing tests
# that load the demo district or commit (transactional_db) more. Without TEST_SHARD every
# collected test runs (`pytest tests/x` as usual).
SLOW_FIXTURES = {"browser", "daphne_server", "logged_daphne", "broker", "sms_gateway"}
SLOW_PATHS = ("tests/scaleout/", "tests/e2e/", "tests/failover/", "tests/drills/test_worker.py", "tests/security/test_run_mode.py")
SHARD_PATTERN = r"(slow|fast)(?:-([1-9][0-9]*)of([1-9][0-9]*))?"


def in_slow_shard(item) -> bool:
    return (bool(SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())))
            or item.nodeid.startswith(SLOW_PATHS))


def _shard_weight(item) -> int:
    names = getattr(item, "fixturenames", ())
    return 1 + 4 * ("demo" in names) + 2 * ("transactional_db" in names)


# Seconds each test file took in its shard, measured by a `make test` run (written to
# var/test-logs/file-seconds.json; copy it here to rebalance). A file not listed is estimated
# from its weight at the median seconds per weight of the listed files of its kind.
FILE_SECONDS = Path(__file__).with_name("file_seconds.json")


def _file_costs(files: dict[str, list]) -> dict[str, float]:
    import json
    import statistics

    measured = json.loads(FILE_SECONDS.read_text()) if FILE_SECONDS.exists() else {}
    weights = {name: sum(map(_shard_weight, members)) for name, members in files.items()}
    rates = [measured[name] / weights[name] for name in files if name in measured and weights[name]]
    rate = statistics.median(rates) if rates else 1.0
    return {name: measured.get(name, weights[name] * rate) for name in files}


def shard_items(items, shard: str):
    import re

    match = re.fullmatch(SHARD_PATTERN, shard)
    if not match or (match[2] and not 1 <= int(match[2]) <= int(match[3])):
        raise pytest.UsageError(f"TEST_SHARD must be slow, fast or e.g. fast-1of2 (or unset), got {shard!r}")
    kind, part, parts = match[1], int(match[2] or 1), int(match[3] or 1)
    mine = [item for item in items if in_slow_shard(item) == (kind == "slow")]
    if parts > 1:
        files: dict[str, list] = {}
        for item in mine:
            files.setdefault(item.nodeid.split("::")[0], []).append(item)
        costs = _file_costs(files)
        loads, owner = [0.0] * parts, {}
        for name in sorted(files, key=lambda name: (-costs[name], name)):
            owner[name] = loads.index(min(loads))
            loads[owner[name]] += costs[name]
        mine = [item for item in mine if owner[item.nodeid.split("::")[0]] == part - 1]
    return mine


_file_seconds: dict[str, float] = {}


def pytest_runtest_logreport(report):
    """Each file's seconds (setup, call and teardown of its tests), for rebalancing the shards."""
    name = report.nodeid.split("::")[0]
    _file_seconds[name] = _file_seconds.get(name, 0.0) + report.duration


def pytest_sessionfinish(session):
    import json

    shard = os.environ.get("TEST_SHARD", "")
    if shard and _file_seconds:
        out = Path(__file__).resolve().parent.parent / "var" / "test-logs" / f"{shard}.file-seconds.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({k: round(v, 1) for k, v in sorted(_file_seconds.items())}, indent=0))


def pytest_collection_modifyitems(config, items):
    """Keep only this shard's tests (TEST_SHARD), then browser tests last: Playwright's sync API
    leaves an event loop in the main thread for the rest of the session, which async tests
    (Channels communicators) cannot share."""
    shard = os.environ.get("TEST_SHARD", "")
    if shard:
        keep = shard_items(items, shard)
        kept = set(map(id, keep))
        dropped = [item for item in items if id(item) not in kept]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = keep
    items.sort(key=lambda item: "browser" in getattr(item, "fixturenames", ()))


@pytest.fixture(scope="session", autouse=True)
def _no_stray_connections_at_the_end(django_db_setup, django_db_blocker):
    """Threads of async tests and killed server processes can leave sessions open on the
    test database; end them so it can be dropped cleanly."""
    yield
    with django_db_blocker.unblock():
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")


@pytest.fixture(autouse=True)
def _fresh_login_throttle():
    """Login-throttle counters live in Redis and outlast a test run: every test starts with
    none, so failed logins in one test (or an earlier run) never delay another."""


    from command.security import _redis

    try:
        keys = list(_redis().scan_iter(match=f"{django_settings.LOGIN_THROTTLE_PREFIX}*", count=500))
        if keys:
            _redis().delete(*keys)
    except Exception:  # noqa: BLE001 - tests of a Redis outage run without it
        pass
    yield


@pytest.fixture(autouse=True)
def english_messages(settings):
    """Tests assert English messages; the product defaults to Chinese (tests/i18n checks that)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def make_user(db):
    def _make(username, *role_names, staff=False):
        return UserFactory(username=username, roles=role_names, is_staff=staff)

    return _make


@pytest.fixture
def chlorine_town(db):
    """One area around the test point, so releases fall inside the district; chlorine; the
    hazardous-leak incident type (returned). Drills' and incidents' reporting tests share it."""
    from django.contrib.gis.geos import MultiPolygon, Polygon

    from hazards.models import Chemical
    from incidents.models import IncidentType
    from resources.models import Area

    ring = Polygon(((113.50, 22.65), (113.70, 22.65), (113.70, 22.85), (113.50, 22.85), (113.50, 22.65)), srid=4326)
    Area.objects.create(code="XC", name="新城", kind="town", boundary=MultiPolygon(ring, srid=4326))
    Chemical.objects.create(cas="7782-50-5", name="氯", name_en="Chlorine", un_number="1017", molecular_weight=70.9,
                            aegl1=0.5, aegl2=2.0, aegl3=20, dense_gas=True)
    return IncidentType.objects.create(code="hazmat-leak", klass="accident", name_zh="危化品泄漏",
                                       name_en="Hazardous chemical leak", required_capabilities=["hazmat"])


def page_client(user):
    """A Django test client logged in as `user` through the login form's backend (a session)."""
    from django.test import Client

    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def exercise_labelled(html: str) -> bool:
    """The page shows an exercise banner or badge with the label. The raw text alone would not
    do: every console page carries it in the alarm bar's data attribute, for its script."""
    import re

    return re.search(r'class="exercise-(?:banner|badge)"[^>]*>[^<]*演练 / EXERCISE', html) is not None


@pytest.fixture
def duty_officer(make_user):
    return make_user("duty_t", roles.DUTY_OFFICER)


@pytest.fixture
def dispatcher(make_user):
    return make_user("dispatcher_t", roles.DISPATCHER)


@pytest.fixture
def commander(make_user):
    return make_user("commander_t", roles.COMMANDER)


@pytest.fixture
def planner(make_user):
    return make_user("planner_t", roles.PLANNER, staff=True)


@pytest.fixture
def viewer(make_user):
    return make_user("viewer_t", roles.VIEWER)


@pytest.fixture
def outsider(make_user):
    """Logged in, but with no role at all."""
    return make_user("outsider_t")


@pytest.fixture
def agency(db):
    return AgencyFactory()


@pytest.fixture
def fire_type(db):
    return IncidentTypeFactory()


@pytest.fixture
def make_unit(agency):
    """make_unit("FE1", responder="crew1"): a unit at LON, LAT (a fire engine unless told:
    hazmat=True, kind=, caps=) and, with responder, the responder who crews it."""
    def _make(code, *, lon=LON, lat=LAT, caps=None, responder=None, **fields):
        if caps is not None:
            fields["capabilities"] = list(caps)
        return UnitFactory(code=code, agency=agency, location=Point(lon, lat, srid=4326), crew=responder, **fields)

    return _make


@pytest.fixture
def demo(db):
    from command import demo as demo_module

    demo_module.load()
    return demo_module


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_daphne(port: int, extra_env: dict | None = None):
    """Start a real Daphne process serving the app against the current test database.

    Tests that use it need `transactional_db` (or `live_server_db`) so their rows are committed
    and visible to the other process.
    """
    import subprocess
    import sys
    import tempfile
    import time
    import urllib.request
    from pathlib import Path

    from django.db import connection

    db = connection.settings_dict
    url = f"postgis://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "command.settings", **(extra_env or {})}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    root = Path(__file__).resolve().parent.parent
    daphne = Path(sys.executable).parent / "daphne"
    # Daphne logs every request to stderr: a file, never an unread pipe (a full pipe buffer
    # would freeze the server mid-test).
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([str(daphne), "-b", "127.0.0.1", "-p", str(port), "command.asgi:application"],
                            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=log)
    # A deadline for a hung start, not a timing check: a loaded 2-core machine has taken over 30 s
    # to import Django and the apps.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError("daphne exited: " + log.read().decode(errors="replace")[-2000:])
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("daphne did not start within 120 s")


@pytest.fixture
def daphne_server(transactional_db):
    """Base URL of a Daphne process (HTTP + websockets) on the test database."""
    port = free_port()
    proc = start_daphne(port)
    yield f"http://127.0.0.1:{port}"
    stop_process(proc)


def stop_process(proc, grace: float = 5) -> None:
    """SIGTERM, then SIGKILL: Daphne with open websockets may not leave on the first ask,
    and a straggler holding connections would stop the test database being dropped."""
    import subprocess

    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(grace)


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def login(page, base_url, username, password=PASSWORD):
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
