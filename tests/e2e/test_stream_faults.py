"""A responder's page across a Daphne crash and a Redis restart: nothing lost, nothing twice."""

import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from core.models import Event
from incidents import services
from tests.conftest import free_port, login, start_daphne, stop_process
from tests.factories import IncidentTypeFactory, UnitFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def setup(transactional_db, make_user):
    IncidentTypeFactory()
    units = [UnitFactory(code="FE0", name="Engine 0", crew="crew1"), UnitFactory(code="FE1", name="Engine 1")]
    boss = make_user("boss", "dispatcher", "duty_officer")
    incident = services.incident_log(actor=boss, type_code="fire", severity="III", lon=113.6, lat=22.75)
    return {"unit": units[0], "boss": boss, "incident": incident}


def _applied(page):
    # stream.js writes the seqs it handed to handlers on the body, newest last.
    return [int(seq) for seq in (page.get_attribute("body", "data-stream-applied") or "").split()]


def _assert_once(page, seqs):
    applied = _applied(page)
    assert len(applied) == len(set(applied)), f"an event was applied twice: {applied}"
    assert set(seqs) <= set(applied), f"missing {set(seqs) - set(applied)} in {applied}"


def test_daphne_crash_while_a_dispatch_commits(setup, browser):
    port = free_port()
    env = {"STREAM_POLL_S": "1"}
    proc = start_daphne(port, env)
    base = f"http://127.0.0.1:{port}"
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = ctx.new_page()
    try:
        login(page, base, "crew1")
        page.wait_for_selector("body[data-stream-live='1']")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        page.wait_for_selector("body[data-stream-live='0']")

        # Committed while no server is up: only the database knows.
        services.assignment_create(actor=setup["boss"], incident_id=setup["incident"].pk,
                                   resource_ids=[setup["unit"].pk])
        seqs = list(Event.objects.filter(audiences__contains=[f"unit:{setup['unit'].pk}"]).values_list("seq", flat=True))

        proc = start_daphne(port, env)
        page.wait_for_selector("article.assignment[data-status='pending']", timeout=30000)
        _assert_once(page, seqs)
    finally:
        ctx.close()
        stop_process(proc)


@pytest.fixture
def private_redis():
    """A Redis of this test's own, so restarting it disturbs nobody else."""
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="redis-test-")
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"

    def start():
        proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                 "--dir", workdir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(50):
            try:
                import redis

                redis.Redis(port=port).ping()
                return proc
            except Exception:  # noqa: BLE001
                time.sleep(0.1)
        raise RuntimeError("private redis did not start")

    state = {"proc": start(), "port": port, "start": start}
    yield state
    stop_process(state["proc"])
    shutil.rmtree(workdir, ignore_errors=True)


def test_redis_restart_between_dispatches(setup, browser, private_redis, settings):
    url = f"redis://127.0.0.1:{private_redis['port']}/0"
    settings.REDIS_URL = url
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": [url], "group_expiry": 120}}}
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    port = free_port()
    proc = start_daphne(port, {"STREAM_POLL_S": "1", "REDIS_URL": url})
    base = f"http://127.0.0.1:{port}"
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = ctx.new_page()
    try:
        login(page, base, "crew1")
        page.wait_for_selector("body[data-stream-live='1']")

        stop_process(private_redis["proc"])
        # Redis is down: the write still commits (the doorbell is best effort).
        [first] = services.assignment_create(actor=setup["boss"], incident_id=setup["incident"].pk,
                                             resource_ids=[setup["unit"].pk])
        private_redis["proc"] = private_redis["start"]()
        page.wait_for_selector(f"article.assignment[data-assignment='{first.pk}']", timeout=30000)

        # After the restart, live push works again.
        services.assignment_set_status(actor=setup["boss"], assignment_id=first.pk, status="cleared")
        [second] = services.assignment_create(actor=setup["boss"], incident_id=setup["incident"].pk,
                                              resource_ids=[setup["unit"].pk])
        page.wait_for_selector(f"article.assignment[data-assignment='{second.pk}']", timeout=30000)
        seqs = list(Event.objects.filter(audiences__contains=[f"unit:{setup['unit'].pk}"]).values_list("seq", flat=True))
        _assert_once(page, seqs)
    finally:
        ctx.close()
        stop_process(proc)
        channel_layers.backends.clear()
