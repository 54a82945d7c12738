"""Every URL × every role: allowed or refused, as the table below intends.

The table is the intent; the test walks the URLconf and fails on any route the table does
not list, so a new page or endpoint cannot ship without someone deciding who may use it.

What "allowed" and "refused" mean:
- GET: allowed = 200 or a redirect that is not to the login page; refused = 401, 403, 404 (a
  responder asking for another unit's assignment must not learn it exists) or a redirect
  to the login page.
- POST (with a valid body, so that only the role can stand in the way): allowed = the
  request wrote rows to the database; refused = it wrote nothing and answered 302 (with a
  message), 400, 401, 403, 404 or 409. Rows are counted with PostgreSQL's own per-transaction
  statistics, so any write through any path counts, and each request is rolled back after.
Entries marked "public" are judged on the status alone (login, logout, language, token).
"""

import datetime as dt
import json

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import URLResolver, get_resolver
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.security.conftest import COAST, ROLES, client_for

A, D, S, C, R, P, V, OUT = ROLES  # anonymous, duty_officer, dispatcher, commander, responder, planner, viewer, outsider
SUP, EO = "safety_supervisor", "enterprise_officer"  # the safety ledger's roles (their world: SAFETY_MATRIX)
ROLES = [*ROLES, SUP, EO]
EVERYONE = frozenset(ROLES)
LOGGED_IN = EVERYONE - {A}
CONSOLE = frozenset({D, S, C, P, V})
INTAKE = frozenset({D, S, C})
DISPATCH = frozenset({S, C})
COMMAND = frozenset({C})
NOBODY = frozenset()

POINT = {"type": "Point", "coordinates": [113.6, 22.75]}
ON_SITE = {"type": "Point", "coordinates": [113.621, 22.7]}  # on the enterprise's site (conftest)


def _alert_fields(**extra):
    return {"level": "yellow", "category": "Met", "event": "台风", "headline": "台风黄色预警", "description": "d",
            "area": COAST, "area_description": "沿海", **extra}


def _expires(fmt=None):
    moment = timezone.localtime(timezone.now() + dt.timedelta(hours=12))
    return moment.strftime(fmt) if fmt else moment.isoformat()


def _roster_csv(world):
    start = timezone.localtime(timezone.now() + dt.timedelta(days=40)).replace(hour=8, minute=0)
    end = start + dt.timedelta(hours=8)
    text = f"post,username,start,end\nDUTY,sec_duty,{start:%Y-%m-%d %H:%M},{end:%Y-%m-%d %H:%M}\n"
    return {"file": SimpleUploadedFile("roster.csv", text.encode(), content_type="text/csv")}


