"""Recipients resources knows (notices.registry): a unit's crew (its responders)."""

from django.utils.translation import gettext as _

from core.errors import DomainError
from notices import registry
from resources.models import Resource


def unit_crew(resource_id) -> list:
    resource = Resource.objects.filter(pk=resource_id).first()
    if resource is None:
        raise DomainError(_("Unknown unit %(id)s.") % {"id": resource_id})
    return [r.user for r in resource.responders.select_related("user").filter(user__is_active=True)]


registry.register_recipients("unit_crew", resolve=unit_crew, doc="The responders of this unit (resource id).")
