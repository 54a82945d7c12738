"""The front end's house rules (docs/architecture.md, "The front end"): native ES modules that talk
through imports, never window globals; the event types come from one generated module; the map's
layers and the shell's scripts come from the registries, and what they name exists."""

import pathlib
import re

from django.contrib.staticfiles import finders

from core import events, layers, panels
from stream import eventdoc

ROOT = pathlib.Path(__file__).resolve().parents[2]
GENERATED = eventdoc.js_path()


def _modules() -> list[pathlib.Path]:
    """Our own front-end JavaScript: every app's static/<app>/*.js, not vendored libraries."""
    return sorted(p for p in ROOT.glob("*/static/*/*.js") if "vendor" not in p.parts and p != GENERATED)


def test_the_event_types_module_is_fresh():
    assert GENERATED.read_text() == eventdoc.js_module(), \
        "stream/static/stream/event_types.js is stale: run `manage.py stream_events_doc`"


def test_no_module_retypes_an_event_type():
    names = {name for name, t in events.all_types().items() if t.doc != "test only"}
    prefixes = {name.split(".", 1)[0] + "." for name in names}
    offenders = []
    for path in _modules():
        for literal in re.findall(r"""["'`]([a-z_]+\.[a-z_]*)["'`]""", path.read_text()):
            if literal in names or literal in prefixes:
                offenders.append(f"{path.relative_to(ROOT)}: {literal!r}")
    assert offenders == [], "import the constant from stream/event_types.js instead: " + ", ".join(offenders)


def test_modules_talk_through_imports_not_window_globals():
    offenders = []
    for path in _modules():
        text = path.read_text()
        # The old shared objects (window.CommandStream, window.LiveAlerts...): capitalised globals.
        offenders += [f"{path.relative_to(ROOT)}: {m}" for m in re.findall(r"window\.[A-Z]\w*", text)
                      if m not in ("window.AudioContext", "window.Notification")]  # the browser's own
        if "use strict" in text:
            offenders.append(f"{path.relative_to(ROOT)}: 'use strict' (a module is strict already)")
    assert offenders == []


def test_modules_import_down_the_layers():
    """As the Python does: shared modules live in core and stream; no app's module imports the
    shell's (command), core's import only core's, stream's only stream's and core's."""
    allowed = {"core": {"core"}, "stream": {"stream", "core"}}
    offenders = []
    for path in _modules():
        app = path.relative_to(ROOT).parts[0]
        for target in re.findall(r"""from\s+["'](\.\.?/[^"']+)["']""", path.read_text()):
            # Static URLs: /static/<owner>/<file>, whichever app's static folder holds it.
            owner = app if target.startswith("./") else (path.parent / target).resolve().relative_to(
                path.parent.parent.resolve()).parts[0]
            if (owner == "command" and app != "command") or (app in allowed and owner not in allowed[app]):
                offenders.append(f"{path.relative_to(ROOT)} imports {target}")
    assert offenders == []


def test_every_script_tag_of_ours_is_a_module_with_the_nonce():
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for tag in re.findall(r"<script\b[^>]*>", path.read_text()):
            if "src=" not in tag or "/vendor/" in tag:
                continue  # data islands (json_script) and vendored classic libraries
            if 'type="module"' not in tag or "nonce=" not in tag:
                offenders.append(f"{path.relative_to(ROOT)}: {tag}")
    assert offenders == []


def test_registered_map_layers_name_events_and_modules_that_exist():
    names = {name for name in events.all_types()}
    for entry in [*layers.presented(), *layers.presented_3d()]:
        for prefix in entry.refresh_on:
            assert prefix in names or any(n.startswith(prefix) for n in names if prefix.endswith(".")), \
                f"layer {entry.name}: no event type {prefix!r}"
        if entry.script:
            found = finders.find(entry.script)
            assert found, f"layer {entry.name}: no static file {entry.script}"
            assert re.search(rf"""^\s*["']?{re.escape(entry.name)}["']?:""", pathlib.Path(found).read_text(), re.M), \
                f"{entry.script} does not draw layer {entry.name} (its `layers` export has no such key)"


def test_registered_page_scripts_exist():
    for script in panels.registered_scripts():
        assert finders.find(script.path), f"page script {script.name}: no static file {script.path}"


def test_a_new_layer_is_one_registration(rf, make_user):
    """The map page offers a registered layer with its label and legend, and hands the map script its
    drawing module and refresh events: nothing in the shell names it."""
    from command import map_views

    try:
        layers.register("test-wells", build=lambda **_: '{"type": "FeatureCollection", "features": []}',
                        roles={"commander"}, label="Wells", shown=True, order=5,
                        legend=layers.legend("kind", [("deep", "#123456", "Deep well")]),
                        refresh_on=["incident."], script="incidents/map_layers.js")
        entries = [e for e in layers.presented() if e.name == "test-wells"]
        request = rf.get("/map/")
        request.user = make_user("chief", "commander")
        offered = map_views._offered(request, entries)
        assert [(row["name"], row["label"], row["on"], row["key"]) for row in offered] == [
            ("test-wells", "Wells", True, "kind")]
        assert offered[0]["legend"] == [{"value": "deep", "colour": "#123456", "label": "Deep well"}]
        config = map_views._layer_config(offered)
        assert config["layers"] == [{"name": "test-wells", "script": "/static/incidents/map_layers.js",
                                     "refresh_on": ["incident."]}]
        assert config["layers_on"] == ["test-wells"]
    finally:
        layers._LAYERS.pop("test-wells", None)
        layers._PRESENTED.pop("test-wells", None)