# route → {method: (allowed roles, object the <pk> names, body or body factory, how it is sent)}
# body kinds: "form" (urlencoded or multipart), "json"; "public" judges on status only.
MATRIX = {
    "": {"GET": (LOGGED_IN, None, None, None)},  # each role lands on its own page; outsiders on no-role
    "healthz": {"GET": (EVERYONE, None, None, None)},  # load balancers probe it without credentials
    "login/": {"GET": (EVERYONE, None, None, None),
               "POST": (EVERYONE, None, {"username": "sec_viewer", "password": PASSWORD}, "public")},
    "logout/": {"POST": (EVERYONE, None, {}, "public")},
    "no-role/": {"GET": (EVERYONE, None, None, None)},
    "i18n/setlang/": {"POST": (EVERYONE, None, {"language": "en", "next": "/"}, "public")},
    "incidents/": {"GET": (CONSOLE, None, None, None)},
    "incidents/new/": {"GET": (INTAKE, None, None, None),
                       "POST": (INTAKE, None, {"type": "fire", "severity": "III", "lon": "113.6", "lat": "22.75"},
                                "form")},
    "incidents/duplicates/": {"GET": (INTAKE, None, None, None)},
    "incidents/board/": {"GET": (CONSOLE, None, None, None)},
    "incidents/metrics/": {"GET": (CONSOLE, None, None, None)},
    "incidents/responder/": {"GET": (frozenset({R}), None, None, None)},
    "incidents/<int:pk>/": {"GET": (CONSOLE, "incident", None, None)},
    "incidents/<int:pk>/record-call/": {"POST": (INTAKE, "incident", {"caller_name": "Li", "note": "again"}, "form")},
    "incidents/<int:pk>/dispatch/": {"POST": (DISPATCH, "incident", lambda w: {"resources": [w["spare"].pk]}, "form")},
    "incidents/<int:pk>/change/": {"POST": (INTAKE, "incident", {"action": "note", "text": "hello"}, "form")},
    # The assigned unit's responder, and the console roles that keep incidents.
    "incidents/assignments/<int:pk>/act/": {"POST": (INTAKE | {R}, "assignment", {"action": "acknowledge"}, "form")},
    # A unit out of service (a decline for a broken vehicle) is put back by dispatchers or its own crew.
    "incidents/units/<int:pk>/return/": {"POST": (DISPATCH, "broken_unit", {}, "form")},
    "map/": {"GET": (CONSOLE, None, None, None)},
    "map/3d/": {"GET": (CONSOLE | {SUP}, None, None, None)},  # the park in 3D, also for the park's supervisor
    "plans/": {"GET": (CONSOLE, None, None, None)},
    "plans/<int:pk>/document/": {"GET": (CONSOLE, "plan", None, None)},
    "plans/incidents/<int:pk>/": {"GET": (CONSOLE, "incident", None, None)},
    "plans/incidents/<int:pk>/panel/": {"GET": (CONSOLE, "incident", None, None)},
    "plans/incidents/<int:pk>/activate/": {"POST": (COMMAND, "incident", lambda w: {"plan": w["plan"].pk, "level": "III"},
                                                    "form")},
    "plans/activations/<int:pk>/raise/": {"POST": (COMMAND, "activation", {"level": "III"}, "form")},
    "plans/activations/<int:pk>/end/": {"POST": (COMMAND, "activation", {"reason": "over"}, "form")},
    # Any console role may tick off a task (the task names a responsible body, not a role).
    "plans/tasks/<int:pk>/done/": {"POST": (INTAKE, "task", {}, "form")},
    "plans/duty/": {"GET": (CONSOLE, None, None, None)},
    "plans/duty/month/": {"GET": (CONSOLE, None, None, None)},
    "plans/duty/import/": {"GET": (frozenset({P}), None, None, None),
                           "POST": (frozenset({P}), None, _roster_csv, "form")},
    # Only the officer whose shift is ending (the duty officer here) hands over,
    "plans/duty/handover/": {"POST": (frozenset({D}), None, {"note": "all quiet"}, "form")},
    # and only the incoming officer (the dispatcher here) confirms.
    "plans/duty/handover/<int:pk>/confirm/": {"POST": (frozenset({S}), "handover", {}, "form")},
    "plans/duty/calendar/": {"GET": (LOGGED_IN, None, None, None)},  # everyone's own shifts
    # Drills (issue 14): console roles read; dispatchers and commanders direct; commanders and
    # planners evaluate; intake roles file incident reports.
    "drills/": {"GET": (CONSOLE, None, None, None)},
    "drills/new/": {"POST": (DISPATCH, None, lambda w: {"scenario": w["scenario"].pk}, "form")},
    "drills/<int:pk>/": {"GET": (CONSOLE, "drill", None, None)},
    "drills/<int:pk>/act/": {"POST": (DISPATCH, "drill", {"action": "start"}, "form")},
    "drills/<int:pk>/report/": {"GET": (CONSOLE, "ended_drill", None, None)},
    "drills/findings/": {"POST": (COMMAND | {P}, None, lambda w: {"drill": w["ended_drill"].pk,
                                                                  "category": "deficiency", "text": "x"}, "form")},
    "drills/findings/<int:pk>/revision/": {"POST": (COMMAND | {P}, "finding", {}, "form")},
    "drills/after-action/<int:pk>/": {"GET": (CONSOLE, "incident", None, None)},
    "drills/after-action/<int:pk>.pdf": {"GET": (CONSOLE, "incident", None, None)},
    "drills/after-action/<int:pk>/reports/": {"POST": (INTAKE, "incident", {"kind": "initial", "text": "x"}, "form")},
    "drills/incident/<int:pk>/release/": {"POST": (DISPATCH, "exercise_incident", {}, "form")},
    "alerts/": {"GET": (CONSOLE, None, None, None)},
    "alerts/feed/": {"GET": (EVERYONE, None, None, None)},  # the public Atom feed of issued warnings
    "alerts/new/": {"GET": (COMMAND, None, None, None),
                    "POST": (COMMAND, None, lambda w: _alert_fields(expires=_expires("%Y-%m-%dT%H:%M")), "form")},
    "alerts/<int:pk>/": {"GET": (CONSOLE, "issued_alert", None, None)},  # a draft: commanders only
    "alerts/<int:pk>/edit/": {"GET": (COMMAND, "alert", None, None),
                              "POST": (COMMAND, "alert", lambda w: _alert_fields(expires=_expires("%Y-%m-%dT%H:%M")),
                                       "form")},
    "alerts/<int:pk>/issue/": {"POST": (COMMAND, "alert", {}, "form")},
    "alerts/<int:pk>/cancel/": {"POST": (COMMAND, "issued_alert", {"note": "over"}, "form")},
    "api/schema/": {"GET": (LOGGED_IN, None, None, None)},
    "api/docs/": {"GET": (LOGGED_IN, None, None, None)},
    "api/v1/auth/token/": {"POST": (EVERYONE, None, {"username": "sec_viewer", "password": PASSWORD}, "public")},
    "api/v1/me/": {"GET": (LOGGED_IN, None, None, None)},
    "api/v1/incidents/": {"GET": (CONSOLE, None, None, None),
                          "POST": (INTAKE, None, {"type": "fire", "severity": "II", "location": POINT}, "json")},
    "api/v1/incidents/<int:pk>/": {"GET": (CONSOLE, "incident", None, None)},
    "api/v1/incidents/<int:pk>/recommendations/": {"GET": (CONSOLE, "incident", None, None)},
    "api/v1/incidents/<int:pk>/run-card/": {"GET": (CONSOLE, "incident", None, None)},
    "api/v1/incidents/<int:pk>/units/": {"GET": (CONSOLE, "incident", None, None)},  # any available unit, by search
    "api/v1/places/": {"GET": (CONSOLE, None, None, None)},  # address search over the gazetteer
    "api/v1/basemap/": {"GET": (LOGGED_IN, None, None, None)},  # the district's own base map, for every map
    "api/v1/incidents/<int:pk>/assignments/": {"POST": (DISPATCH, "incident", lambda w: {"resources": [w["spare"].pk]},
                                                        "json")},
    "api/v1/incident-types/": {"GET": (LOGGED_IN, None, None, None)},  # reference data
    "api/v1/resources/": {"GET": (CONSOLE, None, None, None)},
    "api/v1/resources/<int:pk>/": {"GET": (CONSOLE, "unit", None, None)},
    # Positions (issue 24): a responder for their own unit (others are refused outright);
    # vehicles' positions come from the park's app above, with its own rule.
    "api/v1/positions/": {"POST": (frozenset({R}), None, lambda w: [{
        "subject": f"resource:{w['unit'].pk}", "ts": timezone.now().isoformat(), "lon": 113.6, "lat": 22.75}],
        "json")},
    # Console roles see every assignment; a responder their unit's; others an empty list.
    "api/v1/assignments/": {"GET": (LOGGED_IN, None, None, None)},
    "api/v1/assignments/<int:pk>/": {"GET": (CONSOLE | {R}, "assignment", None, None)},
    "api/v1/assignments/<int:pk>/acknowledge/": {"POST": (INTAKE | {R}, "assignment", {}, "json")},
    "api/v1/assignments/<int:pk>/decline/": {"POST": (INTAKE | {R}, "assignment", {"reason": "engine broken"}, "json")},
    "api/v1/assignments/<int:pk>/status/": {"POST": (INTAKE | {R}, "assignment", {"status": "en_route"}, "json")},
    "api/v1/chemicals/": {"GET": (CONSOLE, None, None, None)},
    "api/v1/risk-sources/": {"GET": (CONSOLE, None, None, None)},
    "api/v1/risk-sources/<int:pk>/": {"GET": (CONSOLE, "risk_source", None, None)},
    "api/v1/releases/": {"GET": (CONSOLE, None, None, None),
                         "POST": (INTAKE, None, {"location": POINT, "chemical": "7782-50-5", "rate_kg_s": 1,
                                                 "duration_s": 600, "wind_speed_ms": 3, "wind_from_deg": 90,
                                                 "stability": "D"}, "json")},
    "api/v1/releases/<int:pk>/": {"GET": (CONSOLE, "release", None, None)},
    "api/v1/layers/<slug:name>/": {"GET": (CONSOLE, "layer", None, None)},
    "api/v1/duty/now/": {"GET": (CONSOLE, None, None, None)},
    "api/v1/people/<str:username>/roster.ics": {"GET": (CONSOLE, "username", None, None)},
    "api/v1/incidents/<int:pk>/plans/": {"GET": (CONSOLE, "incident", None, None)},
    "api/v1/incidents/<int:pk>/activations/": {"GET": (CONSOLE, "incident", None, None),
                                               "POST": (COMMAND, "incident",
                                                        lambda w: {"plan": w["plan"].pk, "level": "III"}, "json")},
    "api/v1/tasks/<int:pk>/done/": {"POST": (INTAKE, "task", {}, "json")},
    "api/v1/plans/": {"GET": (CONSOLE, None, None, None)},
    "api/v1/plans/<int:pk>/": {"GET": (CONSOLE, "plan", None, None)},
    "api/v1/activations/": {"GET": (CONSOLE, None, None, None)},
    "api/v1/activations/<int:pk>/": {"GET": (CONSOLE, "activation", None, None)},
    "api/v1/tasks/": {"GET": (CONSOLE, None, None, None)},
    "api/v1/tasks/<int:pk>/": {"GET": (CONSOLE, "task", None, None)},
    # The roster: console roles see every shift, anyone else their own (as with the .ics feed).
    "api/v1/shifts/": {"GET": (LOGGED_IN, None, None, None)},
    # Public warnings are public once issued: any signed-in person may read them; drafts stay
    # with commanders (the list filters them, a draft's detail and CAP answer 404).
    "api/v1/scenarios/": {"GET": (CONSOLE, None, None, None)},
    "api/v1/drills/": {"GET": (CONSOLE, None, None, None),
                       "POST": (DISPATCH, None, lambda w: {"scenario": w["scenario"].pk}, "json")},
    "api/v1/drills/due/": {"GET": (CONSOLE, None, None, None)},
    "api/v1/drills/<int:pk>/": {"GET": (CONSOLE, "drill", None, None)},
    "api/v1/drills/<int:pk>/start/": {"POST": (DISPATCH, "drill", {}, "json")},
    "api/v1/drills/<int:pk>/end/": {"POST": (DISPATCH, "running_drill", {}, "json")},
    "api/v1/drills/<int:pk>/release-units/": {"POST": (DISPATCH, "running_drill", {}, "json")},
    "api/v1/drills/<int:pk>/report/": {"GET": (CONSOLE, "ended_drill", None, None)},
    "api/v1/drills/<int:pk>/findings/": {"POST": (COMMAND | {P}, "ended_drill", {"category": "deficiency",
                                                                                "text": "x"}, "json")},
    "api/v1/findings/": {"GET": (CONSOLE, None, None, None)},
    "api/v1/findings/<int:pk>/revision/": {"POST": (COMMAND | {P}, "finding", {}, "json")},
    "api/v1/incidents/<int:pk>/after-action/": {"GET": (CONSOLE, "incident", None, None)},
    "api/v1/incidents/<int:pk>/reports/": {"GET": (CONSOLE, "incident", None, None),
                                           "POST": (INTAKE, "incident", {"kind": "initial", "text": "x"}, "json")},
    "api/v1/alerts/": {"GET": (LOGGED_IN, None, None, None),
                       "POST": (COMMAND, None, lambda w: _alert_fields(expires=_expires()), "json")},
    "api/v1/alerts/layer/": {"GET": (LOGGED_IN, None, None, None)},
    "api/v1/layers/alerts/": {"GET": (LOGGED_IN, None, None, None)},  # the same current warnings, on the map
    "api/v1/alerts/<int:pk>/": {"GET": (COMMAND, "alert", None, None)},
    "api/v1/alerts/<int:pk>/cap/": {"GET": (EVERYONE, "issued_alert", None, None)},
    "api/v1/alerts/<int:pk>/issue/": {"POST": (COMMAND, "alert", {}, "json")},
    "api/v1/alerts/<int:pk>/update/": {"POST": (COMMAND, "issued_alert",
                                                lambda w: _alert_fields(headline="更新", expires=_expires()), "json")},
    "api/v1/alerts/<int:pk>/cancel/": {"POST": (COMMAND, "issued_alert", {"note": "over"}, "json")},
}

