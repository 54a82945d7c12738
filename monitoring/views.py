"""Console pages of park monitoring: points with their state, the alarm list, a point's trend."""

from django.shortcuts import get_object_or_404, render

import stream
from core import panels
from core.roles import INTAKE_ROLES, MONITORING_ROLES, has_role, role_required
from monitoring import selectors
from monitoring.models import Alarm, PointState


@role_required(MONITORING_ROLES)
def points(request):
    context = {"points": selectors.points(), "rate": selectors.alarm_rate(), "stream_since": stream.last_seq()}
    return render(request, "monitoring/points.html", context)


@role_required(MONITORING_ROLES)
def alarms(request):
    qs = selectors.alarms()
    state = request.GET.get("state", "open")
    if state == "open":
        qs = qs.filter(cleared_at__isnull=True)
    elif state in Alarm.State.values:
        qs = qs.filter(state=state)
    level = request.GET.get("level")
    if level in Alarm.Level.values:
        qs = qs.filter(level=level)
    point = request.GET.get("point", "")
    if point.isascii() and point.isdigit():  # one point's alarms, e.g. from an incident's card
        qs = qs.filter(point_id=int(point))
    else:
        point = ""
    context = {"alarms": qs[:200], "state": state, "level": level, "point": point, "states": Alarm.State.choices,
               "levels": Alarm.Level.choices, "can_act": has_role(request.user, INTAKE_ROLES),
               "rate": selectors.alarm_rate(), "stream_since": stream.last_seq()}
    return render(request, "monitoring/alarms.html", context)


@role_required(MONITORING_ROLES)
def point_detail(request, pk):
    point = get_object_or_404(selectors.points(), pk=pk)
    context = {"point": point, "alarms": selectors.alarms().filter(point=point)[:20], "states": PointState.choices,
               "stream_since": stream.last_seq(),
               # Cards of sibling apps through core.panels: safety's "work stopped by these alarms".
               "panels": panels.render("monitoring-point", request, point)}
    return render(request, "monitoring/point.html", context)
