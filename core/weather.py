"""The latest weather, for apps below the one that measures it.

The release model (hazards, incidents) needs the park's wind, but the weather masts are
monitoring points, and monitoring sits above both. Monitoring registers a provider here at
start-up (MonitoringConfig.ready), as apps above contribute layers and panels.

A provider is `provider(near=(lon, lat) | None) -> dict | None`: the mast's observation, or None
when no mast has reported. Its keys: mast, name, at (aware datetime of the wind), age_s, stale,
wind_speed_ms, wind_from_deg, air_temperature_c, solar_radiation_w_m2, cloud_okta, daytime,
insolation, stability (each None where the mast lacks the instrument or the reading).
"""

from __future__ import annotations

from collections.abc import Callable

_provider: Callable[..., dict | None] | None = None


def register(provider: Callable[..., dict | None]) -> None:
    global _provider
    _provider = provider


def latest(*, near: tuple[float, float] | None = None) -> dict | None:
    """The latest observation of the mast nearest `near` (any mast when None), or None."""
    return _provider(near=near) if _provider is not None else None
