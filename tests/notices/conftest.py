"""Fixtures of notices: a real Kannel (bearerbox + smsbox) with fakesmsc as the carrier, on free
ports picked at run time, calling back a live test server."""

import os
import re
import socket
import time
import urllib.parse
from pathlib import Path

import pytest

from notices import kannel
from notices.models import Contact


def _free_block(size: int = 6) -> int:
    for _ in range(50):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            base = sock.getsockname()[1]
        if base + size >= 65000:
            continue
        if all(_bindable(base + i) for i in range(size)):
            return base
    raise RuntimeError("no block of free ports")


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class SmsGateway:
    def __init__(self, base: int, directory: Path, gateway: kannel.Gateway, config: dict):
        self.base, self.directory, self.gateway, self.config = base, directory, gateway, config

    def inbox(self) -> list[tuple[str, str]]:
        """(to, text) of every message the carrier received, parts joined as a phone would."""
        log = self.directory / "carrier.log"
        lines = log.read_text(errors="replace").splitlines() if log.exists() else []
        out, pending = [], {}
        for line in lines:
            # fakesmsc prints a one-part UCS-2 message as "ucs-2", the parts of a long one as "data".
            match = re.search(r"Got message \d+: <(\S+) (\S+) (udh (\S+) )?(data|text|ucs-2) (.*)>$", line)
            if not match:
                continue
            to, udh, kind, data = match[2], match[4], match[5], match[6]
            binary = kind in ("data", "ucs-2")
            raw = urllib.parse.unquote_to_bytes(data) if binary else data.encode()
            text = raw.decode("utf-16-be", "replace") if binary else raw.decode()
            if udh:
                head = urllib.parse.unquote_to_bytes(udh)
                ref, total, part = head[3], head[4], head[5]
                parts = pending.setdefault((to, ref), {})
                parts[part] = text
                if len(parts) == total:
                    out.append((to, "".join(parts[i] for i in sorted(parts))))
                    del pending[(to, ref)]
            else:
                out.append((to, text))
        return out

    def stop(self):
        self.gateway.stop()

    def start(self):
        self.gateway.procs = {}
        self.gateway.start()

    def reply(self, sender: str, text: str):
        kannel.phone_reply(base=self.base, sender=sender, text=text)


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.2):
    """A deadline for a hung process, not a timing assertion."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"gave up waiting for {what}")


@pytest.fixture
def sms_gateway(live_server, settings, tmp_path):
    if not kannel.binaries_present():
        pytest.fail("Kannel is not installed: scripts/bootstrap.sh installs kannel and kannel-extras")
    base = _free_block()
    config = {"SMS_LOCAL_PORT_BASE": base, "SMS_GATEWAY_URL": f"http://127.0.0.1:{base + 3}/cgi-bin/sendsms",
              "SMS_GATEWAY_SMSC": "carrier", "SMS_GATEWAY_USER": "command", "SMS_GATEWAY_PASSWORD": "test-sendsms",
              "SMS_CALLBACK_BASE": live_server.url, "SITE_URL": live_server.url,
              "SMS_CALLBACK_SECRET": "test-callback-secret", "SMS_GATEWAY_LOCAL": True}
    for name, value in config.items():
        setattr(settings, name, value)
    directory = tmp_path / "kannel"
    conf = kannel.write_config(directory=directory, base=base, callback_base=live_server.url,
                               secret=config["SMS_CALLBACK_SECRET"], user="command", password="test-sendsms", rate=50)
    gateway = kannel.Gateway(directory=directory, base=base, config=conf)
    gateway.start()
    # The carrier's fakesmsc is connected once bearerbox logs it: messages sent before wait in the store.
    wait_until(lambda: "Fakesmsc client connected" in (directory / "bearerbox.log").read_text(errors="replace"),
               timeout=20, what="the carrier to connect")
    sms = SmsGateway(base, directory, gateway, config)
    yield sms
    gateway.stop()


@pytest.fixture
def contacts(db):
    return [Contact.objects.create(name=f"联系人{i}", organisation="区应急局", mobile=f"+861380000{i:04d}")
            for i in range(1, 4)]


def worker_env(config: dict) -> dict:
    from tests.scaleout.helpers import database_url

    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "command.settings",
           "SMS_RETRY_S": "1", **{k: str(v) for k, v in config.items() if k != "SMS_GATEWAY_LOCAL"}}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env
