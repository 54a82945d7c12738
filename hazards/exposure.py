"""More of what a release's threat zone holds, from apps above hazards (a registry, as
safety.colour_inputs is): the park counts the people and vehicles inside each zone from its
gates' passages (`people_inside`, and which enterprises' staff). Hazards never imports them.

A counter gets the zone's boundary (a Polygon, SRID 4326) and answers a dict merged into that
zone's row of the release's answer.
"""

from __future__ import annotations

from collections.abc import Callable

Counter = Callable[..., dict]

_COUNTERS: dict[str, Counter] = {}


def register(name: str, counter: Counter) -> None:
    existing = _COUNTERS.get(name)
    if existing is not None and existing is not counter:
        raise ValueError(f"exposure counter {name!r} is already registered")
    _COUNTERS[name] = counter


def measured(boundary) -> dict:
    found: dict = {}
    for counter in _COUNTERS.values():
        found.update(counter(boundary))
    return found
