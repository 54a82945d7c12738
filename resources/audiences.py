"""Who hears a unit's events: its crew (`unit:<resource id>`), through their responder record."""

from django.db.models import F

from stream import audiences


def _columns(now) -> dict:
    return {"unit_id": F("responder__resource_id")}


def _member(user) -> int | None:
    return user.unit_id


audiences.register("unit", keyed=True, columns=_columns, member=_member,
                   doc="A unit's crew: the responders whose resource it is (`unit:<resource id>`).")
