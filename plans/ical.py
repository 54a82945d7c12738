"""A person's shifts as an RFC 5545 calendar (icalendar library)."""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from plans.selectors import person_shifts


def roster_calendar(user, *, host: str = "localhost") -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//District Emergency Command Centre//Duty roster//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"值班表 {user.get_full_name() or user.username}")
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = timezone.now()
    for shift in person_shifts(user, since=stamp - dt.timedelta(days=62)):
        event = Event()
        # A stable UID lets calendar apps update a moved shift instead of duplicating it.
        event.add("uid", f"shift-{shift.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", shift.start)
        event.add("dtend", shift.end)
        event.add("summary", f"值班 {shift.post.name}" + (f" / {shift.post.name_en}" if shift.post.name_en else ""))
        event.add("categories", ["DUTY"])
        cal.add_component(event)
    return cal.to_ical()
