"""Recipients resources knows (notices.registry): a unit's crew (its responders), each through
their contact in the directory, or their responder phone when they have none there."""

from django.utils.translation import gettext as _

from core.errors import DomainError
from notices import registry
from notices import services as notice_services
from notices.models import Contact
from resources.models import Resource


def unit_crew(resource_id) -> list:
    resource = Resource.objects.filter(pk=resource_id).first()
    if resource is None:
        raise DomainError(_("Unknown unit %(id)s.") % {"id": resource_id})
    crew = []
    for responder in resource.responders.select_related("user").filter(user__is_active=True):
        if Contact.objects.filter(user=responder.user).exists() or not responder.phone:
            crew.append(responder.user)
            continue
        contact = notice_services.contact_for(name=responder.user.get_full_name() or responder.user.username,
                                              mobile=responder.phone, organisation=resource.name)
        crew.append(contact if contact is not None else responder.user)
    return crew


registry.register_recipients("unit_crew", resolve=unit_crew, doc="The responders of this unit (resource id).")
