from django.conf import settings

from core.roles import CONSOLE_ROLES, DISPATCH_ROLES, INTAKE_ROLES, RESPONDER, user_roles


def console(request):
    roles = user_roles(getattr(request, "user", None))
    return {
        "roles": roles,
        "is_console": bool(roles & CONSOLE_ROLES),
        "can_intake": bool(roles & INTAKE_ROLES),
        "can_dispatch": bool(roles & DISPATCH_ROLES),
        "is_responder": RESPONDER in roles,
        "MAP_TILE_URL": settings.MAP_TILE_URL,
    }
