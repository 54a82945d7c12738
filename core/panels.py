"""Panels that an app above adds to a page of an app below (docs/architecture.md, "Pages").

The incident page belongs to incidents, but the plans card on it belongs to plans, which
incidents may not import. plans registers the card in `plans/panels.py` (imported at
start-up by core.apps); the incident view asks for the page's panels and places them:

    # plans/panels.py
    panels.register("incident", "plans", render=plans_card, order=10)
    # incidents/views.py
    context["panels"] = panels.render("incident", request, incident)
    # templates/incidents/detail.html
    {% for panel in panels %}{{ panel }}{% endfor %}

`render(request, obj)` returns HTML (rendered by a template, so text is escaped) or ""
when the panel has nothing to show to this user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Panel:
    page: str
    name: str
    render: Callable[..., str]
    order: int = 100


_PANELS: dict[str, dict[str, Panel]] = {}


def register(page: str, name: str, *, render: Callable[..., str], order: int = 100) -> Panel:
    panel = Panel(page=page, name=name, render=render, order=order)
    _PANELS.setdefault(page, {})[name] = panel
    return panel


def registered(page: str) -> list[Panel]:
    return sorted(_PANELS.get(page, {}).values(), key=lambda p: (p.order, p.name))


def render(page: str, request, obj) -> list[SafeString]:
    out = []
    for panel in registered(page):
        html = panel.render(request, obj)
        if html:
            out.append(mark_safe(html))  # noqa: S308 - rendered by a template, which escaped it
    return out
