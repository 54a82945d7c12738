"""Duty rosters (值班值守): shifts, the month's CSV import, handovers, calendar tokens."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import stream
from core import tabular
from core.errors import DomainError
from core.roles import COMMANDER, DISPATCHER, DUTY_OFFICER, PLANNER, ROLE_LABELS, has_role, require_role
from incidents.models import Incident
from plans import events
from plans.models import CalendarToken, DutyPost, Handover, Shift, Task

ROSTER_COLUMNS = ["post", "username", "start", "end"]
# Who may stand a duty post at all; a post may narrow it to one role (DutyPost.role).
ROSTER_ROLES = frozenset({DUTY_OFFICER, DISPATCHER, COMMANDER, PLANNER})
# A handover may be written shortly before the shift ends, or a little after it.
HANDOVER_WINDOW = dt.timedelta(hours=2)


@transaction.atomic
def shift_create(*, actor, post_id: int, person_id: int, start: dt.datetime, end: dt.datetime) -> Shift:
    _require_planner(actor)
    try:
        post = DutyPost.objects.get(pk=post_id)
        person = get_user_model().objects.get(pk=person_id)
    except (DutyPost.DoesNotExist, get_user_model().DoesNotExist, ValueError, TypeError):
        raise DomainError(_("Unknown post or person.")) from None
    _check_post_role(post, person)
    _check_shift(person, start, end)
    return _insert_shift(post, person, start, end)


@transaction.atomic
def shift_update(*, actor, shift_id: int, post_id: int, person_id: int, start: dt.datetime,
                 end: dt.datetime) -> Shift:
    """Move a shift to another post, person or time, with the same checks as a new one."""
    _require_planner(actor)
    shift = Shift.objects.select_for_update().filter(pk=shift_id).first()
    if shift is None:
        raise DomainError(_("No shift %(id)s.") % {"id": shift_id}, status=404)
    try:
        post = DutyPost.objects.get(pk=post_id)
        person = get_user_model().objects.get(pk=person_id)
    except (DutyPost.DoesNotExist, get_user_model().DoesNotExist, ValueError, TypeError):
        raise DomainError(_("Unknown post or person.")) from None
    _check_post_role(post, person)
    _check_shift(person, start, end, exclude_id=shift.pk)
    shift.post, shift.person, shift.start, shift.end = post, person, start, end
    try:
        with transaction.atomic():
            shift.save()
    except IntegrityError:
        raise DomainError(_("%(who)s already has a shift at that time.")
                          % {"who": person.get_full_name() or person.username}, status=409) from None
    return shift


def shift_check(*, person, start: dt.datetime | None, end: dt.datetime | None, exclude_id: int | None = None) -> None:
    """Raise DomainError if a shift of `person` from `start` to `end` cannot be: for forms that
    want to show the reason beside the fields before calling shift_create / shift_update."""
    _check_shift(person, start, end, exclude_id=exclude_id)


def roster_import(*, actor, upload) -> tuple[int, list[str]]:
    """Import shifts from a CSV (post code, username, start, end in local time "YYYY-MM-DD HH:MM").

    All or nothing: one message per bad row and nothing written, so a planner fixes the file
    and imports it again without producing half a month.
    """
    _require_planner(actor)
    header, records = tabular.csv_records(tabular.decode_csv(upload.read()))
    missing = [c for c in ROSTER_COLUMNS if c not in header]
    if missing:
        raise DomainError(_("The CSV needs the columns %(cols)s (missing: %(miss)s).")
                          % {"cols": ", ".join(ROSTER_COLUMNS), "miss": ", ".join(missing)})
    posts = {p.code: p for p in DutyPost.objects.all()}
    users = {}
    errors, planned = [], []
    with transaction.atomic():
        for number, row in enumerate((r.values for r in records), start=2):
            if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                continue
            try:
                post, person, start, end = _parse_row(row, posts, users)
                _check_post_role(post, person)
                _check_shift(person, start, end)
                for _post, other_person, other_start, other_end, other_line in planned:
                    if other_person == person and other_start < end and start < other_end:
                        raise ValueError(_("overlaps row %(n)d for the same person") % {"n": other_line})
                planned.append((post, person, start, end, number))
            except (ValueError, DomainError) as exc:
                errors.append(_("Row %(n)d: %(msg)s") % {"n": number, "msg": exc})
        if not planned and not errors:
            errors.append(_("The file has no rows."))
        if errors:
            return 0, errors
        for post, person, start, end, _line in planned:
            _insert_shift(post, person, start, end)
        return len(planned), []


@transaction.atomic
def handover_create(*, actor, note: str, at: dt.datetime | None = None) -> Handover:
    """The outgoing officer hands over their shift: open incidents and open plan tasks are
    attached as they stand; the next person on the same post must confirm receipt."""
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Write a handover note: what the next officer must know."))
    at = at or timezone.now()
    outgoing = (Shift.objects.select_for_update().select_related("post")
                .filter(person=actor, start__lte=at + HANDOVER_WINDOW, end__gte=at - HANDOVER_WINDOW)
                .order_by("end").first())
    if outgoing is None:
        raise DomainError(_("You have no shift ending around now to hand over."), status=409)
    if Handover.objects.filter(outgoing_shift=outgoing).exists():
        raise DomainError(_("This shift has already been handed over."), status=409)
    incoming = (Shift.objects.select_related("person")
                .filter(post=outgoing.post, start__gte=outgoing.end - HANDOVER_WINDOW,
                        start__lte=outgoing.end + HANDOVER_WINDOW)
                .exclude(pk=outgoing.pk).order_by("start").first())
    if incoming is None:
        raise DomainError(_("Nobody is on the roster for %(post)s after your shift; call the duty leader.")
                          % {"post": outgoing.post.name}, status=409)
    handover = Handover.objects.create(post=outgoing.post, outgoing_shift=outgoing, incoming_shift=incoming,
                                       outgoing=actor, incoming=incoming.person, note=note, created_at=at)
    handover.incidents.set(Incident.objects.filter(status__in=Incident.OPEN_STATUSES))
    # A closed incident's tasks are nobody's next shift (issue 22, point 4); closing ends them anyway.
    handover.tasks.set(Task.objects.filter(status=Task.Status.OPEN, incident__status__in=Incident.OPEN_STATUSES))
    stream.publish(events.HANDOVER_CREATED, handover)
    return handover


@transaction.atomic
def handover_confirm(*, actor, handover_id: int) -> Handover:
    try:
        handover = Handover.objects.select_for_update().select_related("post", "outgoing", "incoming").get(
            pk=handover_id)
    except (Handover.DoesNotExist, ValueError, TypeError):
        raise DomainError(_("No handover %(id)s.") % {"id": handover_id}, status=404) from None
    if handover.incoming_id != actor.pk:
        raise DomainError(_("Only %(who)s, the incoming officer, can confirm this handover.")
                          % {"who": handover.incoming.get_full_name() or handover.incoming.username}, status=403)
    if handover.confirmed_at:
        raise DomainError(_("You already confirmed this handover."), status=409)
    handover.confirmed_at = timezone.now()
    handover.save(update_fields=["confirmed_at"])
    stream.publish(events.HANDOVER_CONFIRMED, handover)
    return handover


@transaction.atomic
def calendar_token_ensure(*, actor) -> CalendarToken:
    return CalendarToken.objects.get_or_create(user=actor)[0]


@transaction.atomic
def calendar_token_reset(*, actor) -> CalendarToken:
    """A new secret for the person's feed URL; the old URL stops working."""
    token, created = CalendarToken.objects.get_or_create(user=actor)
    if not created:
        token.delete()
        token = CalendarToken.objects.create(user=actor)
    return token


