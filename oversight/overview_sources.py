"""Sources of the supervisor's overview (issue 25 point 10) that live beside or above oversight:
a registry, as safety.colour_inputs and core.panels are. Oversight's own categories (licences,
包保 checks, assessments, inspections, hidden dangers, certificates) stay in
oversight.selectors.overview; an app with more to show registers a source in its AppConfig.ready:

    from oversight import overview_sources
    overview_sources.register("exchange_sync", label=_("双重预防 exchange"), rows=stale_syncs)

`rows(user, at, enterprise_ids)` yields (enterprise, subject, status, date) for the enterprises
given (already narrowed to what the user may see and to the filter); `status` is one of
oversight.selectors.STATUSES. The contractors' qualifications and the special-work permits'
consistency checks (safety) register here too, from oversight's own AppConfig.ready, since
safety sits below oversight.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

RowsFn = Callable[[object, dt.datetime, list[int]], Iterable[tuple]]


@dataclass(frozen=True)
class Source:
    category: str
    label: object  # a lazy translation
    rows: RowsFn
    link: Callable[[], str] | None = None  # the source's own page, linked from its rows


_SOURCES: dict[str, Source] = {}


def register(category: str, *, label, rows: RowsFn, link: Callable[[], str] | None = None) -> None:
    existing = _SOURCES.get(category)
    if existing is not None and existing.rows is not rows:
        raise ValueError(f"overview source {category!r} is already registered")
    _SOURCES[category] = Source(category=category, label=label, rows=rows, link=link)


def registered() -> tuple[Source, ...]:
    return tuple(_SOURCES.values())
