"""Recipients monitoring knows (notices.registry): a monitoring point's responsible persons."""

from django.utils.translation import gettext as _

from core.errors import DomainError
from monitoring.models import MonitoringPoint
from notices import registry


def point_responsible(point_id) -> list:
    point = MonitoringPoint.objects.filter(pk=point_id).first()
    if point is None:
        raise DomainError(_("Unknown monitoring point %(id)s.") % {"id": point_id})
    return list(point.responsible.filter(is_active=True))


registry.register_recipients("point_responsible", resolve=point_responsible,
                             doc="The responsible persons of a monitoring point (id).")