# --- the park's safety ledger (safety app) ---------------------------------------------------
# A park safety supervisor keeps every enterprise's ledger; an enterprise safety officer only
# their own (here E1, where every object below lives; tests/safety tries another enterprise).
# Console roles read enterprises, permits and the permits layer: people may be inside a tank.
LEDGER = frozenset({SUP, EO})


def _local_minutes(**delta):
    return timezone.localtime(timezone.now() + dt.timedelta(**delta)).strftime("%Y-%m-%dT%H:%M")


def _photo_upload(world):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="PNG")
    return {"photo": SimpleUploadedFile("p.png", buffer.getvalue(), content_type="image/png")}


def _gas(**extra):
    return {"at": (timezone.now() - dt.timedelta(minutes=1)).isoformat(), "combustible_percent": 0.1,
            "lel_percent": 5, "o2_percent": 20.5, **extra}


SAFETY_MATRIX = {
    "safety/": {"GET": (LEDGER, None, None, None)},
    "safety/enterprises/<int:pk>/": {"GET": (LEDGER, "enterprise", None, None)},
    "safety/enterprises/<int:pk>/ledger.xlsx": {"GET": (LEDGER, "enterprise", None, None)},
    "safety/enterprises/<int:pk>/commitment/": {"POST": (LEDGER, "enterprise", {
        "units_running": 2, "units_stopped": 0, "special_work": 0, "trial_runs": 0, "startups_shutdowns": 0,
        "risk_level": "blue"}, "form")},
    "safety/hidden-dangers/": {"GET": (LEDGER, None, None, None)},
    "safety/hidden-dangers/new/": {"GET": (LEDGER, None, None, None),
                                   "POST": (LEDGER, None, lambda w: {"enterprise": w["enterprise"].pk, "title": "t",
                                                                     "level": "general",
                                                                     "deadline": _local_minutes(days=2)}, "form")},
    "safety/hidden-dangers/<int:pk>/": {"GET": (LEDGER, "hidden_danger", None, None)},
    "safety/hidden-dangers/<int:pk>/plan/": {"POST": (LEDGER, "hidden_danger", {"measures": "m"}, "form")},
    "safety/hidden-dangers/<int:pk>/rectified/": {"POST": (LEDGER, "hd_rectifying", {"note": "done"}, "form")},
    # Only a supervisor verifies (and not the one who rectified it: the officer did here).
    "safety/hidden-dangers/<int:pk>/verify/": {"POST": (frozenset({SUP}), "hd_awaiting", {"accepted": "1"}, "form")},
    "safety/hidden-dangers/<int:pk>/photos/": {"POST": (LEDGER, "hidden_danger", _photo_upload, "form")},
    "safety/hidden-dangers/<int:pk>/photos/<int:photo_pk>/": {"GET": (LEDGER, "photo", None, None)},
    "safety/permits/": {"GET": (LEDGER, None, None, None)},
    "safety/permits/new/": {"GET": (LEDGER, None, None, None),
                            "POST": (LEDGER, None, lambda w: {"enterprise": w["enterprise"].pk, "kind": "height",
                                                              "height_m": "3", "place": "roof", "valid_from": _local_minutes(),
                                                              "valid_to": _local_minutes(hours=4)}, "form")},
    "safety/permits/<int:pk>/": {"GET": (LEDGER, "permit", None, None)},
    "safety/permits/<int:pk>/start/": {"POST": (LEDGER, "permit", {}, "form")},
    "safety/permits/<int:pk>/resume/": {"POST": (LEDGER, "permit_suspended", {}, "form")},
    "safety/permits/<int:pk>/close/": {"POST": (LEDGER, "permit_running", {}, "form")},
    "safety/permits/<int:pk>/cancel/": {"POST": (LEDGER, "permit", {}, "form")},
    "safety/permits/<int:pk>/gas-test/": {"POST": (LEDGER, "permit", lambda w: {
        "at": _local_minutes(minutes=-1), "combustible_percent": "0.1", "lel_percent": "5", "o2_percent": "20.5"},
        "form")},
    # Issue 25 (points 3 and 7): the enterprise approves its own permits; the park spot-checks them.
    "safety/permits/<int:pk>/pause/": {"POST": (LEDGER, "permit_in_force", {}, "form")},
    "safety/permits/<int:pk>/approve/": {"POST": (frozenset({EO}), "permit", {
        "level": "principal", "approver": "Wang", "on_site": "on"}, "form")},
    "safety/permits/<int:pk>/file/": {"POST": (LEDGER, "permit", {}, "form")},
    "safety/permits/<int:pk>/spot-check/": {"POST": (frozenset({SUP}), "permit_in_force", {"result": "compliant"},
                                                     "form")},
    "safety/special-work/": {"GET": (LEDGER, None, None, None)},
    "safety/special-work/stats.xlsx": {"GET": (LEDGER, None, None, None)},
    "safety/special-work/filings/": {"POST": (LEDGER, None, lambda w: {
        "enterprise": w["enterprise"].pk, "kind": "lifting", "place": "yard", "planned_from": _local_minutes(hours=1),
        "planned_to": _local_minutes(hours=3)}, "form")},
    "safety/contractors/": {"GET": (LEDGER, None, None, None),
                            "POST": (LEDGER, None, lambda w: {
                                "enterprise": w["enterprise"].pk, "name": "c", "credit_code": "91440400MA4X00002K",
                                "kind": "安全生产许可证", "number": "N-2", "valid_to": "2099-01-01"}, "form")},
    "safety/contractors/<int:pk>/qualifications/": {"POST": (LEDGER, "contractor", {
        "kind": "k", "number": "n", "valid_to": "2099-01-01"}, "form")},
    "api/v1/enterprises/": {"GET": (LEDGER | CONSOLE, None, None, None)},
    "api/v1/enterprises/<int:pk>/": {"GET": (LEDGER | CONSOLE, "enterprise", None, None)},
    "api/v1/enterprises/<int:pk>/ledger.xlsx": {"GET": (LEDGER, "enterprise", None, None)},
    "api/v1/risk-points/": {"GET": (LEDGER, None, None, None),
                            "POST": (LEDGER, None, lambda w: {"enterprise": w["enterprise"].pk, "name": "p",
                                                              "location": ON_SITE, "method": "LS", "likelihood": 2,
                                                              "severity": 3}, "json")},
    "api/v1/hidden-danger-criteria/": {"GET": (LOGGED_IN, None, None, None)},  # reference data
    "api/v1/hidden-dangers/": {"GET": (LEDGER, None, None, None),
                               "POST": (LEDGER, None, lambda w: {"enterprise": w["enterprise"].pk, "title": "t",
                                                                 "deadline": _expires()}, "json")},
    "api/v1/hidden-dangers/import/": {"POST": (LEDGER, None, lambda w: {"enterprise": w["enterprise"].pk, "rows": [
        {"external_id": "X1", "title": "t", "deadline": _expires()}]}, "json")},
    "api/v1/hidden-dangers/<int:pk>/": {"GET": (LEDGER, "hidden_danger", None, None)},
    "api/v1/hidden-dangers/<int:pk>/rectification/": {"POST": (LEDGER, "hidden_danger", {"measures": "m"}, "json")},
    "api/v1/hidden-dangers/<int:pk>/deadline/": {"POST": (frozenset({SUP}), "hidden_danger", lambda w: {
        "deadline": _expires(), "note": "spare part on order"}, "json")},
    "api/v1/hidden-dangers/<int:pk>/rectified/": {"POST": (LEDGER, "hd_rectifying", {"note": "done"}, "json")},
    "api/v1/hidden-dangers/<int:pk>/verify/": {"POST": (frozenset({SUP}), "hd_awaiting", {"accepted": True}, "json")},
    "api/v1/hidden-dangers/<int:pk>/photos/": {"POST": (LEDGER, "hidden_danger", _photo_upload, "form")},
    "api/v1/hidden-dangers/<int:pk>/photos/<int:photo_pk>/": {"GET": (LEDGER, "photo", None, None)},
    "api/v1/work-permits/": {"GET": (LEDGER | CONSOLE, None, None, None),
                             "POST": (LEDGER, None, lambda w: {
                                 "enterprise": w["enterprise"].pk, "kind": "height", "height_m": 3, "place": "roof",
                                 "valid_from": timezone.now().isoformat(), "valid_to": _expires()}, "json")},
    "api/v1/work-permits/<int:pk>/": {"GET": (LEDGER | CONSOLE, "permit", None, None)},
    "api/v1/work-permits/<int:pk>/start/": {"POST": (LEDGER, "permit", {}, "json")},
    "api/v1/work-permits/<int:pk>/resume/": {"POST": (LEDGER, "permit_suspended", {}, "json")},
    "api/v1/work-permits/<int:pk>/close/": {"POST": (LEDGER, "permit_running", {}, "json")},
    "api/v1/work-permits/<int:pk>/cancel/": {"POST": (LEDGER, "permit", {}, "json")},
    "api/v1/work-permits/<int:pk>/gas-tests/": {"POST": (LEDGER, "permit", lambda w: _gas(), "json")},
    "api/v1/work-permits/<int:pk>/approve/": {"POST": (frozenset({EO}), "permit", {
        "level": "principal", "approver": "Wang", "on_site": True}, "json")},
    "api/v1/work-permits/<int:pk>/pause/": {"POST": (LEDGER, "permit_in_force", {}, "json")},
    "api/v1/work-permits/<int:pk>/spot-checks/": {"GET": (LEDGER, "permit_in_force", None, None),
                                                  "POST": (frozenset({SUP}), "permit_in_force",
                                                           {"result": "issues", "findings": "no watcher"}, "json")},
    "api/v1/work-permits/stats/": {"GET": (LEDGER | CONSOLE, None, None, None)},
    "api/v1/work-filings/": {"GET": (LEDGER, None, None, None),
                             "POST": (LEDGER, None, lambda w: {"enterprise": w["enterprise"].pk, "permit": w["permit"].pk},
                                      "json")},
    "api/v1/work-filings/gaps/": {"GET": (LEDGER, None, None, None)},
    "api/v1/work-filings/<int:pk>/link/": {"POST": (LEDGER, "filing", lambda w: {"permit": w["permit"].pk}, "json")},
    "api/v1/contractors/": {"GET": (LEDGER, None, None, None),
                            "POST": (LEDGER, None, lambda w: {
                                "enterprise": w["enterprise"].pk, "name": "c", "credit_code": "91440400MA4X00003K",
                                "qualifications": [{"kind": "k", "number": "n", "valid_to": "2099-01-01"}]}, "json")},
    "api/v1/contractors/<int:pk>/": {"GET": (LEDGER, "contractor", None, None)},
    "api/v1/contractors/<int:pk>/qualifications/": {"POST": (LEDGER, "contractor", {
        "kind": "k", "number": "n", "valid_to": "2099-01-01"}, "json")},
    "api/v1/layers/hidden-dangers/": {"GET": (LEDGER | CONSOLE, None, None, None)},
    "api/v1/commitments/": {"GET": (LEDGER, None, None, None),
                            "POST": (LEDGER, None, lambda w: {"enterprise": w["enterprise"].pk, "units_running": 1,
                                                              "units_stopped": 0, "risk_level": "blue"}, "json")},
    "api/v1/inspection-draws/": {"GET": (LEDGER, None, None, None),  # an officer's list is empty
                                 "POST": (frozenset({SUP}), None, {"count": 1}, "json")},
    "api/v1/layers/work-permits/": {"GET": (LEDGER | CONSOLE, None, None, None)},
    "api/v1/layers/risk-points/": {"GET": (LEDGER | CONSOLE, None, None, None)},
    "api/v1/layers/enterprise-colours/": {"GET": (LEDGER | CONSOLE, None, None, None)},
    "api/v1/layers/risk-areas/": {"GET": (LEDGER | CONSOLE, None, None, None)},
    "safety/map/": {"GET": (LEDGER, None, None, None)},
    "safety/enterprises/<int:pk>/risk-points/": {"POST": (LEDGER, "enterprise", {
        "name": "p", "lon": "113.62", "lat": "22.7", "method": "LS", "likelihood": "2", "severity": "3"}, "form")},
    "safety/draws/": {"POST": (frozenset({SUP}), None, {"count": 1, "inspectors": "Li"}, "form")},
}
MATRIX.update(SAFETY_MATRIX)


