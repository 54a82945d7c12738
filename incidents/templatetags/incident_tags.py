from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(seconds):
    """Seconds as a short human duration: 45 s, 3 min 05 s, 2 h 10 min."""
    if seconds is None or seconds == "":
        return "—"
    seconds = int(round(float(seconds)))
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 60:
        return _("%(sign)s%(s)d s") % {"sign": sign, "s": seconds}
    if seconds < 3600:
        return _("%(sign)s%(m)d min %(s)02d s") % {"sign": sign, "m": seconds // 60, "s": seconds % 60}
    return _("%(sign)s%(h)d h %(m)02d min") % {"sign": sign, "h": seconds // 3600, "m": seconds % 3600 // 60}


@register.filter
def since(moment):
    if not moment:
        return "—"
    return duration((timezone.now() - moment).total_seconds())


@register.filter
def km(metres):
    return f"{float(metres) / 1000:.1f} km"


@register.filter
def lookup(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def capabilities(codes):
    """Capability codes as names in the user's language, joined."""
    from incidents.models import capability_label

    return ", ".join(capability_label(c) for c in (codes or []))


@register.filter
def iso_moment(value):
    """A form value (datetime or the text a browser sent back) as ISO 8601 with its offset."""
    from datetime import datetime

    from django import forms
    from django.core.exceptions import ValidationError

    if not isinstance(value, datetime):
        try:
            value = forms.DateTimeField().to_python(value)
        except ValidationError:
            value = None
    return (value or timezone.now()).isoformat()


@register.inclusion_tag("incidents/_escalation_banners.html", takes_context=True)
def escalation_banners(context):
    """The red banners of escalated assignments nobody has acknowledged yet, rendered by the
    server: they are there after a reload and on a console opened later, until someone acts."""
    from incidents.models import Assignment

    if not context.get("is_console"):
        return {"escalated": []}
    escalated = (Assignment.objects.filter(status=Assignment.Status.PENDING, escalations__gt=0)
                 .select_related("incident", "resource").order_by("-last_escalated_at")[:6])
    return {"escalated": escalated}


@register.filter
def local_name(obj):
    """A record's name in the user's language: name_en in English where there is one, else the
    Chinese name (issue 13, point 14: no "火灾 / Fire" mixtures)."""
    from django.utils.translation import get_language

    english = (get_language() or "").startswith("en")
    if english and getattr(obj, "name_en", ""):
        return obj.name_en
    return getattr(obj, "name_zh", None) or getattr(obj, "name", "") or ""


@register.simple_tag
def resource_status_labels():
    """Unit statuses as words in the user's language, for scripts (json_script)."""
    from resources.models import Resource

    return {value: str(label) for value, label in Resource.Status.choices}


@register.filter
def target_kind(code):
    """A sensitive target's kind in the user's language (school, hospital...)."""
    from hazards.models import SensitiveTarget

    try:
        return SensitiveTarget.Kind(code).label
    except ValueError:
        return code


# The after-action review's words (incidents.after_action; the PDF has its own, incidents.pdf).
@register.filter
def interval_name(key) -> str:
    return {"call_to_dispatch": _("Call → dispatch"), "dispatch_to_ack": _("Dispatch → acknowledged"),
            "dispatch_to_on_scene": _("Dispatch → on scene")}.get(key, key)


@register.filter
def report_name(key) -> str:
    return {"initial_phone": _("First report by phone (初报)"), "initial_written": _("First written report (初报)"),
            "followup": _("Follow-up report (续报)"), "final": _("Final report (终报)"),
            "supplementary": _("Supplementary report (补报)")}.get(key, key)
