"""MQTT_URL and friends: where a broker is and who we are on it (docs/contract.md "Devices").

    mqtt://user:pass@host:1884     credentials over plain TCP (loopback only, in practice)
    mqtts://user:pass@host:8883    TLS, the server checked against MQTT_CA_FILE (the park's CA)

User and password are percent-decoded, so a password may hold any character. Shared by the
ingesters, the simulator and the device administration (devices.dynsec).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

SCHEMES = {"mqtt": False, "tcp": False, "": False, "mqtts": True, "ssl": True}


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False

    def __repr__(self) -> str:  # never a password in a log line or a traceback
        who = f"{self.username}@" if self.username else ""
        return f"Broker({'mqtts' if self.tls else 'mqtt'}://{who}{self.host}:{self.port})"

    @property
    def safe_url(self) -> str:
        who = f"{self.username}:***@" if self.username else ""
        return f"{'mqtts' if self.tls else 'mqtt'}://{who}{self.host}:{self.port}"


def parse(url: str) -> Broker:
    parsed = urlparse(url)
    if parsed.scheme not in SCHEMES:
        raise ValueError("MQTT_URL must be mqtt://[user:pass@]host:port or mqtts://[user:pass@]host:port, "
                         f"got scheme {parsed.scheme!r}")
    tls = SCHEMES[parsed.scheme]
    return Broker(host=parsed.hostname or "127.0.0.1", port=parsed.port or (8883 if tls else 1883),
                  username=unquote(parsed.username) if parsed.username else None,
                  password=unquote(parsed.password) if parsed.password is not None else None, tls=tls)


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """Verify the broker against the park's CA (or the system's, without one); TLS 1.2 at least."""
    context = ssl.create_default_context(cafile=ca_file or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def aiomqtt_kwargs(url: str, ca_file: str | None = None) -> dict:
    """hostname, port, username, password and tls_context for aiomqtt.Client."""
    b = parse(url)
    kwargs = {"hostname": b.host, "port": b.port, "username": b.username, "password": b.password}
    if b.tls:
        kwargs["tls_context"] = tls_context(ca_file)
    return kwargs


def paho_connect(client, url: str, ca_file: str | None = None, keepalive: int = 30):
    """Set credentials and TLS on a paho client and connect it (synchronously)."""
    b = parse(url)
    if b.username is not None:
        client.username_pw_set(b.username, b.password)
    if b.tls:
        client.tls_set_context(tls_context(ca_file))
    return client.connect(b.host, b.port, keepalive=keepalive)


def safe(url: str) -> str:
    try:
        return parse(url).safe_url
    except ValueError:
        return "<invalid MQTT_URL>"
