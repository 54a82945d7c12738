"""A real SMS gateway on loopback for `make run` and the tests: Kannel (Debian `kannel`:
bearerbox + smsbox) with kannel-extras' `fakesmsc` as the carrier, when SMS_GATEWAY_URL is unset.

Messages leave through smsbox's standard `sendsms` HTTP interface (notices.channels.SmsChannel)
exactly as they would to a production Kannel in front of an operator's SMPP/CMPP link; only the
SMSC is a fake one. Two fake SMSCs: `carrier` (port base+4), where one long-lived fakesmsc takes
every outgoing message (its log, carrier.log, is the "phones' inbox") and the fake SMSC reports
delivery; and `phones` (base+5), where `manage.py sms_reply` connects a short-lived fakesmsc to
send a reply in, as a phone would. Replies reach us through the `sms-service` get-url.

Ports from SMS_LOCAL_PORT_BASE: +0 admin, +1 bearerbox's box port, +3 sendsms, +4 carrier,
+5 phones. The store (queued messages) is a file in the gateway's directory, so messages that
bearerbox had accepted survive its restart."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
from pathlib import Path

FAKESMSC = "/usr/lib/kannel/test/fakesmsc"


def binaries_present() -> bool:
    return bool(shutil.which("bearerbox") or Path("/usr/sbin/bearerbox").exists()) and Path(FAKESMSC).exists()


def _bin(name: str) -> str:
    return shutil.which(name) or f"/usr/sbin/{name}"


def write_config(*, directory: Path, base: int, callback_base: str, secret: str, user: str, password: str,
                 rate: int) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    incoming = (f"{callback_base.rstrip('/')}/sms/gateway/{secret}/in/"
                "?from=%p&to=%P&text=%a&id=%I")
    conf = f"""# Written by notices.kannel (manage.py sms_gateway); regenerated on every start.
group = core
admin-port = {base}
admin-password = "{password}"
admin-interface = 127.0.0.1
admin-allow-ip = "127.0.0.1"
smsbox-port = {base + 1}
smsbox-interface = 127.0.0.1
box-allow-ip = "127.0.0.1"
box-deny-ip = "*.*.*.*"
log-file = "{directory}/bearerbox.log"
log-level = 1
store-type = file
store-location = "{directory}/store"
dlr-storage = internal
sms-resend-retry = -1

group = smsc
smsc = fake
smsc-id = carrier
port = {base + 4}
connect-allow-ip = 127.0.0.1
allowed-smsc-id = carrier
throughput = {max(1, rate)}

group = smsc
smsc = fake
smsc-id = phones
port = {base + 5}
connect-allow-ip = 127.0.0.1
allowed-smsc-id = phones

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {base + 1}
sendsms-port = {base + 3}
sendsms-interface = 127.0.0.1
log-file = "{directory}/smsbox.log"
log-level = 1
mo-recode = true

group = sendsms-user
username = "{user}"
password = "{password}"
user-allow-ip = "127.0.0.1"
max-messages = 10
concatenation = true

group = sms-service
keyword = default
catch-all = true
max-messages = 0
get-url = "{incoming}"
"""
    path = directory / "kannel.conf"
    path.write_text(conf)
    path.chmod(0o600)
    return path


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_port(port: int, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if listening(port):
            return True
        time.sleep(0.1)
    return False


class Gateway:
    """bearerbox, smsbox and the carrier's fakesmsc, restarted when one dies (smsbox exits
    when bearerbox does; the carrier reconnects)."""

    def __init__(self, *, directory: Path, base: int, config: Path):
        self.directory, self.base, self.config = directory, base, config
        self.procs: dict[str, subprocess.Popen] = {}

    def _start(self, name: str) -> None:
        log = open(self.directory / f"{name}.out", "ab")  # noqa: SIM115 - handed to the child
        if name == "bearerbox":
            cmd = [_bin("bearerbox"), "-v", "2", str(self.config)]
            stdin = subprocess.DEVNULL
        elif name == "smsbox":
            cmd = [_bin("smsbox"), "-v", "2", str(self.config)]
            stdin = subprocess.DEVNULL
        else:
            # Interactive mode (no message arguments) keeps fakesmsc connected, printing every
            # message it receives ("Got message N: <from> <to> ...") to carrier.log.
            log = open(self.directory / "carrier.log", "ab")  # noqa: SIM115
            cmd = [FAKESMSC, "-H", "127.0.0.1", "-r", str(self.base + 4), "-m", "-1"]
            stdin = subprocess.PIPE
        self.procs[name] = subprocess.Popen(cmd, stdin=stdin, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def start(self) -> None:
        self._start("bearerbox")
        if not wait_port(self.base + 1):
            raise RuntimeError(f"bearerbox did not listen on {self.base + 1}; see {self.directory}/bearerbox.out")
        self._start("smsbox")
        self._start("carrier")
        if not wait_port(self.base + 3):
            raise RuntimeError(f"smsbox did not listen on {self.base + 3}; see {self.directory}/smsbox.out")

    def check(self) -> None:
        """Restart whatever died, in order."""
        if self.procs["bearerbox"].poll() is not None:
            self._start("bearerbox")
            wait_port(self.base + 1)
        for name in ("smsbox", "carrier"):
            if self.procs[name].poll() is not None:
                self._start(name)

    def stop(self) -> None:
        for name in ("carrier", "smsbox", "bearerbox"):
            proc = self.procs.get(name)
            if proc and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def phone_reply(*, base: int, sender: str, text: str, to: str = "10690001", timeout: float = 20) -> None:
    """Send `text` from `sender` into the gateway as a phone would: a fakesmsc on the `phones`
    SMSC, gone once it has handed the message over."""
    data = urllib.parse.quote_from_bytes(text.encode("utf-16-be"), safe="")
    line = f"{sender} {to} ucs2 {data}"
    proc = subprocess.Popen([FAKESMSC, "-H", "127.0.0.1", "-r", str(base + 5), "-m", "1", line],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    try:
        os.set_blocking(proc.stdout.fileno(), True)
        while time.monotonic() < deadline:
            out = proc.stdout.readline()
            if not out and proc.poll() is not None:
                raise RuntimeError("fakesmsc exited before sending: is the gateway running (manage.py sms_gateway)?")
            if b"sent message 1" in out:
                # Handed over; bearerbox reads it from the socket before it sees the close.
                time.sleep(0.5)
                return
        raise RuntimeError("the gateway did not take the message in time")
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=5)
