"""`make run` is not a debug server (issue 16, point 7): DEBUG off, a generated secret key kept
in var/, static files still served; `make dev` gives developers debug mode."""

import os
import stat
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port, start_daphne, stop_process

ROOT = Path(__file__).resolve().parents[2]
SERVED = ("DEBUG", "SECRET_KEY", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
          "SECURE_HSTS_SECONDS")


def _serve_env(key_file, **extra):
    """The environment scripts/serve.sh gives Daphne (it sources scripts/serve_env.sh)."""
    env = {k: v for k, v in os.environ.items() if k not in SERVED}
    env.update(SECRET_KEY_FILE=str(key_file), **extra)
    out = subprocess.run(["bash", "-c", "set -euo pipefail; source scripts/serve_env.sh; env -0"], cwd=ROOT, env=env,
                         capture_output=True, check=True).stdout.decode()
    return dict(item.split("=", 1) for item in out.split("\0") if "=" in item)


def test_make_run_serves_with_debug_off_and_make_dev_with_it_on():
    run = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={k: v for k, v in os.environ.items() if k != "DEBUG"}).stdout
    dev = subprocess.run(["make", "-n", "dev"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "DEBUG=0 bash scripts/serve.sh" in run
    assert "DEBUG=1 bash scripts/serve.sh" in dev
    assert "source scripts/serve_env.sh" in (ROOT / "scripts/serve.sh").read_text()


def test_the_secret_key_is_generated_once_private_and_kept(tmp_path):
    key_file = tmp_path / "var" / "secret_key"
    first = _serve_env(key_file)
    assert first["DEBUG"] == "0" and len(first["SECRET_KEY"]) >= 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert _serve_env(key_file)["SECRET_KEY"] == first["SECRET_KEY"]  # a restart keeps sessions
    debug = _serve_env(tmp_path / "other", DEBUG="1")
    assert debug["DEBUG"] == "1" and "SECRET_KEY" not in debug and not (tmp_path / "other").exists()


@pytest.mark.django_db(transaction=True)
def test_served_as_make_run_shows_no_debug_page_and_still_serves_static_files(tmp_path):
    env = _serve_env(tmp_path / "secret_key")
    port = free_port()
    proc = start_daphne(port, extra_env={k: env[k] for k in SERVED})
    base = f"http://127.0.0.1:{port}"
    try:
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{base}/no-such-page/", timeout=10)
        body = missing.value.read().decode()
        assert missing.value.code == 404
        assert "URLconf" not in body and "DEBUG = True" not in body and "DATABASE_URL" not in body
        with urllib.request.urlopen(f"{base}/static/command/ui.js", timeout=10) as static:
            assert static.status == 200 and b"addEventListener" in static.read()
        # The pages' ES modules and what they import, with a JavaScript type (a browser runs a
        # module only then): the map, the stream it imports, the generated event types.
        for path in ("command/map.js", "stream/stream.js", "stream/event_types.js", "incidents/map_layers.js"):
            with urllib.request.urlopen(f"{base}/static/{path}", timeout=10) as module:
                assert module.status == 200 and module.headers.get_content_type() == "text/javascript", path
        with urllib.request.urlopen(f"{base}/login/", timeout=10) as login:  # plain http: no https redirect
            assert login.status == 200 and login.url == f"{base}/login/"
    finally:
        stop_process(proc)
