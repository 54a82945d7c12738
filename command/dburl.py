"""DATABASE_URL with several hosts (issue 26: a primary and its standbys under Patroni).

libpq (and so psycopg 3) takes a list of hosts and tries them in order, keeping the first
that satisfies `target_session_attrs`: with `read-write` that is whichever node is the
primary now, so after a failover a new connection finds the promoted standby by itself.

    postgis://command:secret@db1:5432,db2:5432/command?target_session_attrs=read-write&connect_timeout=3

dj-database-url refuses such a netloc (it is not a valid URL to urllib), so the hosts are
split off here and handed to Django as libpq wants them: HOST="db1,db2", PORT="5432,5432"
(Django's PostgreSQL backend passes both through to psycopg as they are). A one-host URL is
dj-database-url's business alone.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def _host_port(item: str, url: str) -> tuple[str, str]:
    item = item.strip()
    if item.startswith("["):  # [IPv6]:port
        host, _sep, rest = item[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    else:
        host, _sep, port = item.partition(":")
    if not host:
        raise ImproperlyConfigured(f"DATABASE_URL: an empty host in the host list of {_redacted(url)}")
    if port and not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        raise ImproperlyConfigured(f"DATABASE_URL: port {port!r} is not a TCP port in {_redacted(url)}")
    return unquote(host), port


def _redacted(url: str) -> str:
    """The URL without its password, for an error message."""
    return re.sub(r"^([^:/]+://[^:@/]*):[^@/]*@", r"\1:***@", url)


def parse(url: str, **kwargs) -> dict:
    """Django's DATABASES entry for `url`, which may name several comma-separated hosts."""
    scheme, sep, rest = url.partition("://")
    netloc = rest.split("/", 1)[0].split("?", 1)[0]
    userinfo, at, hosts = netloc.rpartition("@")
    if not sep or "," not in hosts:
        return dj_database_url.parse(url, **kwargs)
    pairs = [_host_port(item, url) for item in hosts.split(",")]
    first = f"{userinfo}{at}placeholder-host"
    config = dj_database_url.parse(url.replace(netloc, first, 1), **kwargs)
    config["HOST"] = ",".join(host for host, _port in pairs)
    ports = [port for _host, port in pairs]
    # libpq: one port for all hosts, or one port per host. A host without one takes 5432.
    config["PORT"] = ",".join(port or "5432" for port in ports) if any(ports) else ""
    return config
