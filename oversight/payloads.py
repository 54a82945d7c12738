"""Payloads of oversight's stream events (declared in oversight.events).

licence.*      {"id", "enterprise": {"id", "code", "name"}, "kind", "kind_label", "number", "valid_to",
                "status" ('', 'expiring', 'expired'), "change" ('recorded', 'reminder', 'lapsed'),
                "days_left"}
turnaround.reported  {"id", "enterprise": {...}, "kind", "units": [names], "planned_from", "planned_to", "state"}
duty_check.recorded  {"id", "enterprise": {...}, "risk_source": {"id", "code", "name"}, "role", "person", "at"}
"""

from typing import TypedDict

from safety.payloads import EnterpriseRef, enterprise_ref


class LicencePayload(TypedDict):
    id: int
    enterprise: EnterpriseRef
    kind: str
    kind_label: str
    number: str
    valid_to: str
    status: str
    change: str
    days_left: int | None


class RiskSourceRef(TypedDict):
    id: int
    code: str
    name: str


class DutyCheckPayload(TypedDict):
    id: int
    enterprise: EnterpriseRef
    risk_source: RiskSourceRef
    role: str
    person: str
    at: str


class TurnaroundPayload(TypedDict):
    id: int
    enterprise: EnterpriseRef
    kind: str
    units: list[str]
    planned_from: str
    planned_to: str
    state: str


def licence_payload(licence, change: str = "", days_left: int | None = None, status: str = "") -> dict:
    return {"id": licence.pk, "enterprise": enterprise_ref(licence.enterprise), "kind": licence.kind,
            "kind_label": str(licence.get_kind_display()), "number": licence.number, "valid_to": licence.valid_to,
            "status": status, "change": change, "days_left": days_left}


def duty_check_payload(check) -> dict:
    source = check.risk_source
    return {"id": check.pk, "enterprise": enterprise_ref(source.enterprise),
            "risk_source": {"id": source.pk, "code": source.code, "name": source.name},
            "role": check.role, "person": check.person, "at": check.at}


def turnaround_payload(turnaround) -> dict:
    return {"id": turnaround.pk, "enterprise": enterprise_ref(turnaround.enterprise), "kind": turnaround.kind,
            "units": list(turnaround.units), "planned_from": turnaround.planned_from,
            "planned_to": turnaround.planned_to, "state": turnaround.state}
