"""Payloads of the safety ledger's stream events (declared in safety.events).

hidden_danger.*  {"id", "enterprise": {"id", "code", "name"}, "title", "level", "state", "deadline",
                  "overdue", "criteria": [codes], "change"}
hidden_danger.imported  {"enterprise": {...}, "created", "unchanged", "overdue", "major"} (counts)
work_permit.*    {"id", "enterprise": {...}, "kind", "grade", "place", "state", "valid_from", "valid_to",
                  "location": [lon, lat], "change", "rule" (when a gas test failed)}
enterprise.colour_changed  {"enterprise": {...}, "colour", "previous", "factors": [{"code", "text", "colour"}]}
commitment.*     {"enterprise": {...}, "date", "change"}
"""

from typing import TypedDict


class EnterpriseRef(TypedDict):
    id: int
    code: str
    name: str


class HiddenDangerPayload(TypedDict):
    """hidden_danger.reported, .updated, .overdue."""

    id: int
    enterprise: EnterpriseRef
    title: str
    level: str
    state: str
    deadline: str | None
    overdue: bool
    criteria: list[str]
    change: str


class ImportPayload(TypedDict):
    enterprise: EnterpriseRef
    created: int
    unchanged: int
    overdue: int
    major: int


class PermitAlarm(TypedDict):
    id: int
    point: str | None
    level: str | None
    distance_m: float
    risk_source: str | None


class PermitPayload(TypedDict):
    id: int
    enterprise: EnterpriseRef
    kind: str
    grade: str
    place: str
    state: str
    valid_from: str
    valid_to: str
    location: list[float]  # [lon, lat]
    change: str
    rule: str
    alarm: PermitAlarm | None


class ColourFactor(TypedDict):
    code: str
    colour: str
    text: str


class ColourPayload(TypedDict):
    enterprise: EnterpriseRef
    colour: str
    previous: str
    factors: list[ColourFactor]


class CommitmentPayload(TypedDict):
    enterprise: EnterpriseRef
    date: str
    change: str


def enterprise_ref(enterprise) -> dict:
    return {"id": enterprise.pk, "code": enterprise.code, "name": enterprise.name}


def hidden_danger_payload(hidden_danger, change: str = "") -> dict:
    return {
        "id": hidden_danger.pk, "enterprise": enterprise_ref(hidden_danger.enterprise), "title": hidden_danger.title,
        "level": hidden_danger.level, "state": hidden_danger.state, "deadline": hidden_danger.deadline,
        "overdue": hidden_danger.overdue, "criteria": list(hidden_danger.criteria), "change": change,
    }


def permit_payload(permit, change: str = "", rule: str = "", alarm=None) -> dict:
    return {
        "id": permit.pk, "enterprise": enterprise_ref(permit.enterprise), "kind": permit.kind, "grade": permit.grade,
        "place": permit.place, "state": permit.state, "valid_from": permit.valid_from, "valid_to": permit.valid_to,
        "location": [permit.location.x, permit.location.y], "change": change, "rule": rule,
        # {"id", "point", "level", "distance_m"} of the alarm that stopped or warned it, else null.
        "alarm": alarm,
    }


def colour_payload(colour, previous: str = "") -> dict:
    return {"enterprise": enterprise_ref(colour.enterprise), "colour": colour.colour, "previous": previous,
            "factors": colour.factors}


def commitment_payload(enterprise, date, change: str = "") -> dict:
    return {"enterprise": enterprise_ref(enterprise), "date": date, "change": change}


def import_payload(enterprise, result=None) -> dict:
    result = result or {}
    return {"enterprise": enterprise_ref(enterprise),
            **{k: int(result.get(k, 0)) for k in ("created", "unchanged", "overdue", "major")}}
