from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from core.roles import CONSOLE_ROLES, RESPONDER, SAFETY_ROLES, user_roles


@login_required
def home(request):
    """Send each person to the page their role works from."""
    roles = user_roles(request.user)
    if roles & CONSOLE_ROLES:
        return redirect("incidents:list")
    if RESPONDER in roles:
        return redirect("incidents:responder")
    if roles & SAFETY_ROLES:
        return redirect("safety:overview")
    if request.user.is_staff:
        return redirect("admin:index")
    return redirect("no_role")
