"""Settings are declared once (issue 23 point 7): every setting the apps read is in
command/settings.py with its default and a comment, and code reads `settings.X` directly.
A `getattr(settings, "X", default)` would hide a second default where nobody looks for it."""

import ast
import pathlib
import re

from django.conf import global_settings, settings

ROOT = pathlib.Path(__file__).resolve().parents[2]
APPS = sorted(p.parent.name for p in ROOT.glob("*/apps.py"))


def _sources():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts and path.name != "settings.py":
                yield path.relative_to(ROOT), path.read_text()


def _getattr_with_default(tree):
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
                and len(node.args) == 3 and isinstance(node.args[0], ast.Name) and node.args[0].id == "settings"):
            name = node.args[1].value if isinstance(node.args[1], ast.Constant) else ast.dump(node.args[1])
            yield node.lineno, name


def test_no_app_reads_a_setting_with_a_default_of_its_own():
    # A setting Django itself declares (SECURE_PROXY_SSL_HEADER, ...) has its one default in
    # django.conf.global_settings; anything else belongs in command/settings.py.
    found = [f"{path}:{line} getattr(settings, {name!r}, ...)"
             for path, text in _sources() for line, name in _getattr_with_default(ast.parse(text))
             if not (isinstance(name, str) and hasattr(global_settings, name))]
    assert found == [], "declare the setting in command/settings.py and read settings.X"


def test_the_check_finds_a_getattr_with_a_default():
    tree = ast.parse('x = getattr(settings, "PLAN_FOUR_EYES", True)\ny = getattr(settings, "DEBUG")\n')
    assert list(_getattr_with_default(tree)) == [(1, "PLAN_FOUR_EYES")]


def test_every_setting_the_apps_read_is_declared():
    read = {(str(path), name) for path, text in _sources()
            for name in re.findall(r"\bsettings\.([A-Z][A-Z0-9_]+)\b", text)}
    missing = sorted(f"{path}: settings.{name}" for path, name in read if not hasattr(settings, name))
    assert missing == []
