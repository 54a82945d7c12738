from django.conf import settings

from core.roles import (
    ALARM_ACK_ROLES,
    ALARM_BAR_ROLES,
    CONSOLE_ROLES,
    DISPATCH_ROLES,
    INTAKE_ROLES,
    MONITORING_ROLES,
    RESPONDER,
    user_roles,
)


def console(request):
    roles = user_roles(getattr(request, "user", None))
    return {
        "roles": roles,
        "is_console": bool(roles & CONSOLE_ROLES),
        "can_intake": bool(roles & INTAKE_ROLES),
        "can_dispatch": bool(roles & DISPATCH_ROLES),
        "is_responder": RESPONDER in roles,
        # Issue 21.5: the park's alarms where people work. Consoles and the park's safety
        # supervisors see the whole park (and its monitoring pages); an enterprise officer's
        # pages carry the bar with their own enterprise's alarms (the API scopes them).
        "sees_monitoring": bool(roles & MONITORING_ROLES),
        "alarm_bar": bool(roles & ALARM_BAR_ROLES),
        "can_ack_alarms": bool(roles & ALARM_ACK_ROLES),
        "MAP_TILE_URL": settings.MAP_TILE_URL,
    }
