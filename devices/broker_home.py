"""Our own Mosquitto's home directory: its configuration, the dynamic security plugin's initial
state, the development CA and server certificate, and the secrets of the two identities the
application holds (the dynsec admin and the ingesters). Standard library only: run by
scripts/bootstrap.sh (`python -m devices.broker_home`) before Django is set up, and by the
tests' private brokers.

Only the initial state is written here. Once the broker runs, every change (a device
onboarded, rotated, revoked) goes through the plugin's control topic (devices.dynsec), and the
plugin keeps its own file: nothing here rewrites it.

Layout of HOME:
  mosquitto.conf            listeners (credentials on PORT, TLS on TLS_PORT), plugin, persistence
  dynamic-security.json     the plugin's state (created once; the plugin owns it afterwards)
  secrets/admin.password    the dynsec admin identity the application holds (mode 600)
  secrets/ingest.password   the ingesters' identity (mode 600)
  tls/ca.crt, tls/ca.key    the development CA (replace with the park's own: docs/operations.md)
  tls/server.crt, .key      the broker's certificate for 127.0.0.1 and localhost, signed by it
  data/                     persistence (sessions and queued messages of the ingesters)
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import secrets
import shutil
import subprocess
from pathlib import Path

ADMIN_USER = "command-admin"
INGEST_USER = "ingest"
DYNSEC_PLUGIN_PATHS = ("/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so",
                       "/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so",
                       "/usr/lib/mosquitto_dynamic_security.so")
# Roles the broker knows from the start. Devices get a role each (devices.dynsec).
ROLE_ADMIN = "command-admin"
ROLE_INGEST = "ingester"
ROLE_SIMULATOR = "simulator"


def dynsec_plugin() -> str:
    for path in DYNSEC_PLUGIN_PATHS:
        if os.path.exists(path):
            return path
    raise SystemExit("Mosquitto's dynamic security plugin (mosquitto_dynamic_security.so) is not installed; "
                     "install Debian's mosquitto package (2.0 or later).")


def password_hash(password: str, iterations: int = 101) -> dict:
    """The plugin's format: base64 PBKDF2-SHA512 over the raw salt bytes."""
    salt = secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations)
    return {"password": base64.b64encode(digest).decode(), "salt": base64.b64encode(salt).decode(),
            "iterations": iterations}


def _acl(kind: str, topic: str, allow: bool = True, priority: int = 0) -> dict:
    return {"acltype": kind, "topic": topic, "allow": allow, "priority": priority}


def ingest_acls(prefixes) -> list[dict]:
    """Ingesters read everything under the park's prefix and may order a demo leak; nothing else."""
    acls = []
    for prefix in prefixes:
        # A shared subscription's ACL is checked on its whole filter, $share/<group>/ included.
        acls += [_acl("subscribePattern", f"{prefix}/#"), _acl("subscribePattern", f"$share/+/{prefix}/#"),
                 _acl("publishClientReceive", f"{prefix}/#"), _acl("publishClientSend", f"{prefix}/simulator/leak")]
    return acls


def simulator_acls(prefixes) -> list[dict]:
    return [_acl("subscribePattern", f"{p}/simulator/#") for p in prefixes]


def initial_state(admin_password: str, ingest_password: str, prefixes) -> dict:
    """Deny by default: no publishing, no subscribing, unless a role allows it. The admin role
    reaches only the control topic (unlike `mosquitto_ctrl dynsec init`'s, which reads `#`)."""
    admin_acls = [_acl(kind, "$CONTROL/dynamic-security/#")
                  for kind in ("publishClientSend", "publishClientReceive", "subscribePattern", "unsubscribePattern")]
    return {
        "defaultACLAccess": {"publishClientSend": False, "publishClientReceive": True, "subscribe": False,
                             "unsubscribe": True},
        "clients": [
            {"username": ADMIN_USER, "textName": "command centre: device administration",
             "roles": [{"rolename": ROLE_ADMIN}], **password_hash(admin_password)},
            {"username": INGEST_USER, "textName": "command centre: ingesters",
             "roles": [{"rolename": ROLE_INGEST}], **password_hash(ingest_password)},
        ],
        "groups": [],
        "roles": [
            {"rolename": ROLE_ADMIN, "acls": admin_acls},
            {"rolename": ROLE_INGEST, "acls": ingest_acls(prefixes)},
            {"rolename": ROLE_SIMULATOR, "acls": simulator_acls(prefixes)},
        ],
    }


