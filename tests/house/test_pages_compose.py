"""A page of a lower app never loads a higher app's template tags: the cards of the apps
above come through core.panels (docs/architecture.md, "Pages")."""

import pathlib
import re

from core import panels

ROOT = pathlib.Path(__file__).resolve().parents[2]
# Which app's tag libraries a template folder may load: its own and those below it.
BELOW = {
    "incidents": {"incident_tags"},
    "hazards": set(),
    "resources": set(),
}
BUILTIN = {"i18n", "static", "l10n", "tz", "cache", "humanize", "leaflet_tags", "admin_urls", "admin_list"}
# Known and to be moved to <app>/panels.py by their owners (listed so it cannot grow unseen).
PENDING: set[tuple[str, str]] = set()


def test_lower_apps_templates_load_no_higher_apps_tags():
    for folder, allowed in BELOW.items():
        for path in (ROOT / "templates" / folder).rglob("*.html"):
            for load in re.findall(r"{%\s*load\s+([^%]+?)\s*%}", path.read_text()):
                for library in load.split():
                    name = str(path.relative_to(ROOT / "templates"))
                    assert library in allowed | BUILTIN or (name, library) in PENDING, \
                        f"{name} loads {library}: register a panel in that app's panels.py instead"


def test_the_plans_drills_and_alarm_cards_are_panels_of_the_incident_page():
    assert [p.name for p in panels.registered("incident")] == ["plans", "drills", "work-permits", "turnarounds",
                                                               "park-alarms"]