def _broken_unit(world):
    from resources.models import Resource

    return Resource.objects.create(code="FE9", name="Engine 9", kind="fire_engine", agency=world["unit"].agency,
                                   capabilities=["fire_suppression"], location=world["unit"].location,
                                   status=Resource.Status.OUT_OF_SERVICE)


@pytest.fixture
def world(world, make_user):
    """The shared world plus the safety ledger's objects and its two roles' users."""
    from safety import services as safety
    from safety.models import EnterpriseMembership

    supervisor = make_user("sec_safety", SUP)
    officer = make_user("sec_enterprise", EO)
    enterprise = world["risk_source"].enterprise
    EnterpriseMembership.objects.create(user=officer, enterprise=enterprise)
    deadline = timezone.now() + dt.timedelta(days=3)

    def report(title):
        return safety.hidden_danger_report(actor=officer, enterprise_id=enterprise.pk, title=title, deadline=deadline)

    hidden_danger = report("reported")
    photo = safety.hidden_danger_photo_add(actor=officer, hidden_danger_id=hidden_danger.pk,
                                           upload=_photo_upload(world)["photo"])
    rectifying = report("rectifying")
    safety.hidden_danger_plan(actor=officer, hidden_danger_id=rectifying.pk, measures="m")
    awaiting = report("awaiting")
    safety.hidden_danger_plan(actor=officer, hidden_danger_id=awaiting.pk, measures="m")
    safety.hidden_danger_rectified(actor=officer, hidden_danger_id=awaiting.pk)
    now = timezone.now()

    def permit(kind="confined_space"):
        return safety.work_permit_submit(actor=officer, enterprise_id=enterprise.pk, kind=kind, place="T-1",
                                         valid_from=now - dt.timedelta(minutes=5), valid_to=now + dt.timedelta(hours=8),
                                         gas_tests=[_gas(at=now - dt.timedelta(minutes=2))],
                                         height_m=3 if kind == "height" else None)

    def approved(kind="confined_space"):  # approved on site (GB 30871-2022 Appendix B, 4.11)
        row = permit(kind)
        safety.work_permit_approve(actor=officer, permit_id=row.pk, level="principal", approver="Wang", on_site=True)
        return row

    submitted = approved("height")  # starts without a gas test, whenever the matrix reaches it
    running = approved()
    safety.work_permit_start(actor=officer, permit_id=running.pk)
    suspended = approved()
    safety.work_permit_start(actor=officer, permit_id=suspended.pk)
    # Work at height in force: the world's alarm near the plant stops confined-space work (and so
    # `permit_running`), not this one.
    in_force = approved("height")
    safety.work_permit_start(actor=officer, permit_id=in_force.pk)
    contractor = safety.contractor_register(actor=officer, enterprise_id=enterprise.pk, name="c",
                                            credit_code="91440400MA4X00001K")
    filing = safety.work_filing_create(actor=officer, enterprise_id=enterprise.pk, kind="height", place="roof",
                                       planned_from=now, planned_to=now + dt.timedelta(hours=2))
    safety.gas_test_record(actor=officer, permit_id=suspended.pk, test=_gas(at=now, o2_percent=18))
    safety.gas_test_record(actor=officer, permit_id=suspended.pk, test=_gas(at=timezone.now()))
    return {**world, "users": {**world["users"], SUP: supervisor, EO: officer}, "enterprise": enterprise,
            "hidden_danger": hidden_danger, "photo": photo, "hd_rectifying": rectifying, "hd_awaiting": awaiting,
            "permit": submitted, "permit_running": running, "permit_suspended": suspended,
            "contractor": contractor, "filing": filing, "permit_in_force": in_force,
            "broken_unit": _broken_unit(world),
            **_monitoring_objects(world), **_notice_objects(world), **_oversight_objects(world, supervisor),
            **_park_objects(enterprise)}


