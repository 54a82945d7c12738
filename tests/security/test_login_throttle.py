"""Login throttling that an attacker can neither dodge nor turn against the real user
(issue 16, point 11; OWASP Authentication Cheat Sheet: delays, not hard lock-outs)."""

import logging
import time
from pathlib import Path

import pytest
from django.test import Client

from command.security import _key, _redis, delay_after, forwarded_client, wait_seconds
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("clean_throttle")


def _login(username, password, ip, forwarded=None, client=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    client = client or Client()
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def _throttled(response) -> bool:
    return "Too many failed logins" in response.content.decode()


def _time_passes(username, ip):
    """The wait is over: move the pair's `until` into the past (no sleeping in tests)."""
    _redis().hset(_key(username, ip), "until", time.time() - 1)


@pytest.mark.django_db
def test_a_forged_forwarded_for_does_not_spread_guesses_over_invented_addresses(duty_officer):
    answers = [_login("duty_t", "wrong", "10.0.0.1", forwarded=f"198.51.100.{n}") for n in range(30)]
    assert not any(_throttled(a) for a in answers[:4])
    assert all(_throttled(a) for a in answers[4:])


@pytest.mark.django_db
def test_nobody_can_lock_a_user_out_by_claiming_their_address(duty_officer):
    for _ in range(10):
        _login("duty_t", "wrong", "203.0.113.66", forwarded="10.0.0.50")
    client = Client()
    assert _login("duty_t", PASSWORD, "10.0.0.50", client=client).status_code == 302
    assert "_auth_user_id" in client.session


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_forwarded_client_counts(duty_officer, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.254", "192.168.0.0/16"]
    for _ in range(5):
        _login("duty_t", "wrong", "10.0.0.254", forwarded="6.6.6.6, 203.0.113.9")
    assert _throttled(_login("duty_t", PASSWORD, "10.0.0.254", forwarded="203.0.113.9"))
    # Another client behind the same proxy is not affected; nor is a forged left-most hop.
    assert _login("duty_t", PASSWORD, "10.0.0.254", forwarded="203.0.113.9, 198.51.100.7").status_code == 302
    trusted = ["10.0.0.254", "192.168.0.0/16"]
    import ipaddress

    nets = [ipaddress.ip_network(t) for t in trusted]
    assert forwarded_client("10.0.0.254", "1.1.1.1, 2.2.2.2, 192.168.1.1", nets) == "2.2.2.2"
    assert forwarded_client("203.0.113.1", "2.2.2.2", nets) == "203.0.113.1"  # not a proxy: header ignored
    assert forwarded_client("10.0.0.254", "", nets) == "10.0.0.254"
    assert forwarded_client("10.0.0.254", "not-an-ip", nets) == "10.0.0.254"


@pytest.mark.django_db
def test_delays_grow_with_each_failure_and_the_real_user_gets_in_after_the_wait(duty_officer, settings):
    settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_DELAY_BASE_S, settings.LOGIN_DELAY_MAX_S = 5, 5, 300
    ip = "10.0.0.7"
    for _ in range(5):
        _login("duty_t", "wrong", ip)
    first = wait_seconds("duty_t", ip)
    assert 0 < first <= 5
    assert _throttled(_login("duty_t", PASSWORD, ip))  # still waiting: refused, not counted
    _time_passes("duty_t", ip)
    _login("duty_t", "wrong", ip)
    second = wait_seconds("duty_t", ip)
    assert 5 < second <= 10
    _time_passes("duty_t", ip)
    _login("duty_t", "wrong", ip)
    assert 10 < wait_seconds("duty_t", ip) <= 20
    assert [delay_after(n) for n in (4, 5, 6, 7, 12, 40)] == [0, 5, 10, 20, 300, 300]
    # No 15-minute lock: once the wait is over, the right password works and clears the count.
    _time_passes("duty_t", ip)
    assert _login("duty_t", PASSWORD, ip).status_code == 302
    assert not _redis().exists(_key("duty_t", ip))


@pytest.mark.django_db
def test_counters_live_in_redis_and_every_delay_is_logged(duty_officer, caplog):
    with caplog.at_level(logging.WARNING, logger="command.security"):
        for _ in range(6):
            _login("duty_t", "wrong", "10.0.0.8")
    stored = _redis().hgetall(_key("duty_t", "10.0.0.8"))
    assert int(stored[b"n"]) == 5  # the sixth try came during the wait: refused without a guess
    assert _redis().ttl(_key("duty_t", "10.0.0.8")) > 0
    delays = [r.getMessage() for r in caplog.records if "login throttle" in r.getMessage()]
    assert len(delays) == 1 and "'duty_t'" in delays[0] and "10.0.0.8" in delays[0] and "delayed" in delays[0]


@pytest.mark.django_db
def test_the_token_endpoint_says_when_to_retry(planner):
    client = Client()
    for _ in range(5):
        response = client.post("/api/v1/auth/token/", {"username": "planner_t", "password": "bad"},
                               REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="10.0.0.10")
    assert response.status_code == 429 and 1 <= int(response["Retry-After"]) <= 300


def test_daphne_is_never_told_to_believe_any_clients_forwarded_headers():
    for script in ("scripts/serve.sh", "deploy/systemd/command-daphne@.service"):
        assert "--proxy-headers" not in (ROOT / script).read_text(), script
