"""The demo district, loaded once by `manage.py load_demo` (idempotent)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from core import roles
from resources.demo import demo_password_hash

# The role users of docs/contract.md.
ROLE_USERS = [
    ("duty1", roles.DUTY_OFFICER, "值班员", "Duty officer", False),
    ("dispatcher1", roles.DISPATCHER, "调度员", "Dispatcher", False),
    ("commander1", roles.COMMANDER, "指挥长", "Commander", False),
    ("planner1", roles.PLANNER, "预案管理员", "Planner", True),
    # A second planner: the four-eyes rule (one submits, another publishes) can be shown
    # without the superuser (issue 22).
    ("planner2", roles.PLANNER, "预案审核员", "Plan reviewer", True),
    ("viewer1", roles.VIEWER, "观察员", "Viewer", False),
]


def loaders():
    """Each app's demo module, in dependency order. Apps add themselves here."""
    from alerts import demo as alerts_demo
    from devices import demo as devices_demo
    from drills import demo as drills_demo
    from exchange import demo as exchange_demo
    from hazards import demo as hazards_demo
    from incidents import demo as incidents_demo
    from monitoring import demo as monitoring_demo
    from oversight import demo as oversight_demo
    from park import demo as park_demo
    from plans import demo as plans_demo
    from resources import demo as resources_demo
    from roads import demo as roads_demo
    from safety import demo as safety_demo

    return [resources_demo.load, roads_demo.load, hazards_demo.load, incidents_demo.load, monitoring_demo.load,
            plans_demo.load, alerts_demo.load, safety_demo.load, devices_demo.load, oversight_demo.load,
            exchange_demo.load, drills_demo.load, park_demo.load]


@transaction.atomic
def load() -> dict:
    created = {"users": _role_users()}
    for loader in loaders():
        created.update(loader())
    created["point_owners"] = _point_owners()
    return created


def _point_owners() -> int:
    """Each demo monitoring point's responsible persons are its enterprise's safety officers, so
    an unacknowledged HH alarm in the demo reaches them as well as the officers on duty. Wired
    here, above both apps: monitoring may not import safety, which holds the memberships."""
    from monitoring.models import MonitoringPoint
    from safety.models import EnterpriseMembership

    officers: dict[int, list[int]] = {}
    for membership in EnterpriseMembership.objects.all():
        officers.setdefault(membership.enterprise_id, []).append(membership.user_id)
    added = 0
    for point in MonitoringPoint.objects.filter(risk_source__isnull=False).select_related("risk_source"):
        people = officers.get(point.risk_source.enterprise_id, [])
        if people and not point.responsible.exists():
            point.responsible.add(*people)
            added += 1
    return added


def _role_users() -> int:
    User = get_user_model()
    created = 0
    for username, role, zh, en, staff in ROLE_USERS:
        user, was_created = User.objects.get_or_create(
            username=username, defaults={"first_name": zh, "is_staff": staff})
        # A Chinese name only: "值班员 Duty officer" was both languages at once in every list
        # (issue 22.10); `en` stays in ROLE_USERS as the README's gloss. Earlier demos: put right.
        if not was_created and user.last_name == en:
            User.objects.filter(pk=user.pk).update(last_name="")
        if was_created:
            user.password = demo_password_hash()
            user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name=role))
            created += 1
    admin, was_created = User.objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True, "first_name": "管理员"})
    if was_created:
        admin.password = demo_password_hash()
        admin.save(update_fields=["password"])
        created += 1
    return created
