"""A drill's evaluation as JSON (the API) — the same content the printable page shows
(drills.selectors builds it) — and drills' parts of the after-action review's JSON (the
review itself is incidents.after_action's)."""

from incidents.after_action import response_json
from incidents.models import EXERCISE_LABEL


def _iso(value):
    return value.isoformat() if value else None


def _user(user):
    return user.username if user else None


def tasks_json(tasks: list[dict]) -> list[dict]:
    return [{**t, "due_at": _iso(t["due_at"]), "done_at": _iso(t["done_at"])} for t in tasks]


def finding_json(f) -> dict:
    task = getattr(f, "revision_task", None) if hasattr(f, "revision_task") else None
    return {"id": f.pk, "category": f.category, "element": f.element, "text": f.text,
            "recommendation": f.recommendation, "by": _user(f.created_by), "at": _iso(f.created_at),
            "revision_task": task.pk if task else None}


def evaluation_json(ev: dict) -> dict:
    drill = ev["drill"]
    return {
        "drill": {"id": drill.pk, "scenario": drill.scenario.title, "kind": drill.scenario.kind,
                  "status": drill.status, "speed": drill.speed, "started_at": _iso(drill.started_at),
                  "ended_at": _iso(drill.ended_at), "director": _user(drill.started_by)},
        "exercise": True,
        "label": EXERCISE_LABEL,
        "plan": {"id": ev["plan"].pk, "code": ev["plan"].code, "title": ev["plan"].title} if ev["plan"] else None,
        "plan_activated_at": _iso(ev["plan_activated_at"]),
        "plan_activation_s": ev["plan_activation_s"],
        "injects": [{"id": r.pk, "kind": r.inject.kind, "title": r.inject.title, "offset_s": r.inject.offset_s,
                     "due_at": _iso(r.due_at), "fired_at": _iso(r.fired_at), "status": r.status,
                     "result": r.result, "incident": r.incident_id} for r in ev["runs"]],
        "incidents": [{"id": i["incident"].pk, "number": i["incident"].number, "exercise": i["incident"].exercise,
                       "response": response_json(i["response"]), "tasks": tasks_json(i["tasks"])}
                      for i in ev["incidents"]],
        "escalations": [{**e, "at": _iso(e["at"])} for e in ev["escalations"]],
        # The API keeps the kinds as codes (the contract); the words are the pages'.
        "who_did_what": [{k: v for k, v in w.items() if k != "kind_labels"} for w in ev["who_did_what"]],
        "findings": [finding_json(f) for f in ev["findings"]],
        "releases": [{"id": r.pk, "chemical": r.chemical.name, "wind_speed_ms": r.wind_speed_ms,
                      "wind_from_deg": r.wind_from_deg, "exercise": r.exercise} for r in ev["releases"]],
        "alarms": [{"id": a["alarm"].pk, "point": a["alarm"].point.code, "level": a["alarm"].level,
                    "raised_at": _iso(a["alarm"].raised_at), "acknowledged_at": _iso(a["alarm"].acknowledged_at),
                    "acknowledged_by": _user(a["alarm"].acknowledged_by), "ack_s": a["ack_s"],
                    "incident": a["alarm"].incident_id, "exercise": a["alarm"].exercise} for a in ev["alarms"]],
    }