def _secret(path: Path) -> str:
    if not path.exists() or not path.read_text().strip():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(24) + "\n")
    return path.read_text().strip()


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make_tls(tls: Path) -> None:
    """A development CA (ten years) and a server certificate for 127.0.0.1/localhost (two years)."""
    tls.mkdir(parents=True, exist_ok=True)
    ca_key, ca_crt = tls / "ca.key", tls / "ca.crt"
    key, csr, crt = tls / "server.key", tls / "server.csr", tls / "server.crt"
    if not ca_crt.exists():
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(ca_crt),
                 "-days", "3650", "-subj", "/O=Chemical park (development)/CN=Park development CA",
                 "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        crt.unlink(missing_ok=True)
    if not crt.exists():
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr),
                 "-subj", "/O=Chemical park (development)/CN=localhost")
        ext = tls / "server.ext"
        ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
                       "basicConstraints=CA:FALSE\n")
        _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca_crt), "-CAkey", str(ca_key), "-CAcreateserial",
                 "-out", str(crt), "-days", "730", "-extfile", str(ext))
    for path in (ca_key, key):
        path.chmod(0o600)


def config(home: Path, *, port: int, tls_port: int | None, persistence: bool = True,
           bind: str = "127.0.0.1") -> str:
    lines = [
        "# Written by devices/broker_home.py (scripts/bootstrap.sh); docs/operations.md \"Devices and the broker\".",
        "per_listener_settings false",
        "allow_anonymous false",
        f"plugin {dynsec_plugin()}",
        f"plugin_opt_config_file {home / 'dynamic-security.json'}",
        f"listener {port} {bind}",
    ]
    if tls_port:
        lines += [f"listener {tls_port} {bind}", f"cafile {home / 'tls' / 'ca.crt'}",
                  f"certfile {home / 'tls' / 'server.crt'}", f"keyfile {home / 'tls' / 'server.key'}",
                  "tls_version tlsv1.2"]
    lines += [f"persistence {'true' if persistence else 'false'}", f"persistence_location {home / 'data'}/",
              "max_queued_messages 200000", "max_inflight_messages 0", f"log_dest file {home / 'mosquitto.log'}"]
    return "\n".join(lines) + "\n"


def prepare(home: Path | str, *, port: int, tls_port: int | None = None, prefixes=("park",),
            persistence: bool = True) -> dict:
    """Create what is missing in HOME (safe to run again: secrets, CA and plugin state are kept)."""
    home = Path(home).resolve()
    (home / "data").mkdir(parents=True, exist_ok=True)
    admin = _secret(home / "secrets" / "admin.password")
    ingest = _secret(home / "secrets" / "ingest.password")
    (home / "secrets").chmod(0o700)
    if tls_port:
        make_tls(home / "tls")
    state = home / "dynamic-security.json"
    if not state.exists():
        state.write_text(json.dumps(initial_state(admin, ingest, prefixes), indent=2))
    (home / "mosquitto.conf").write_text(config(home, port=port, tls_port=tls_port, persistence=persistence))
    # Started as root, mosquitto drops to its own user: it must read its certificate and key and
    # write its state, persistence and log (never our secrets/ directory).
    if os.geteuid() == 0 and shutil.which("mosquitto"):
        try:
            import pwd

            uid = pwd.getpwnam("mosquitto").pw_uid
        except KeyError:
            uid = None
        if uid is not None:
            for path in [home, home / "data", state, home / "tls", *(home / "tls").glob("server.*")]:
                if path.exists():
                    os.chown(path, uid, -1)
            for path in [home / "mosquitto.log", *(home / "data").iterdir()]:
                if path.exists():
                    os.chown(path, uid, -1)
    return {"home": str(home), "conf": str(home / "mosquitto.conf"), "admin_user": ADMIN_USER,
            "admin_password": admin, "ingest_user": INGEST_USER, "ingest_password": ingest,
            "ca": str(home / "tls" / "ca.crt")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tls-port", type=int, default=0)
    parser.add_argument("--prefix", action="append", default=None)
    args = parser.parse_args()
    info = prepare(args.home, port=args.port, tls_port=args.tls_port or None, prefixes=args.prefix or ["park"])
    print(info["conf"])


if __name__ == "__main__":
    main()
