"""Every write to public warnings. Commanders only (core.roles.COMMAND_ROLES).

Life of an alert: draft --issue--> issued --update--> updated (--update--> updated ...)
and issued/updated --cancel--> cancelled. Drafts may be edited; published alerts change
only through update or cancel, each a new CAP message that references the earlier ones.

Events (audience "console"), emitted in the same transaction as the change:
  alert.issued, alert.updated, alert.cancelled with payload
  {"id", "identifier", "msg_type", "status", "level", "event", "headline", "area_description",
   "effective", "expires", "sent", "references", "incident": id | null}
When the alert is linked to an incident, a TimelineEntry of the same kind is written too.
"""

from __future__ import annotations

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import stream
from alerts import events
from alerts.cap import cap_sender, cap_time
from alerts.geometry import AreaError, area_from_cap, area_from_geojson
from alerts.models import LEVEL_DEFAULTS, Alert, CapSeverity, Category, Certainty, Level, Urgency
from core.errors import DomainError
from core.params import is_id
from core.roles import COMMAND_ROLES, require_role
from incidents.models import Incident
from incidents.services import timeline_add
from notices import services as notice_services
from notices.models import ContactGroup

# Fields a commander writes; everything else is the service's business.
EDITABLE = ("level", "event", "headline", "description", "instructions", "event_en", "headline_en",
            "description_en", "instructions_en", "area", "area_description", "effective", "expires",
            "incident", "category", "urgency", "severity", "certainty", "exercise", "notify_groups")
REQUIRED = ("level", "event", "headline", "description", "area", "area_description", "expires")
_CHOICES = {"level": Level, "category": Category, "urgency": Urgency, "severity": CapSeverity,
            "certainty": Certainty}


