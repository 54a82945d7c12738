"""Recipients plans knows (notices.registry): whoever is on duty now at a duty post, and the
duty chief (the leader on duty, 带班领导) whom chasing falls back to."""

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.roles import COMMANDER
from notices import registry
from plans import selectors
from plans.models import DutyPost


def on_duty_at_post(post_id) -> list:
    post = DutyPost.objects.filter(pk=post_id).first()
    if post is None:
        raise DomainError(_("Unknown duty post %(id)s.") % {"id": post_id})
    return [shift.person for shift in selectors.on_duty_now().filter(post=post)]


def duty_chief(_ident=None) -> list:
    shifts = selectors.on_duty_now()
    chiefs = [s.person for s in shifts if s.post.code == settings.NOTICE_DUTY_CHIEF_POST]
    return chiefs or [s.person for s in shifts if s.post.role == COMMANDER]


registry.register_recipients("duty_post", resolve=on_duty_at_post, doc="Whoever is on duty now at this duty post (id).")
registry.register_recipients("duty_chief", resolve=duty_chief, doc="The leader on duty now (带班领导); id ignored.")
