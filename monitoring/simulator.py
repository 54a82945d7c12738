"""The demo sensor simulator: realistic readings for every monitoring point over MQTT, and a
scripted leak a newcomer can trigger (`manage.py simulate leak RS01`).

Values: each kind has a base inside its normal band, a daily cycle (tank temperature and
pressure follow the sun, peaking mid-afternoon), a slow drift and noise; gas detectors read
near zero with small noise. Each point is published on <prefix>/points/<code> every
interval_s, with QoS 1.

A leak is asked for on <prefix>/simulator/leak with {"source": "RS01", "seconds": 180}: the
running simulator then drives that source's gas detectors up through H to HH within about
half a minute, holds, and lets them fall back, while the tank level sinks. Without a running
simulator (SIMULATOR=0) `simulate leak RS01 --publish` plays the leak itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import random
import time
from dataclasses import dataclass

import aiomqtt

from core.errors import DomainError
from monitoring.ingest import broker_address, client_auth

log = logging.getLogger(__name__)
DAY_S = 86400


@dataclass
class SimPoint:
    code: str
    kind: str
    source: str | None
    interval_s: float
    low: float  # normal band
    high: float
    h: float | None
    hh: float | None
    phase: float
    value: float = 0.0


def sim_points() -> list[SimPoint]:
    from monitoring.models import MonitoringPoint

    points = []
    for p in MonitoringPoint.objects.select_related("risk_source").order_by("code"):
        top = p.limit_h if p.limit_h is not None else (p.range_max if p.range_max is not None else 100)
        bottom = p.limit_l if p.limit_l is not None else (p.range_min if p.range_min is not None else 0)
        if p.kind in ("toxic_gas", "combustible_gas"):
            low, high = 0.0, top * 0.1
        else:
            span = top - bottom
            low, high = bottom + span * 0.35, bottom + span * 0.65
        points.append(SimPoint(code=p.code, kind=p.kind, source=p.risk_source.code if p.risk_source else None,
                               interval_s=max(1, p.interval_s), low=low, high=high, h=p.limit_h, hh=p.limit_hh,
                               phase=random.random() * 2 * math.pi))
    return points


def normal_value(point: SimPoint, now: float) -> float:
    if point.kind in WEATHER:
        return weather_value(point, now)
    mid, half = (point.low + point.high) / 2, (point.high - point.low) / 2
    if point.kind in ("toxic_gas", "combustible_gas"):
        return round(max(0.0, point.low + abs(random.gauss(0, half / 3))), 4)
    daily = math.sin(2 * math.pi * ((now % DAY_S) / DAY_S - 0.375))  # peak ≈ 15:00 UTC+8 → 07:00 UTC
    drift = math.sin(now / 3600 + point.phase)
    return round(mid + half * (0.5 * daily + 0.3 * drift) + random.gauss(0, half * 0.05), 4)


WEATHER = ("wind_speed", "wind_direction", "air_temperature", "solar_radiation", "cloud_cover")


def weather_value(point: SimPoint, now: float) -> float:
    """A mast by the sea: a south-easterly sea breeze of 2–6 m/s veering slowly, the sun of
    Asia/Shanghai (UTC+8; noon at 04:00 UTC), a sky of 2–6 okta."""
    hour = (now / 3600 + 8) % 24
    clouds = 4 + 2 * math.sin(now / 7200)
    if point.kind == "wind_speed":
        return round(max(0.6, 3.5 + 1.5 * math.sin(2 * math.pi * (hour - 9) / 24) + random.gauss(0, 0.3)), 1)
    if point.kind == "wind_direction":
        return round((135 + 25 * math.sin(now / 1800 + point.phase) + random.gauss(0, 4)) % 360, 0)
    if point.kind == "air_temperature":
        return round(19 + 5 * math.sin(2 * math.pi * (hour - 9) / 24) + random.gauss(0, 0.1), 1)
    if point.kind == "solar_radiation":
        sun = max(0.0, math.sin(math.pi * (hour - 6) / 12)) if 6 <= hour <= 18 else 0.0
        return round(1000 * sun * (1 - 0.08 * clouds) + (random.gauss(0, 5) if sun else 0), 0) if sun else 0.0
    return float(round(min(8, max(0, clouds + random.gauss(0, 0.3)))))


def leak_value(point: SimPoint, normal: float, elapsed: float, seconds: float) -> float:
    """Ramp to H by 10 s, to 1.5 × HH by 30 s, hold, fall back over the last 30 s."""
    if point.kind not in ("toxic_gas", "combustible_gas", "level") or point.hh is None and point.kind != "level":
        return normal
    if point.kind == "level":
        return round(max(0.0, normal - min(elapsed, seconds) * 0.05), 3)
    peak = point.hh * 1.5
    if elapsed < 10:
        target = normal + (point.h * 1.2 - normal) * elapsed / 10
    elif elapsed < 30:
        target = point.h * 1.2 + (peak - point.h * 1.2) * (elapsed - 10) / 20
    elif elapsed < seconds - 30:
        target = peak
    else:
        target = normal + (peak - normal) * max(0.0, (seconds - elapsed) / 30)
    return round(target * (1 + random.gauss(0, 0.02)), 4)


def identities(url: str, prefix: str) -> tuple[dict, list[tuple[dict, set[str]]]]:
    """Who the simulator is on the broker: a listening identity (leak orders) and, per demo
    device, its credentials and the points it may publish. With the device registry installed
    these are the demo devices' own (monitoring.sources); without it, MQTT_URL's for all."""
    from monitoring import sources

    auth = client_auth(url)
    if sources.registry.simulator is None:
        return auth, [(auth, {"*"})]
    listen, gateways = sources.registry.simulator(prefix)
    return ({**auth, "username": listen["username"], "password": listen["password"]},
            [({**auth, "username": g["username"], "password": g["password"]}, set(g["points"])) for g in gateways])


class Simulator:
    def __init__(self, *, url: str, prefix: str, speedup: float = 1.0, leak_every_s: float = 1.0):
        self.host, self.port = broker_address(url)
        self.url = url
        self.prefix = prefix
        self.leaks: dict[str, tuple[float, float]] = {}  # source → (started, seconds)
        self.leak_every_s = leak_every_s

    async def run(self, stop: asyncio.Event) -> None:
        import contextlib

        from asgiref.sync import sync_to_async

        points = await sync_to_async(sim_points, thread_sensitive=False)()
        log.info("simulating %s points", len(points))
        attempt = 0
        while not stop.is_set():
            try:
                listen, devices = await sync_to_async(identities, thread_sensitive=False)(self.url, self.prefix)
                async with contextlib.AsyncExitStack() as stack:
                    client = await stack.enter_async_context(aiomqtt.Client(
                        self.host, self.port, **listen, protocol=aiomqtt.ProtocolVersion.V5,
                        identifier=f"simulator-{random.randrange(16**6):06x}"))
                    senders = {}
                    for auth, codes in devices:
                        sender = await stack.enter_async_context(aiomqtt.Client(
                            self.host, self.port, **auth, protocol=aiomqtt.ProtocolVersion.V5,
                            identifier=f"sim-{auth.get('username')}-{random.randrange(16**6):06x}"))
                        senders.update({code: sender for code in codes})
                    attempt = 0
                    await client.subscribe(f"{self.prefix}/simulator/leak", qos=1)
                    listener = asyncio.create_task(self._listen(client))
                    try:
                        await self._publish_loop(senders, points, stop)
                    finally:
                        listener.cancel()
            except (aiomqtt.MqttError, DomainError) as exc:  # DomainError: the broker refused our identities
                attempt += 1
                delay = min(30, 2 ** attempt)
                log.warning("simulator: broker unavailable (%s), retrying in %s s", exc, delay)
                try:
                    await asyncio.wait_for(stop.wait(), delay)
                except TimeoutError:
                    pass

    async def _listen(self, client) -> None:
        async for message in client.messages:
            try:
                order = json.loads(message.payload)
                self.leaks[str(order["source"])] = (time.time(), float(order.get("seconds", 180)))
                log.warning("simulator: leak at %s for %s s", order["source"], order.get("seconds", 180))
            except (ValueError, KeyError, TypeError):
                log.warning("simulator: ignored leak order %r", message.payload[:200])

    async def _publish_loop(self, senders: dict, points: list[SimPoint], stop: asyncio.Event) -> None:
        """Each point through the device it is bound to (a point no demo device reports stays
        silent, as a real one would)."""
        points = [p for p in points if p.code in senders or "*" in senders]
        due = {p.code: time.time() + random.random() * p.interval_s for p in points}
        while not stop.is_set():
            now = time.time()
            for source, (started, seconds) in list(self.leaks.items()):
                if now - started > seconds:
                    del self.leaks[source]
            for point in points:
                leak = self.leaks.get(point.source)
                every = min(point.interval_s, self.leak_every_s) if leak else point.interval_s
                if due[point.code] > now:
                    continue
                due[point.code] = now + every
                value = normal_value(point, now)
                if leak:
                    value = leak_value(point, value, now - leak[0], leak[1])
                payload = json.dumps({"ts": int(now * 1000), "value": value})
                client = senders.get(point.code) or senders["*"]
                await client.publish(f"{self.prefix}/points/{point.code}", payload, qos=1)
            try:
                await asyncio.wait_for(stop.wait(), 0.2)
            except TimeoutError:
                pass


async def order_leak(*, url: str, prefix: str, source: str, seconds: float) -> None:
    host, port = broker_address(url)
    async with aiomqtt.Client(host, port, **client_auth(url), protocol=aiomqtt.ProtocolVersion.V5) as client:
        await client.publish(f"{prefix}/simulator/leak", json.dumps({"source": source, "seconds": seconds}), qos=1)


async def play_leak(*, url: str, prefix: str, source: str, seconds: float) -> None:
    """Publish the leak of one source by ourselves (no simulator running)."""
    import contextlib

    from asgiref.sync import sync_to_async

    points = [p for p in await sync_to_async(sim_points, thread_sensitive=False)() if p.source == source]
    host, port = broker_address(url)
    started = time.time()
    _listen, devices = await sync_to_async(identities, thread_sensitive=False)(url, prefix)
    async with contextlib.AsyncExitStack() as stack:
        senders = {}
        for auth, codes in devices:
            if "*" in codes or codes & {p.code for p in points}:
                sender = await stack.enter_async_context(
                    aiomqtt.Client(host, port, **auth, protocol=aiomqtt.ProtocolVersion.V5))
                senders.update({code: sender for code in codes})
        while time.time() - started < seconds:
            now = time.time()
            for point in points:
                client = senders.get(point.code) or senders.get("*")
                if client is None:
                    continue
                value = leak_value(point, normal_value(point, now), now - started, seconds)
                await client.publish(f"{prefix}/points/{point.code}",
                                     json.dumps({"ts": int(now * 1000), "value": value}), qos=1)
            await asyncio.sleep(1)
