"""Real processes for scale-out and fault tests: Daphnes, a procrastinate worker, a private Redis
and a private PostgreSQL, and a websocket client that resumes from its last seq like stream.js."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.conftest import free_port, stop_process

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    return f"postgis://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(extra_env: dict | None = None) -> subprocess.Popen:
    """`manage.py procrastinate worker` on the test database, polling every second."""
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "command.settings",
           **(extra_env or {})}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.Popen([sys.executable, "manage.py", "procrastinate", "worker", "-p", "1"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def api(base: str, token: str, path: str, body: dict | None = None, timeout: float = 15):
    """POST (with a body) or GET on the API; returns (status, json)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{base}{path}", data=data, method="POST" if body is not None else "GET",
                                     headers={"Content-Type": "application/json", "Authorization": f"Token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def run_async(scenario):
    """asyncio.run(scenario()) in a thread of its own. The session's Playwright browser keeps an
    event loop running in the main thread, where asyncio.run() would refuse to start."""
    import threading

    outcome = {}

    def target():
        try:
            outcome["value"] = asyncio.run(scenario())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="scenario")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def wait_until(predicate, timeout: float = 30, step: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"{what} not reached within {timeout} s")


class StreamClient:
    """A program on the live stream: token auth, resumes with ?since=<last seq> on any server
    in `bases` (round robin) after a drop, and keeps every frame it got, so a test can check
    nothing was lost or received twice."""

    def __init__(self, bases: list[str], token: str, since: int | None = None):
        self.bases = list(bases)
        self.token = token
        self.last = since
        self.frames: list[dict] = []
        self.connects: list[str] = []
        self.connected = asyncio.Event()
        self._stop = False
        self._task: asyncio.Task | None = None
        self._index = 0

    def start(self):
        self._task = asyncio.create_task(self._run())
        return self

    async def stop(self):
        self._stop = True
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass

    async def _run(self):
        import websockets

        while not self._stop:
            base = self.bases[self._index % len(self.bases)]
            url = base.replace("http://", "ws://") + "/ws/stream/"
            if self.last is not None:
                url += f"?since={self.last}"
            try:
                async with websockets.connect(url, additional_headers={"Authorization": f"Token {self.token}"},
                                              open_timeout=5, ping_interval=2, ping_timeout=4) as ws:
                    self.connects.append(base)
                    self.connected.set()
                    async for message in ws:
                        frame = json.loads(message)
                        if "seq" in frame:
                            self.frames.append(frame)
                            self.last = frame["seq"]
            except Exception:  # noqa: BLE001 - any drop (refused, reset, timeout): reconnect elsewhere
                pass
            self.connected.clear()
            self._index += 1
            await asyncio.sleep(0.3)

    def seqs(self, type_: str | None = None) -> list[int]:
        return [f["seq"] for f in self.frames if type_ is None or f["type"] == type_]

    def of_type(self, type_: str) -> list[dict]:
        return [f for f in self.frames if f["type"] == type_]

    async def wait_for(self, predicate, timeout: float = 30, what: str = "frames"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self):
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"{what} not received within {timeout} s; got {[(f['seq'], f['type']) for f in self.frames]}")

    def assert_once_each(self):
        seqs = self.seqs()
        assert len(seqs) == len(set(seqs)), f"a frame arrived twice: {seqs}"
        assert seqs == sorted(seqs), f"frames out of order: {seqs}"


class PrivateRedis:
    """A Redis of this test's own, so restarting it disturbs nobody else."""

    def __init__(self):
        self.port = free_port()
        self.workdir = tempfile.mkdtemp(prefix="redis-sec-")
        self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        import redis

        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc = subprocess.Popen([binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", self.workdir],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: _pings(redis.Redis(port=self.port)), 10, what="private redis up")
        return self

    def stop(self):
        if self.proc:
            stop_process(self.proc)
            self.proc = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _pings(client) -> bool:
    try:
        return client.ping()
    except Exception:  # noqa: BLE001
        return False


class PrivatePostgres:
    """A PostgreSQL cluster of this test's own (initdb in a temp dir, a free port), run as the
    postgres OS user, so restarting it disturbs nobody else's database."""

    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pg-sec-"))
        self.data = self.dir / "data"
        self.password = "sec-pass"

    @property
    def url(self) -> str:
        return f"postgis://command:{self.password}@127.0.0.1:{self.port}/command"

    def _as_postgres(self, *args, check=True, timeout=120):
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run(prefix + [str(a) for a in args], check=check, capture_output=True, text=True,
                              timeout=timeout)

    def init(self):
        shutil.chown(self.dir, "postgres") if os.geteuid() == 0 else None
        self._as_postgres(PG_BIN / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()
        psql = [PG_BIN / "psql", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres", "-v", "ON_ERROR_STOP=1"]
        self._as_postgres(*psql, "-c", f"CREATE ROLE command LOGIN SUPERUSER PASSWORD '{self.password}'")
        self._as_postgres(*psql, "-c", "CREATE DATABASE command OWNER command")
        self._as_postgres(*psql, "-d", "command", "-c", "CREATE EXTENSION postgis")
        return self

    def start(self):
        self._as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-l", self.dir / "log", "-w", "-t", "60", "-o",
                          f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self, mode="fast"):
        self._as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop", check=False)

    def migrate(self):
        env = {**os.environ, "DATABASE_URL": self.url, "DJANGO_SETTINGS_MODULE": "command.settings"}
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True,
                       capture_output=True, timeout=300)

    def shell(self, code: str) -> str:
        """Run Python with Django set up against this cluster (the test process stays on its own)."""
        env = {**os.environ, "DATABASE_URL": self.url, "DJANGO_SETTINGS_MODULE": "command.settings"}
        result = subprocess.run([sys.executable, "-c", "import django; django.setup()\n" + code], cwd=ROOT, env=env,
                                check=True, capture_output=True, text=True, timeout=120)
        return result.stdout

    def cleanup(self):
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)
