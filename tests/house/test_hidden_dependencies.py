"""No app reaches an app above it by a back door the import linter cannot see: a string model
reference ("incidents.Incident"), _meta.related_model, or apps.get_model."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
# Each app and the apps above it (pyproject.toml [tool.importlinter] layers).
ABOVE = {
    "core": {"resources", "hazards", "places", "incidents", "safety", "monitoring", "plans", "alerts", "drills",
             "command", "devices"},
    "resources": {"hazards", "incidents", "safety", "monitoring", "plans", "alerts", "drills", "command", "devices"},
    "hazards": {"incidents", "safety", "monitoring", "plans", "alerts", "drills", "command", "devices"},
    "incidents": {"safety", "monitoring", "plans", "alerts", "drills", "command", "devices"},
    "monitoring": {"safety", "plans", "alerts", "drills", "command", "devices"},
}


def test_lower_apps_hold_no_string_references_to_higher_apps():
    found = []
    for app, above in ABOVE.items():
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            text = path.read_text()
            for higher in above:
                if re.search(rf"""["']{higher}\.[A-Z]\w+["']""", text):
                    found.append(f"{path.relative_to(ROOT)} names a model of {higher}")
            if "related_model" in text or "get_model(" in text:
                found.append(f"{path.relative_to(ROOT)} reaches a model through _meta or the app registry")
    assert found == []
