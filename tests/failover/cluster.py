"""A PostgreSQL cluster managed by Patroni, on loopback, for the failover and restore tests
(issue 26): one etcd member, two Patroni nodes (a primary and a synchronous standby) and a
pgBackRest repository that receives every WAL segment (archive_command) and the backups.

The same tools and settings as deploy/patroni/ (production), shrunk: one etcd instead of three,
short Patroni timers (ttl 10 s, loop_wait 1 s) so a failover is decided in seconds, `fsync=off`
(the tests kill processes, not the machine, so the OS page cache survives: nothing is lost by
it) and trust authentication on loopback. Every port is chosen free at runtime; every file
lives in one temporary directory. PostgreSQL refuses to run as root, so Patroni and pgBackRest
run as the `postgres` OS user when the tests run as root.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PASSWORD = "failover-pass"
STANZA = "command"
AS_ROOT = os.geteuid() == 0


def _as_postgres(args: list, **kwargs) -> list:
    return (["runuser", "-u", "postgres", "--"] if AS_ROOT else []) + [str(a) for a in args]


def _chown(path: Path) -> None:
    if AS_ROOT:
        shutil.chown(path, "postgres", "postgres")


def wait_for(predicate, timeout: float, what: str, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"{what}: not reached within {timeout} s")


def http_status(url: str, timeout: float = 2) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


class Node:
    def __init__(self, cluster: Cluster, name: str):
        self.cluster = cluster
        self.name = name
        self.port = free_port()
        self.rest_port = free_port()
        self.dir = cluster.dir / name
        self.data = self.dir / "data"
        self.config = self.dir / "patroni.yml"
        self.proc: subprocess.Popen | None = None

    @property
    def rest(self) -> str:
        return f"http://127.0.0.1:{self.rest_port}"

    def is_primary(self) -> bool:
        return http_status(f"{self.rest}/primary") == 200

    def is_sync_standby(self) -> bool:
        return http_status(f"{self.rest}/sync") == 200

    def is_replica(self) -> bool:
        return http_status(f"{self.rest}/replica") == 200

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().splitlines()[0])

    def write_config(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        _chown(self.dir)
        c = self.cluster
        # Per-node parameters (archive_command names this node's data directory for pgBackRest);
        # the cluster-wide ones live in `bootstrap.dcs`, which Patroni keeps in etcd.
        config = {
            "scope": c.scope,
            "namespace": "/command-test/",
            "name": self.name,
            "restapi": {"listen": f"127.0.0.1:{self.rest_port}", "connect_address": f"127.0.0.1:{self.rest_port}"},
            "etcd3": {"hosts": [f"127.0.0.1:{c.etcd_port}"]},
            "bootstrap": {
                "dcs": {
                    "ttl": 10, "loop_wait": 1, "retry_timeout": 4, "maximum_lag_on_failover": 1048576,
                    # A committed transaction is on both nodes before the client hears "committed";
                    # Patroni promotes only the synchronous standby, so a failover loses nothing.
                    "synchronous_mode": True,
                    # The primary's postmaster died: fail over at once instead of restarting it in place.
                    "primary_start_timeout": 0,
                    "postgresql": {
                        "use_pg_rewind": True,
                        "use_slots": True,
                        "parameters": {
                            "wal_level": "replica", "hot_standby": "on", "wal_log_hints": "on",
                            "max_wal_senders": 10, "max_replication_slots": 10, "max_connections": 100,
                            "archive_mode": "on", "archive_timeout": 60,
                            "synchronous_commit": "on",
                        },
                    },
                },
                "initdb": [{"encoding": "UTF8"}, {"locale": "C.UTF-8"}, "data-checksums"],
            },
            "postgresql": {
                "listen": f"127.0.0.1:{self.port}",
                "connect_address": f"127.0.0.1:{self.port}",
                "data_dir": str(self.data),
                "bin_dir": str(PG_BIN),
                "pgpass": str(self.dir / "pgpass"),
                "authentication": {
                    "superuser": {"username": "postgres", "password": PASSWORD},
                    "replication": {"username": "replicator", "password": PASSWORD},
                    "rewind": {"username": "rewinder", "password": PASSWORD},
                },
                "pg_hba": ["local all all trust", "host all all 127.0.0.1/32 trust",
                           "host replication all 127.0.0.1/32 trust"],
                "parameters": {
                    "unix_socket_directories": str(self.dir),
                    "fsync": "off",
                    "archive_command": (f"pgbackrest --config={c.backrest_conf} --stanza={STANZA} "
                                        f"--pg1-path={self.data} archive-push %p"),
                },
            },
        }
        # JSON is YAML: no YAML writer needed.
        self.config.write_text(json.dumps(config, indent=1))
        _chown(self.config)

    def start(self) -> None:
        log = open(self.dir / "patroni.log", "ab")  # noqa: SIM115 - kept open for the process's life
        self.proc = subprocess.Popen(_as_postgres(["/usr/bin/patroni", self.config]), stdout=log, stderr=log,
                                     cwd=self.dir, start_new_session=True)

    def stop(self, grace: float = 30) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM if grace else signal.SIGKILL)
            try:
                self.proc.wait(grace or 10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        # Patroni stops PostgreSQL on SIGTERM; a postmaster left behind (Patroni killed) goes too.
        pidfile = self.data / "postmaster.pid"
        if pidfile.exists():
            try:
                os.kill(self.postmaster_pid(), signal.SIGKILL)
            except (OSError, ValueError):
                pass

    def psql(self, sql: str, db: str = "postgres") -> str:
        return subprocess.run(_as_postgres([PG_BIN / "psql", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres",
                                            "-d", db, "-v", "ON_ERROR_STOP=1", "-tAc", sql]),
                              check=True, capture_output=True, text=True, timeout=60).stdout.strip()


class Cluster:
    """etcd + two Patroni nodes + a pgBackRest repository, all under one temporary directory."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="patroni-test-"))
        self.dir.chmod(0o755)
        _chown(self.dir)
        self.scope = f"command-{os.getpid()}-{self.dir.name[-6:]}"
        self.etcd_port, self.etcd_peer_port = free_port(), free_port()
        self.etcd_proc: subprocess.Popen | None = None
        self.repo = self.dir / "backrest-repo"
        self.backrest_conf = self.dir / "pgbackrest.conf"
        self.nodes = [Node(self, "node1"), Node(self, "node2")]

    # --- addresses ---------------------------------------------------------------------------
    def url(self, db: str = "command") -> str:
        """The application's DATABASE_URL: every node, and libpq keeps the one that takes writes."""
        hosts = ",".join(f"127.0.0.1:{n.port}" for n in self.nodes)
        return (f"postgis://command:{PASSWORD}@{hosts}/{db}"
                "?target_session_attrs=read-write&connect_timeout=2")

    def conninfo(self, db: str = "command") -> str:
        hosts = ",".join("127.0.0.1" for _ in self.nodes)
        ports = ",".join(str(n.port) for n in self.nodes)
        return (f"host={hosts} port={ports} dbname={db} user=command password={PASSWORD} "
                "target_session_attrs=read-write connect_timeout=2")

    def primary(self) -> Node | None:
        return next((n for n in self.nodes if n.is_primary()), None)

    # --- life ----------------------------------------------------------------------------------
    def start(self) -> Cluster:
        etcd_dir = self.dir / "etcd"
        log = open(self.dir / "etcd.log", "ab")  # noqa: SIM115
        peer = f"http://127.0.0.1:{self.etcd_peer_port}"
        self.etcd_proc = subprocess.Popen(
            ["etcd", "--name", "e1", "--data-dir", etcd_dir,
             "--listen-client-urls", f"http://127.0.0.1:{self.etcd_port}",
             "--advertise-client-urls", f"http://127.0.0.1:{self.etcd_port}",
             "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
             "--initial-cluster", f"e1={peer}", "--initial-cluster-state", "new",
             "--heartbeat-interval", "100", "--election-timeout", "1000"],
            stdout=log, stderr=log, start_new_session=True)
        wait_for(lambda: http_status(f"http://127.0.0.1:{self.etcd_port}/health") == 200, 30, "etcd up")
        self.write_backrest_conf()
        first, second = self.nodes
        first.write_config()
        first.start()
        wait_for(first.is_primary, 120, "node1 bootstrapped as primary")
        self.backrest("stanza-create")
        second.write_config()
        second.start()
        wait_for(second.is_sync_standby, 120, "node2 streaming as the synchronous standby")
        first.psql(f"CREATE ROLE command LOGIN SUPERUSER PASSWORD '{PASSWORD}'")
        first.psql("CREATE DATABASE command OWNER command")
        first.psql("CREATE EXTENSION postgis", db="command")
        return self

    def migrate(self) -> None:
        # Hundreds of small transactions: not waiting for the standby's flush on each saves a good
        # part of the test's time, and the schema is no part of what the tests check for loss.
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT,
                       env=self.env(PGOPTIONS="-c synchronous_commit=local"), check=True, capture_output=True,
                       timeout=600)

    def env(self, **extra) -> dict:
        env = {**os.environ, "DATABASE_URL": self.url(), "DJANGO_SETTINGS_MODULE": "command.settings", **extra}
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        return env

    def shell(self, code: str, url: str | None = None) -> str:
        """Python with Django set up against this cluster (the test process stays on its own DB)."""
        env = self.env(**({"DATABASE_URL": url} if url else {}))
        result = subprocess.run([sys.executable, "-c", "import django; django.setup()\n" + code], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=300)
        if result.returncode:
            raise AssertionError(f"shell failed: {result.stderr[-3000:]}")
        return result.stdout

    def cleanup(self) -> None:
        # Everything is thrown away: no clean shutdown to wait for (it cost ~40 s on a busy VM).
        for node in self.nodes:
            node.stop(grace=0)
        if self.etcd_proc and self.etcd_proc.poll() is None:
            os.killpg(self.etcd_proc.pid, signal.SIGKILL)
            self.etcd_proc.wait(10)
        if not os.environ.get("FAILOVER_KEEP_DIR"):  # set it to read every log after a failure
            shutil.rmtree(self.dir, ignore_errors=True)

    def logs(self) -> str:
        """The tail of every log, for a failure message."""
        out = []
        for path in sorted(self.dir.glob("**/*.log")):
            try:
                out.append(f"--- {path.relative_to(self.dir)}\n" + path.read_text(errors="replace")[-3000:])
            except OSError:
                pass
        return "\n".join(out)

    # --- pgBackRest --------------------------------------------------------------------------
    def write_backrest_conf(self) -> None:
        self.repo.mkdir()
        _chown(self.repo)
        (self.dir / "backrest-log").mkdir()
        _chown(self.dir / "backrest-log")
        (self.dir / "backrest-lock").mkdir()
        _chown(self.dir / "backrest-lock")
        # Same options as deploy/pgbackrest/pgbackrest.conf, the repository in this test's directory.
        self.backrest_conf.write_text(
            "[global]\n"
            f"repo1-path={self.repo}\n"
            "repo1-retention-full=2\n"
            "start-fast=y\n"
            "archive-async=n\n"
            "compress-type=lz4\n"
            f"log-path={self.dir / 'backrest-log'}\n"
            f"lock-path={self.dir / 'backrest-lock'}\n"
            "log-level-file=info\n"
            "log-level-console=warn\n"
            f"\n[{STANZA}]\n"
            f"pg1-path={self.nodes[0].data}\n"
            f"pg1-port={self.nodes[0].port}\n"
            f"pg1-socket-path={self.nodes[0].dir}\n"
            "pg1-user=postgres\n")
        _chown(self.backrest_conf)

    def backrest(self, *args: str, node: Node | None = None, timeout: float = 300) -> str:
        """pgbackrest <args>; a command that talks to PostgreSQL is pointed at `node` (default:
        the primary now, which is not always node1 of the configuration file)."""
        command = ["pgbackrest", f"--config={self.backrest_conf}", f"--stanza={STANZA}"]
        if args[0] in ("backup", "check", "stanza-create", "stanza-upgrade"):
            node = node or self.primary() or self.nodes[0]
            command += [f"--pg1-path={node.data}", f"--pg1-port={node.port}", f"--pg1-socket-path={node.dir}"]
        command += list(args)
        result = subprocess.run(_as_postgres(command), capture_output=True, text=True, timeout=timeout)
        if result.returncode:
            raise AssertionError(f"{' '.join(command)} failed ({result.returncode}): {result.stdout}{result.stderr}")
        return result.stdout
