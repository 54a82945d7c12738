"""Issue 13 point 12: no admin form answers 500, whatever is typed into it.

Walks every add form of the admin site as a superuser on the demo district, fills it from the
page itself (every input, select and inline row the page renders, the first real choice of
each list, so the form reaches the model and database checks), then posts bad values: a time
range ending before it starts, NUL bytes, numbers too big for any column, broken geometry.
Each answer must be a page (200 with form errors, or a redirect), never a server error.
"""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.gis.db import models as gis_models
from django.test import Client

from plans.models import DutyPost, Shift


class _FormFields(HTMLParser):
    """The fields of the admin change form (id="<model>_form"), with the values the page gives."""

    def __init__(self):
        super().__init__()
        self.inputs: list[tuple[str, str, str]] = []  # (name, kind, value)
        self._in_form = False
        self._select: str | None = None
        self._select_multiple = False
        self._first_option: str | None = None
        self._selected: list[str] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("id") or "").endswith("_form"):
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file", "image", "reset"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.inputs.append((name, kind, a.get("value", "on")))
                return
            self.inputs.append((name, kind, a.get("value", "")))
        elif tag == "select" and name:
            self._select, self._select_multiple = name, "multiple" in a
            self._first_option, self._selected = None, []
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if value and self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self._selected.append(value)
        elif tag == "textarea" and name:
            self._textarea = name
            self.inputs.append((name, "textarea", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select" and self._select:
            values = [v for v in self._selected if v] or ([self._first_option] if self._first_option else [""])
            for value in values[:1]:
                self.inputs.append((self._select, "select", value))
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.inputs and self.inputs[-1][0] == self._textarea:
            name, kind, value = self.inputs[-1]
            self.inputs[-1] = (name, kind, value + data)


def _base(name):
    """'levels-0-end_1' → 'end'; 'start_0' → 'start'."""
    base = name.rsplit("-", 1)[-1]
    if base[-2:] in ("_0", "_1"):
        base = base[:-2]
    return base


END_WORDS = ("end", "until", "to", "finish", "expire", "close", "valid_to", "stop")


def _is_end(name):
    base = _base(name).lower()
    return any(base == w or base.endswith("_" + w) or base.startswith(w + "_") for w in END_WORDS)


def _variants(fields, geometry_names):
    """(label, data) pairs: the page's own values with bad ones put in."""

    def data(change):
        out = {}
        for name, kind, value in fields:
            if name.endswith(("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")) \
                    or name == "csrfmiddlewaretoken":
                out[name] = value
                continue
            out.setdefault(name, [])
            new = change(name, kind, value)
            out[name].append(value if new is None else new)
        return out

    def end_before_start(name, kind, value):
        if name.endswith("_0") or kind == "date" or _base(name).endswith(("date", "_at", "_on")) \
                or _base(name) in ("start", "end", "begins", "ends"):
            if name.endswith("_1"):
                return "08:00:00"
            return "2026-01-01" if _is_end(name) else "2026-01-02"
        if name.endswith("_1"):
            return "08:00:00"
        if kind in ("text", "textarea") and not value:
            return "x"
        return None

    def nul(name, kind, value):
        if kind in ("text", "textarea", "email", "url", "search", "tel", "number"):
            return "a\x00b"
        if kind == "select":
            return "1\x00"
        return None

    def huge(name, kind, value):
        if kind in ("text", "number"):
            return "9" * 40
        if kind == "textarea":
            return "9" * 40
        return None

    def floats(name, kind, value):
        if kind in ("text", "number"):
            return "1e400"
        if kind == "select":
            return "99999999999999999999"
        return None

    def geometry(name, kind, value):
        if _base(name) in geometry_names:
            return next(GEOMETRIES)
        if kind in ("text",) and not value:
            return "x"
        return None

    yield "end before start", data(end_before_start)
    yield "NUL bytes", data(nul)
    yield "huge numbers", data(huge)
    yield "overflowing floats and ids", data(floats)
    for _ in range(len(BAD_GEOMETRIES)):
        yield "malformed geometry", data(geometry)


BAD_GEOMETRIES = [
    "POINT(",
    "not a geometry",
    '{"type": "Polygon", "coordinates": [[[0, 0]]]}',
    "SRID=4326;POINT(1e400 1e400)",
    "SRID=999999;POINT(113 22)",
    "POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))",
    '{"type": "Point", "coordinates": ["a", "b"]}',
]


class _Cycle:
    def __init__(self, items):
        self.items, self.i = items, 0

    def __next__(self):
        item = self.items[self.i % len(self.items)]
        self.i += 1
        return item


GEOMETRIES = _Cycle(BAD_GEOMETRIES)


@pytest.fixture
def superuser_client(demo):
    user = get_user_model().objects.create_superuser("root_walk", "root@example.invalid", "walk-pass-123")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_every_admin_add_form_survives_bad_input(superuser_client):
    client = superuser_client
    failures, walked = [], 0
    for model in list(admin.site._registry):
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/add/"
        page = client.get(url)
        if page.status_code in (403, 404, 302):
            continue  # no add form (read-only admins, history proxies)
        if page.status_code != 200:
            failures.append(f"GET {url}: {page.status_code}")
            continue
        parser = _FormFields()
        parser.feed(page.content.decode())
        geometry_names = {f.name for f in model._meta.get_fields() if isinstance(f, gis_models.GeometryField)}
        walked += 1
        for label, data in _variants(parser.inputs, geometry_names):
            response = client.post(url, data)
            if response.status_code >= 500:
                failures.append(f"POST {url} with {label}: {response.status_code}")
    assert walked >= 20, walked
    assert not failures, "\n".join(failures)


def test_shift_ending_before_it_starts_is_a_form_error(superuser_client):
    client = superuser_client
    post = DutyPost.objects.order_by("pk").first()
    person = get_user_model().objects.get(username="root_walk")
    before = Shift.objects.count()
    response = client.post("/admin/plans/shift/add/", {
        "post": post.pk, "person": person.pk,
        "start_0": "2031-03-02", "start_1": "08:00:00", "end_0": "2031-03-01", "end_1": "20:00:00"})
    assert response.status_code == 200
    errors = str(response.context["adminform"].form.errors)
    assert "must end after it starts" in errors and "end" in response.context["adminform"].form.errors
    assert Shift.objects.count() == before
    day = dt.date(2031, 3, 1)
    assert not Shift.objects.filter(start__date=day).exists()
