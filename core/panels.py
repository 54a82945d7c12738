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

The shell's pages (templates/base.html) carry scripts of the apps too: the alarm bar
(monitoring), the overdue hidden-danger banner (safety). Each app registers its own in its
`panels.py`, and base.html places every registered script whose `when` holds for the page:

    # monitoring/panels.py
    panels.register_script("monitoring-alarms", path="monitoring/alarms.js", when=lambda page: page.get("alarm_bar"))

A script is an ES module (`<script type="module" nonce=...>`), so it imports what it needs
(`import * as stream from "../stream/stream.js"`) instead of reading window globals. `data`
becomes its tag's data-* attributes (translated labels; a callable gets the page's context),
`element_id` its id, for a module that reads them (`document.getElementById(...)`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class Script:
    name: str
    path: str  # a static path: "monitoring/alarms.js"
    when: Callable[[Mapping], bool]
    data: Mapping | Callable[[Mapping], Mapping] = field(default_factory=dict)
    element_id: str = ""
    order: int = 100


_SCRIPTS: dict[str, Script] = {}


def always(page: Mapping) -> bool:
    return True


def register_script(name: str, *, path: str, when: Callable[[Mapping], bool] = always,
                    data: Mapping | Callable[[Mapping], Mapping] | None = None, element_id: str = "",
                    order: int = 100) -> Script:
    """A script on every page of the shell (base.html) for which `when(page)` holds; `page` is the
    template context (`is_console`, `alarm_bar`, `is_responder`, `stream_since`, `roles`...)."""
    script = Script(name=name, path=path, when=when, data=data if data is not None else {}, element_id=element_id,
                    order=order)
    _SCRIPTS[name] = script
    return script


def registered_scripts() -> list[Script]:
    return sorted(_SCRIPTS.values(), key=lambda s: (s.order, s.name))


def scripts_for(page: Mapping) -> list[tuple[Script, dict]]:
    """The scripts of this page, with their data attributes (name without `data-` → text)."""
    out = []
    for script in registered_scripts():
        if script.when(page):
            data = script.data(page) if callable(script.data) else script.data
            out.append((script, {key: str(value) for key, value in data.items()}))
    return out