# --- helpers -------------------------------------------------------------------------

def _require_planner(actor):
    require_role(actor, [PLANNER], _("Only planners may change the duty roster."))


def post_candidates(post=None):
    """The people who may stand `post` (or any post), by name: full name, then username in
    natural order (responder2 before responder10)."""
    import re

    roles = [post.role] if post is not None and post.role else sorted(ROSTER_ROLES)
    people = list(get_user_model().objects.filter(is_active=True, groups__name__in=roles).distinct())

    def key(person):
        name = person.get_full_name() or person.username
        return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]

    return sorted(people, key=key)


def check_post_role(*, post, person) -> None:
    """Raise DomainError if `person` may not stand `post` (for forms, before shift_create)."""
    _check_post_role(post, person)


def _check_post_role(post, person) -> None:
    who = person.get_full_name() or person.username
    if post.role:
        if not has_role(person, [post.role]):
            raise DomainError(_("%(who)s cannot stand the %(post)s post: it needs the role %(role)s. Choose someone "
                                "with that role, or give %(who)s the role first.")
                              % {"who": who, "post": post.name, "role": ROLE_LABELS.get(post.role, post.role)})
    elif not has_role(person, ROSTER_ROLES):
        raise DomainError(_("%(who)s has no duty role (duty officer, dispatcher, commander or planner) and cannot "
                            "stand the %(post)s post.") % {"who": who, "post": post.name})


def _check_shift(person, start, end, *, exclude_id: int | None = None) -> None:
    if start is None or end is None:
        raise DomainError(_("A shift needs a start and an end."))
    if end <= start:
        raise DomainError(_("A shift must end after it starts (%(s)s → %(e)s).")
                          % {"s": _fmt(start), "e": _fmt(end)})
    clash = (Shift.objects.filter(person=person, start__lt=end, end__gt=start).exclude(pk=exclude_id)
             .select_related("post").first())
    if clash:
        raise DomainError(_("%(who)s already has a shift on %(post)s from %(s)s to %(e)s.")
                          % {"who": person.get_full_name() or person.username, "post": clash.post.name,
                             "s": _fmt(clash.start), "e": _fmt(clash.end)}, status=409)


def _insert_shift(post, person, start, end) -> Shift:
    try:
        with transaction.atomic():
            return Shift.objects.create(post=post, person=person, start=start, end=end)
    except IntegrityError:
        # The exclusion constraint caught a shift saved by someone else meanwhile.
        raise DomainError(_("%(who)s already has a shift at that time.")
                          % {"who": person.get_full_name() or person.username}, status=409) from None


def _parse_row(row, posts, users):
    code = (row.get("post") or "").strip()
    if code not in posts:
        raise ValueError(_("unknown post “%(v)s”") % {"v": code})
    username = (row.get("username") or "").strip()
    if username not in users:
        users[username] = get_user_model().objects.filter(username=username, is_active=True).first()
    if users[username] is None:
        raise ValueError(_("unknown person “%(v)s”") % {"v": username})
    return posts[code], users[username], _parse_time(row.get("start")), _parse_time(row.get("end"))


def _parse_time(value) -> dt.datetime:
    value = (value or "").strip()
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M"):
        try:
            return timezone.make_aware(dt.datetime.strptime(value, fmt))
        except ValueError:
            continue
    raise ValueError(_("“%(v)s” is not a time like 2026-03-01 08:00") % {"v": value})


def _fmt(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