def alert_create(*, actor, **fields) -> Alert:
    """Save a draft. Urgency, severity and certainty default from the level (LEVEL_DEFAULTS)."""
    _require_commander(actor)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise DomainError(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    with transaction.atomic():
        values = _clean({f: fields.get(f) for f in EDITABLE}, creating=True)
        groups = values.pop("notify_groups")
        alert = Alert.objects.create(created_by=actor, status=Alert.Status.DRAFT, **values)
        alert.notify_groups.set(groups)
        return alert


def alert_edit(*, actor, alert_id: int, **changes) -> Alert:
    """Change a draft. A published alert changes only through alert_update."""
    _require_commander(actor)
    with transaction.atomic():
        alert = _locked(alert_id)
        if alert.status != Alert.Status.DRAFT:
            raise DomainError(_("Only a draft can be edited; publish an update to change an issued alert."),
                              status=409)
        _apply(alert, changes)
        alert.save()
        return alert


# Levels that reach the whole public with a strong call to act: issuing one needs the
# person's explicit confirmation, on the console and on the API alike.
CONFIRM_LEVELS = ("orange", "red")


def alert_issue(*, actor, alert_id: int, confirmed: bool = True) -> Alert:
    """Publish a draft as a CAP Alert message. `confirmed` is what the person said when asked
    to check an orange or red warning (the console's box, the API's `confirm`); code that
    issues on its own behalf (the demo, a drill's scripted inject) leaves it at True."""
    _require_commander(actor)
    with transaction.atomic():
        alert = _locked(alert_id)
        if alert.status != Alert.Status.DRAFT:
            raise DomainError(_("This alert is %(status)s; only a draft can be issued.")
                              % {"status": alert.get_status_display()}, status=409)
        if alert.level in CONFIRM_LEVELS and not confirmed:
            raise DomainError(
                _("A %(level)s warning goes to the whole public: confirm that you have checked the level, "
                  "area and text, then issue it.") % {"level": alert.get_level_display()},
                data={"confirm": [_("Confirm the level, area and text of this warning.")]})
        now = timezone.now()
        if alert.expires <= now:
            raise DomainError(_("This alert would expire before it is issued: set a later expiry time."),
                              data={"expires": [_("The expiry time must be in the future.")]})
        alert.status = Alert.Status.ISSUED
        alert.issued_at = now
        alert.issued_by = actor
        if alert.effective is None:
            alert.effective = now
        _new_message(alert, now)
        alert.save()
        _announce(alert, actor, "alert.issued", _("Public warning issued: %(headline)s"))
        # The groups the warning names, and for orange and red also the groups that take that level.
        notice_services.notify_warning(level=alert.level, headline=alert.headline, text=alert.description,
                                       drill=alert.is_exercise, incident_id=alert.incident_id,
                                       groups=[g.pk for g in alert.notify_groups.all()],
                                       by_level=alert.level in CONFIRM_LEVELS)
        return alert


def alert_update(*, actor, alert_id: int, **changes) -> Alert:
    """Publish new content for an issued alert as a CAP Update referencing every earlier message."""
    _require_commander(actor)
    with transaction.atomic():
        alert = _locked(alert_id)
        if alert.status not in Alert.CURRENT:
            raise DomainError(_("This alert is %(status)s; only an issued alert can be updated.")
                              % {"status": alert.get_status_display()}, status=409)
        _apply(alert, changes)
        now = timezone.now()
        if alert.expires <= now:
            raise DomainError(_("The update would already be expired: set a later expiry time."),
                              data={"expires": [_("The expiry time must be in the future.")]})
        _reference_current(alert)
        alert.status = Alert.Status.UPDATED
        _new_message(alert, now)
        alert.save()
        _announce(alert, actor, "alert.updated", _("Public warning updated: %(headline)s"))
        return alert


def alert_cancel(*, actor, alert_id: int, note: str = "") -> Alert:
    """Withdraw an issued alert with a CAP Cancel message."""
    _require_commander(actor)
    note = (note or "").strip()
    if len(note) > 300:
        raise DomainError(_("The note is too long."), data={"note": [_("At most 300 characters.")]})
    with transaction.atomic():
        alert = _locked(alert_id)
        if alert.status not in Alert.CURRENT:
            message = (_("A draft was never issued, so there is nothing to cancel.")
                       if alert.status == Alert.Status.DRAFT else _("This alert is already cancelled."))
            raise DomainError(message, status=409)
        _reference_current(alert)
        alert.status = Alert.Status.CANCELLED
        alert.note = note
        _new_message(alert, timezone.now())
        alert.save()
        _announce(alert, actor, "alert.cancelled", _("Public warning cancelled: %(headline)s"))
        return alert


def _require_commander(actor) -> None:
    require_role(actor, COMMAND_ROLES, _("Only a commander may write public warnings."))


def _locked(alert_id) -> Alert:
    alert = Alert.objects.select_for_update().filter(pk=alert_id).first()
    if alert is None:
        raise DomainError(_("No such alert."), status=404)
    return alert


def _apply(alert: Alert, changes: dict) -> None:
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise DomainError(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    merged = {f: getattr(alert, f) for f in EDITABLE if f != "notify_groups"}
    merged["notify_groups"] = list(alert.notify_groups.all())
    merged.update(changes)
    cleaned = _clean(merged, creating=False, given=set(changes))
    if alert.status != Alert.Status.DRAFT and cleaned["exercise"] != alert.exercise:
        # A receiver must never see a real warning turn into a drill, or a drill into a real one.
        raise DomainError(_("A published warning cannot switch between exercise and real: cancel it and issue "
                            "a new one."), status=409, data={"exercise": [_("Cannot change after issue.")]})
    for name, value in cleaned.items():
        if name == "notify_groups":
            alert.notify_groups.set(value)
        else:
            setattr(alert, name, value)


def _clean(values: dict, *, creating: bool, given: set | None = None) -> dict:
    """Validate and normalise the editable fields; raise one DomainError naming every bad field."""
    errors: dict[str, list[str]] = {}
    out = dict(values)
    for name in ("event", "headline", "description", "instructions", "event_en", "headline_en",
                 "description_en", "instructions_en", "area_description"):
        text = values.get(name)
        text = "" if text is None else str(text).strip()
        limit = Alert._meta.get_field(name).max_length
        if limit and len(text) > limit:
            errors[name] = [_("At most %(n)d characters.") % {"n": limit}]
        out[name] = text
    for name, choices in _CHOICES.items():
        value = values.get(name)
        if value in (None, "") and name in ("urgency", "severity", "certainty"):
            level = values.get("level")
            # A level change re-derives the defaults unless the commander set them explicitly.
            value = LEVEL_DEFAULTS.get(level, {}).get(name)
        if value in (None, "") and name == "category":
            value = Category.MET
        if value not in (None, "") and value not in choices.values:
            errors[name] = [_('Unknown %(field)s "%(value)s": choose one of %(choices)s.')
                            % {"field": name, "value": str(value)[:40], "choices": ", ".join(choices.values)}]
        out[name] = value
    if given is not None and "level" in given:
        for name in ("urgency", "severity", "certainty"):
            if name not in given:
                out[name] = LEVEL_DEFAULTS.get(values.get("level"), {}).get(name, out[name])
    try:
        out["area"] = _area(values.get("area"))
    except AreaError as exc:
        errors["area"] = [str(exc)]
    incident = values.get("incident")
    if incident not in (None, "") and not isinstance(incident, Incident):
        incident = Incident.objects.filter(pk=incident).first() if is_id(incident) else None
        if incident is None:
            errors["incident"] = [_("No such incident.")]
    out["incident"] = incident or None
    out["notify_groups"] = _groups(values.get("notify_groups"), errors)
    # A warning about an exercise incident is an exercise, whatever the form said (issue 14).
    out["exercise"] = bool(values.get("exercise")) or bool(incident and getattr(incident, "exercise", False))
    effective, expires = values.get("effective"), values.get("expires")
    if expires and effective and expires <= effective:
        errors.setdefault("expires", []).append(_("The expiry time must be after the effective time."))
    for name in REQUIRED:
        if out.get(name) in (None, "") and name not in errors:
            errors[name] = [_("This field is required.")]
    if errors:
        raise DomainError(_("The alert has errors: %(fields)s.") % {"fields": ", ".join(sorted(errors))},
                          status=400, data=errors)
    return out


def _groups(value, errors: dict) -> list[ContactGroup]:
    """The named contact groups, by id or as objects; every unknown id is named in the error."""
    if value in (None, ""):
        return []
    if isinstance(value, str | bytes | dict) or not hasattr(value, "__iter__"):
        errors["notify_groups"] = [_("Send a list of contact group ids.")]
        return []
    items = list(value)  # ids from the API, a queryset from the console's form
    objects = [g for g in items if isinstance(g, ContactGroup)]
    ids = [g for g in items if not isinstance(g, ContactGroup)]
    if any(not is_id(g) for g in ids):
        errors["notify_groups"] = [_("Send a list of contact group ids.")]
        return []
    found = {g.pk: g for g in ContactGroup.objects.filter(pk__in=[int(g) for g in ids])}
    missing = sorted({int(g) for g in ids} - set(found))
    if missing:
        errors["notify_groups"] = [_("No such contact group: %(ids)s.") % {"ids": ", ".join(map(str, missing))}]
        return []
    return objects + list(found.values())


def _area(value):
    if value in (None, ""):
        return None
    if isinstance(value, MultiPolygon):
        return value
    if isinstance(value, Polygon):
        return MultiPolygon(value, srid=4326)
    if isinstance(value, GEOSGeometry):
        raise AreaError(_("The area must be a polygon."))
    if isinstance(value, dict):
        return area_from_geojson(value)
    return area_from_cap(str(value))


def _reference_current(alert: Alert) -> None:
    entry = f"{alert.sender},{alert.identifier},{cap_time(alert.sent)}"
    alert.references = f"{alert.references} {entry}".strip()


def _new_message(alert: Alert, now) -> None:
    alert.version += 1
    alert.sender = cap_sender()
    alert.sent = now.replace(microsecond=0)
    alert.identifier = f"{alert.sender.split('@')[-1]}.alert.{alert.pk}.{alert.version}"


_EVENTS = {"alert.issued": events.ALERT_ISSUED, "alert.updated": events.ALERT_UPDATED,
           "alert.cancelled": events.ALERT_CANCELLED}


def _announce(alert: Alert, actor, kind: str, text: str) -> None:
    if alert.incident_id:
        timeline_add(incident=alert.incident_id, actor=actor, kind=kind, text=text % {"headline": alert.headline},
                     data={"alert": alert.pk, "identifier": alert.identifier, "level": alert.level})
    stream.publish(_EVENTS[kind], alert)