# --- park monitoring (monitoring app) ------------------------------------------------------
# Console roles and the park's safety supervisor read points, trends and alarms (issue 21.5);
# an enterprise officer reads their own enterprise's alarms (the world's alarm is on their
# enterprise's risk source) for the alarm bar, and acknowledges them, as do intake roles and the
# supervisor; logging an incident from an alarm stays with intake roles. Readings are posted by
# the ingest role only, which no person here holds (tests/monitoring tries it with a gateway user).
MONITORING = CONSOLE | {SUP}
MONITORING_MATRIX = {
    "monitoring/": {"GET": (MONITORING, None, None, None)},
    "monitoring/alarms/": {"GET": (MONITORING, None, None, None)},
    "monitoring/points/<int:pk>/": {"GET": (MONITORING, "monitoring_point", None, None)},
    "api/v1/readings/": {"POST": (NOBODY, None, lambda w: [{"point": w["monitoring_point"].code,
                                                             "ts": timezone.now().isoformat(), "value": 1}], "json")},
    "api/v1/monitoring-points/": {"GET": (MONITORING, None, None, None)},
    "api/v1/monitoring-points/<int:pk>/": {"GET": (MONITORING, "monitoring_point", None, None)},
    "api/v1/monitoring-points/<int:pk>/readings/": {"GET": (MONITORING, "monitoring_point", None, None)},
    "api/v1/alarms/": {"GET": (MONITORING | {EO}, None, None, None)},
    "api/v1/alarms/<int:pk>/": {"GET": (MONITORING | {EO}, "alarm", None, None)},
    "api/v1/alarms/<int:pk>/acknowledge/": {"POST": (INTAKE | {SUP, EO}, "alarm", {"note": "seen"}, "json")},
    "api/v1/weather/": {"GET": (CONSOLE | {SUP}, None, None, None)},  # the weather masts, for the 3D view
    "api/v1/alarms/<int:pk>/incident/": {"POST": (INTAKE, "alarm", {}, "json")},
}
MATRIX.update(MONITORING_MATRIX)

