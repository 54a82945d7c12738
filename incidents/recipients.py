"""What notices needs from incidents (notices.registry): whether an incident exists, and the
timeline entry of each notice step (timeline_add stays the timeline's one writer)."""


from incidents.models import Incident
from incidents.services import timeline_add
from notices import registry


def _exists(incident_id: int) -> bool:
    return Incident.objects.filter(pk=incident_id).exists()


def _timeline(*, incident_id: int, actor, kind: str, text: str, data: dict) -> None:
    timeline_add(incident=incident_id, actor=actor, kind=kind, text=text, data=data)


registry.register_incident_hooks(exists=_exists, timeline=_timeline)

