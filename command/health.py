"""/healthz: is the command centre able to take a call right now?"""

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


def _postgres() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT postgis_lib_version()")
            cursor.fetchone()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "down", and we say which
        return str(exc).splitlines()[0][:200] if str(exc) else exc.__class__.__name__


def _redis() -> str | None:
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        client.close()
        return None
    except Exception as exc:  # noqa: BLE001
        return str(exc)[:200] or exc.__class__.__name__


@never_cache
def healthz(request):
    checks = {"postgresql": _postgres(), "redis": _redis()}
    body = {name: ("ok" if error is None else "down") for name, error in checks.items()}
    errors = {name: error for name, error in checks.items() if error is not None}
    if errors:
        body["status"] = "down"
        body["errors"] = errors
        return JsonResponse(body, status=503)
    body["status"] = "ok"
    return JsonResponse(body)