# --- IoT devices (devices app) ---------------------------------------------------------------
# Only the IoT administrator (and the superuser; tests/monitoring/test_devices.py) manages
# devices; the park's console and supervisors, and an officer for the enterprise's own, read the
# counts and the calibration-overdue list.
PARK_READERS = CONSOLE | {SUP, EO}
DEVICES_MATRIX = {
    "api/v1/devices/": {"GET": (NOBODY, None, None, None),
                        "POST": (NOBODY, None, {"code": "SEC-GW", "kind": "gateway"}, "json")},
    "api/v1/devices/counts/": {"GET": (PARK_READERS, None, None, None)},
    "api/v1/devices/calibration-overdue/": {"GET": (PARK_READERS, None, None, None)},
    "api/v1/devices/<int:pk>/": {"GET": (NOBODY, "device", None, None)},
    "api/v1/devices/<int:pk>/rotate/": {"POST": (NOBODY, "device", {}, "json")},
    "api/v1/devices/<int:pk>/revoke/": {"POST": (NOBODY, "device", {}, "json")},
}
MATRIX.update(DEVICES_MATRIX)

# --- closed park management (park app, issue 24) ----------------------------------------------
# The park's console and supervisors see the whole park; an enterprise officer their own zones'
# counts, their enterprise's appointments, alarms and vehicles' tracks (the world's are E1's).
# Passages come from gate devices only (tests/park). Booking: the officer for their enterprise,
# the park's supervisor for any; acknowledging alarms as monitoring's; counts corrected by the
# command centre's intake roles and the park's supervisor. Lots and positions' layers: no officer.


def _booking(world):
    now = timezone.now()
    return {"plate": "粤S00001", "driver": "d", "driver_licence_valid_to": str(now.date() + dt.timedelta(days=90)),
            "escort": "e", "escort_licence_valid_to": str(now.date() + dt.timedelta(days=90)), "un_number": "1005",
            "quantity_t": 10, "destination": world["enterprise"].pk, "window_from": now.isoformat(),
            "window_to": (now + dt.timedelta(hours=2)).isoformat(), "gate": "SEC-GM"}


PARK_MATRIX = {
    "api/v1/park-zones/": {"GET": (PARK_READERS, None, None, None)},
    "api/v1/gates/": {"GET": (PARK_READERS, None, None, None)},
    "api/v1/gate-events/": {"POST": (NOBODY, None, lambda w: [{"gate": "SEC-GM", "direction": "in",
                                                               "at": timezone.now().isoformat(), "plate": "粤S1"}],
                                     "json")},
    "api/v1/park/presence/": {"GET": (PARK_READERS, None, None, None)},
    "api/v1/park/presence/corrections/": {"POST": (INTAKE | {SUP}, None, {"zone": "SEC-PUB", "people": 3}, "json")},
    "api/v1/park/lots/": {"GET": (CONSOLE | {SUP}, None, None, None)},
    "api/v1/park/vehicles/<str:plate>/track/": {"GET": (PARK_READERS, "plate", None, None)},
    "api/v1/hazmat-appointments/": {"GET": (PARK_READERS, None, None, None),
                                    "POST": (frozenset({SUP, EO}), None, _booking, "json")},
    "api/v1/hazmat-appointments/<int:pk>/": {"GET": (PARK_READERS, "park_appointment", None, None)},
    "api/v1/gate-alarms/": {"GET": (PARK_READERS, None, None, None)},
    "api/v1/gate-alarms/<int:pk>/acknowledge/": {"POST": (INTAKE | {SUP, EO}, "gate_alarm", {"note": "seen"}, "json")},
    "api/v1/vehicle-alarms/": {"GET": (PARK_READERS, None, None, None)},
    "api/v1/vehicle-alarms/<int:pk>/acknowledge/": {"POST": (INTAKE | {SUP, EO}, "vehicle_alarm", {}, "json")},
}
MATRIX.update(PARK_MATRIX)


# --- notices (issue 21) ---------------------------------------------------------------------
# Console roles read the directory and notices; intake roles (and planners, for the directory)
# write. The person's link needs no sign-in: its token is the key, to that one notice only. The
# gateway's callbacks need the shared secret in the path (_url puts it there), nothing else.
NOTICES_MATRIX = {
    "notices/": {"GET": (CONSOLE, None, None, None),
                 "POST": (INTAKE, None, lambda w: {"title": "t", "contacts": [w["contact"].pk], "channels": ["sms"]},
                          "form")},
    "notices/<int:pk>/": {"GET": (CONSOLE, "notice", None, None)},
    "notices/<int:pk>/resend/": {"POST": (INTAKE, "notice", {}, "form")},
    "api/v1/contacts/": {"GET": (CONSOLE, None, None, None),
                         "POST": (INTAKE | {P}, None, {"name": "n", "mobile": "13800000777"}, "json")},
    "api/v1/contacts/<int:pk>/": {"GET": (CONSOLE, "contact", None, None)},
    "api/v1/contact-groups/": {"GET": (CONSOLE, None, None, None),
                               "POST": (INTAKE | {P}, None, {"name": "g"}, "json")},
    "api/v1/notices/": {"GET": (CONSOLE, None, None, None),
                        "POST": (INTAKE, None, lambda w: {"title": "t", "contacts": [w["contact"].pk],
                                                          "channels": ["sms"]}, "json")},
    "api/v1/notices/<int:pk>/": {"GET": (CONSOLE, "notice", None, None)},
    "api/v1/notices/<int:pk>/resend/": {"POST": (INTAKE, "notice", {}, "json")},
    "n/<str:token>": {"GET": (EVERYONE, "receipt_token", None, None)},
    "n/<str:token>/confirm/": {"POST": (EVERYONE, "receipt_token", {}, "form")},
    "sms/gateway/<str:secret>/dlr/<int:receipt_id>/": {"GET": (EVERYONE, "gateway", None, None)},
    "sms/gateway/<str:secret>/in/": {"GET": (EVERYONE, "gateway", None, None)},
}
MATRIX.update(NOTICES_MATRIX)


# --- safety administration (oversight app, issue 25) -----------------------------------------
# The park's supervisors and the enterprise's own officer keep licences, 包保 checks, assessments
# and turnarounds; inspections (执法) are the park's alone.
def _oversight_body(key):
    def body(w):
        now = timezone.now()
        return {
            "licence": {"enterprise": w["enterprise"].pk, "kind": "other", "number": "SEC-1",
                        "valid_from": "2025-01-01", "valid_to": "2027-01-01"},
            "duty": {"risk_source": w["major_source"].pk, "role": "operational", "person": "p",
                     "at": (now - dt.timedelta(hours=1)).isoformat()},
            "evaluation": {"risk_source": w["major_source"].pk, "agency": "a", "completed_on": "2025-06-01"},
            "turnaround": {"enterprise": w["enterprise"].pk, "kind": "overhaul", "units": ["u"],
                           "planned_from": now.isoformat(), "planned_to": (now + dt.timedelta(days=1)).isoformat(),
                           "measures": "m", "approver": "a"},
            "inspection": {"enterprise": w["enterprise"].pk, "inspectors": ["a", "b"], "at": now.isoformat(),
                           "findings": [{"text": "f"}]},
        }[key]
    return body


OVERSIGHT_MATRIX = {
    "oversight/": {"GET": (LEDGER, None, None, None)},
    "oversight/calendar/": {"GET": (LEDGER, None, None, None)},
    "api/v1/licences/": {"GET": (LEDGER, None, None, None), "POST": (LEDGER, None, _oversight_body("licence"), "json")},
    "api/v1/licences/<int:pk>/": {"GET": (LEDGER, "licence", None, None)},
    "api/v1/duty-checks/": {"GET": (LEDGER, None, None, None), "POST": (LEDGER, None, _oversight_body("duty"), "json")},
    "api/v1/duty-checks/status/": {"GET": (LEDGER, None, None, None)},
    "api/v1/evaluations/": {"GET": (LEDGER, None, None, None),
                            "POST": (LEDGER, None, _oversight_body("evaluation"), "json")},
    "api/v1/turnarounds/": {"GET": (LEDGER, None, None, None),
                            "POST": (LEDGER, None, _oversight_body("turnaround"), "json")},
    "api/v1/inspections/": {"GET": (LEDGER, None, None, None),
                            "POST": (frozenset({SUP}), None, _oversight_body("inspection"), "json")},
    "api/v1/inspections/<int:pk>/": {"GET": (LEDGER, "inspection", None, None)},
    "api/v1/inspections/<int:pk>/order.pdf": {"GET": (LEDGER, "inspection", None, None)},
    "api/v1/inspections/<int:pk>/follow-up/": {"POST": (frozenset({SUP}), "inspection", {"note": "ok"}, "json")},
    "api/v1/oversight/": {"GET": (LEDGER, None, None, None)},
    "api/v1/oversight.xlsx": {"GET": (LEDGER, None, None, None)},
    # The national scheme's outright-red findings: the park records and resolves them.
    "api/v1/red-findings/": {"GET": (LEDGER, None, None, None),
                             "POST": (frozenset({SUP}), None, lambda w: {
                                 "enterprise": w["enterprise"].pk, "condition": "untested_process",
                                 "found_on": str(timezone.localdate()), "note": "n"}, "json")},
    "api/v1/red-findings/<int:pk>/resolve/": {"POST": (frozenset({SUP}), "red_finding", {"resolution": "r"}, "json")},
    # The 双重预防 exchange (issue 25 point 8): the park and the enterprise's officer manage its
    # system's credentials; batches come from a system token only, never from a person.
    "exchange/": {"GET": (LEDGER, None, None, None)},
    "exchange/credentials/": {"POST": (LEDGER, None, lambda w: {"enterprise": w["enterprise"].pk, "name": "s"},
                                       "form")},
    "exchange/credentials/<int:pk>/revoke/": {"POST": (LEDGER, "exchange_credential", {}, "form")},
    "api/v1/exchange/dual-prevention/": {"POST": (NOBODY, None, {"riskObjects": []}, "json")},
    "api/v1/exchange/credentials/": {"GET": (LEDGER, None, None, None),
                                     "POST": (LEDGER, None, lambda w: {"enterprise": w["enterprise"].pk, "name": "s"},
                                              "json")},
    "api/v1/exchange/credentials/<int:pk>/revoke/": {"POST": (LEDGER, "exchange_credential", {}, "json")},
    "api/v1/exchange/status/": {"GET": (LEDGER, None, None, None)},
}
MATRIX.update(OVERSIGHT_MATRIX)


def _oversight_objects(world, supervisor):
    from exchange import services as exchange
    from hazards.models import RiskSource
    from oversight import services as oversight

    enterprise = world["risk_source"].enterprise
    major = RiskSource.objects.create(code="RS-MAJOR", name="重大危险源", enterprise=enterprise,
                                      location=world["risk_source"].location, is_major=True, grade=4)
    licence = oversight.licence_record(actor=supervisor, enterprise_id=enterprise.pk, kind="safety_production",
                                       number="L-1", valid_from=dt.date(2025, 1, 1), valid_to=dt.date(2028, 1, 1))
    inspection = oversight.inspection_record(actor=supervisor, enterprise_id=enterprise.pk, inspectors=["a", "b"],
                                             at=timezone.now(), findings=[{"text": "finding"}])
    red_finding = oversight.red_finding_record(actor=supervisor, enterprise_id=enterprise.pk,
                                               condition="unqualified_operators", found_on=timezone.localdate(),
                                               note="finding")
    credential, _token = exchange.credential_issue(actor=supervisor, enterprise_id=enterprise.pk, name="system")
    return {"major_source": major, "licence": licence, "inspection": inspection, "red_finding": red_finding,
            "exchange_credential": credential}


def _park_objects(enterprise):
    from django.contrib.gis.geos import Point, Polygon

    from park.models import Gate, GateAlarm, HazmatAppointment, ParkZone, Passage, VehicleAlarm

    now = timezone.now()
    area = Polygon(((113.6, 22.68), (113.64, 22.68), (113.64, 22.72), (113.6, 22.72), (113.6, 22.68)), srid=4326)
    public = ParkZone.objects.create(code="SEC-PUB", name="公共", kind="public", area=area)
    ParkZone.objects.create(code="SEC-S1", name="厂区", kind="enterprise", area=area, enterprise=enterprise)
    gate = Gate.objects.create(code="SEC-GM", name="卡口", kind="vehicle", location=Point(113.6, 22.7, srid=4326),
                               zone_inside=public)
    appointment = HazmatAppointment.objects.create(
        plate="粤S00009", driver="d", driver_licence_valid_to=now.date(), escort="e",
        escort_licence_valid_to=now.date(), un_number="1005", quantity_t=1, destination=enterprise,
        window_from=now - dt.timedelta(hours=1), window_to=now + dt.timedelta(hours=1), gate=gate,
        state=HazmatAppointment.State.APPROVED)
    passage = Passage.objects.create(gate=gate, direction="in", at=now, plate="粤S00009", vehicle_class="hazmat")
    gate_alarm = GateAlarm.objects.create(gate=gate, passage=passage, plate="粤S00009", kind="outside_window",
                                          reason="r", raised_at=now, enterprise=enterprise)
    vehicle_alarm = VehicleAlarm.objects.create(plate="粤S00009", kind="speeding", raised_at=now,
                                                location=Point(113.61, 22.7, srid=4326), enterprise=enterprise)
    return {"park_appointment": appointment, "gate_alarm": gate_alarm, "vehicle_alarm": vehicle_alarm}


def _notice_objects(world):
    from notices import services as notices
    from notices.models import Contact

    contact = Contact.objects.create(name="sec contact", mobile="+8613800000888")
    notice = notices.notice_send(actor=world["users"][D], title="sec notice", contacts=[contact.pk],
                                 channels_wanted=["sms"])
    return {"contact": contact, "notice": notice, "receipt": notice.receipts.get()}


def _monitoring_objects(world):
    """A gas detector on the world's risk source, with an H alarm in force."""
    from django.contrib.gis.geos import Point

    from incidents.models import IncidentType
    from monitoring import store as monitoring
    from monitoring.models import Alarm, MonitoringPoint
    from monitoring.parsing import RawReading

    IncidentType.objects.get_or_create(code="hazmat-leak", defaults={
        "klass": "accident", "name_zh": "危险化学品泄漏", "name_en": "Hazardous chemical leak",
        "required_capabilities": ["hazmat"]})
    point = MonitoringPoint.objects.create(code="SEC-AT1", name="sec detector", kind="toxic_gas", unit="ppm",
                                           risk_source=world["risk_source"], location=Point(113.66, 22.65),
                                           range_min=0, range_max=100, limit_h=20, limit_hh=40, delay_s=0)
    monitoring.readings_store(readings=[RawReading("SEC-AT1", timezone.now() - dt.timedelta(seconds=30), 25, True)])
    from devices.models import Device

    device = Device.objects.create(code="SEC-GW1", kind="gateway", mqtt_username="dev-SEC-GW1")
    return {"monitoring_point": point, "alarm": Alarm.objects.get(point=point), "device": device}


# Routes outside the table on purpose: the admin (tested below by its own rule: staff with the
# model permission) and the DEBUG-only media server (absent in production; nginx does not serve
# /media/ either, see deploy/nginx.conf).
NOT_IN_TABLE = ("admin/", "^media/")


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


def all_routes():
    return sorted({r for r in _walk(get_resolver().url_patterns) if not r.startswith(NOT_IN_TABLE)})


def test_every_route_is_in_the_table():
    routes = set(all_routes())
    missing = routes - set(MATRIX)
    stale = set(MATRIX) - routes
    assert not missing, f"routes nobody has decided who may use (add them to MATRIX): {sorted(missing)}"
    assert not stale, f"MATRIX lists routes that no longer exist: {sorted(stale)}"


def _url(route, target, world):
    url = "/" + route
    if target == "photo":
        url = url.replace("<int:photo_pk>", str(world["photo"].pk))
        return url.replace("<int:pk>", str(world["photo"].hidden_danger_id))
    if target == "layer":
        return url.replace("<slug:name>", "incidents")
    if target == "receipt_token":
        return url.replace("<str:token>", world["receipt"].token)
    if target == "gateway":
        url = url.replace("<str:secret>", settings.SMS_CALLBACK_SECRET)
        if "<int:receipt_id>" in url:
            return url.replace("<int:receipt_id>", str(world["receipt"].pk)) + "?type=8"
        return url + f"?from=%2B8613800000888&text=1&id=sec-{world['receipt'].pk}"
    if target == "plate":
        return url.replace("<str:plate>", "粤S00009")
    if target == "username":
        return url.replace("<str:username>", "sec_viewer")
    if target:
        return url.replace("<int:pk>", str(world[target].pk))
    return url


def _rows_written() -> int:
    with connection.cursor() as cursor:
        cursor.execute("""SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables
                          WHERE relname NOT IN ('django_session', 'auth_user')""")
        return int(cursor.fetchone()[0])


def _request(client, method, url, body, kind, world):
    if callable(body):
        body = body(world)
    if method == "GET":
        return client.get(url)
    if kind == "json":
        return client.post(url, data=json.dumps(body), content_type="application/json")
    return client.post(url, data=body or {})


def _verdict(method, kind, response, wrote) -> str:
    status = response.status_code
    to_login = status in (301, 302) and "/login/" in response.get("Location", "")
    if status >= 500:
        return f"error {status}"
    if kind == "public":  # login, logout, language, token: open doors, judged on not failing
        return "allowed" if status in (200, 302) else f"unexpected {status}"
    if method == "GET":
        if to_login or status in (401, 403, 404):
            return "refused"
        return "allowed" if status in (200, 301, 302) else f"unexpected {status}"
    if wrote:
        return "allowed" if status < 400 and not to_login else f"wrote rows and answered {status}"
    return "refused" if status in (302, 400, 401, 403, 404, 409) else f"unexpected {status} without a write"


@pytest.mark.django_db
def test_authorisation_matrix(world):
    failures = []
    clients = {role: client_for(role, world) for role in ROLES}
    for route in all_routes():
        # A route missing from the table fails test_every_route_is_in_the_table.
        for method, (allowed, target, body, kind) in MATRIX.get(route, {}).items():
            url = _url(route, target, world)
            for role in ROLES:
                with transaction.atomic():
                    before = _rows_written()
                    response = _request(clients[role], method, url, body, kind, world)
                    wrote = _rows_written() > before
                    transaction.set_rollback(True)
                if route == "logout/":
                    clients[role] = client_for(role, world)  # logging out ended this client's session
                verdict = _verdict(method, kind, response, wrote)
                expected = "allowed" if role in allowed else "refused"
                if verdict != expected:
                    failures.append(f"{method} {url} as {role}: expected {expected}, got {verdict} "
                                    f"({response.status_code} {response.content[:200]!r})")
    assert not failures, "\n" + "\n".join(failures)


@pytest.mark.django_db
def test_admin_is_for_staff_with_the_model_permission(world, make_user):
    """The admin obeys Django's permissions, which the roles grant (core.roles.ROLE_PERMISSIONS)."""
    from django.contrib import admin

    changelists = [f"/admin/{m._meta.app_label}/{m._meta.model_name}/" for m in admin.site._registry]
    for role in (A, D, S, C, R, V, OUT):  # none of them is staff
        client = client_for(role, world)
        assert "/admin/login/" in client.get("/admin/").get("Location", ""), role
        for url in changelists:
            response = client.get(url)
            assert response.status_code == 302 and "/admin/login/" in response["Location"], (role, url)
    planner = client_for(P, world)  # staff: sees what the planner role may view, nothing else
    assert planner.get("/admin/").status_code == 200
    user = world["users"][P]
    for model in admin.site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        may_view = user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}") or user.has_perm(
            f"{model._meta.app_label}.change_{model._meta.model_name}")
        assert planner.get(url).status_code == (200 if may_view else 403), url
    assert settings.X_FRAME_OPTIONS == "DENY"
