"""Roles are Django groups, created by a migration (command/migrations/0002_roles.py).

The names here are the contract; the permissions each role holds live in ROLE_PERMISSIONS.
"""

from django.utils.translation import gettext_lazy as _

from core.errors import DomainError

DUTY_OFFICER = "duty_officer"
DISPATCHER = "dispatcher"
COMMANDER = "commander"
RESPONDER = "responder"
PLANNER = "planner"
VIEWER = "viewer"
# Work-safety supervision of the chemical park (safety app, issue 12).
SAFETY_SUPERVISOR = "safety_supervisor"  # 园区安全监管员: every enterprise of the park
ENTERPRISE_OFFICER = "enterprise_officer"  # 企业安全员: one enterprise (safety.models.EnterpriseMembership)
# A program (a site gateway) that may post sensor readings and nothing else (monitoring app).
INGEST = "ingest"
# The park's IoT administrator (园区物联网管理员): onboards devices, rotates and revokes their
# credentials (devices app). The superuser may too.
IOT_ADMIN = "iot_admin"

ROLE_LABELS = {
    DUTY_OFFICER: _("Duty officer"),
    DISPATCHER: _("Dispatcher"),
    COMMANDER: _("Commander"),
    RESPONDER: _("Responder"),
    PLANNER: _("Planner"),
    VIEWER: _("Viewer"),
    SAFETY_SUPERVISOR: _("Park safety supervisor"),
    ENTERPRISE_OFFICER: _("Enterprise safety officer"),
    INGEST: _("Sensor gateway (ingest)"),
    IOT_ADMIN: _("IoT administrator"),
}

# Roles that see the whole console (every incident, every unit, the whole stream).
CONSOLE_ROLES = frozenset({DUTY_OFFICER, DISPATCHER, COMMANDER, VIEWER, PLANNER})
# Roles that may log incidents and keep their timelines.
INTAKE_ROLES = frozenset({DUTY_OFFICER, DISPATCHER, COMMANDER})
# Roles that may send units.
DISPATCH_ROLES = frozenset({DISPATCHER, COMMANDER})
# Roles that may activate plans, issue warnings, change response levels.
COMMAND_ROLES = frozenset({COMMANDER})

# The chemical park's register, kept by planners in the admin.
HAZARD_MODELS = ("chemical", "enterprise", "risksource", "storedchemical", "sensitivetarget", "hazardzone")

# Roles that work in the park's safety ledger (safety app); officers see their enterprise only.
SAFETY_ROLES = frozenset({SAFETY_SUPERVISOR, ENTERPRISE_OFFICER})
# Park monitoring (issue 21.5: everyone who must act sees alarms where they work). The whole
# park's points, trends and alarms: the console and the park's safety supervisor. Acknowledging
# an alarm says "seen, being checked": the command centre, the park's supervisor (the park's
# monitoring duty) and an enterprise's safety officer for that enterprise's own alarms only
# (the first to act on site; monitoring.services checks the enterprise). Logging an incident
# from an alarm stays with the command centre (INTAKE_ROLES).
MONITORING_ROLES = CONSOLE_ROLES | {SAFETY_SUPERVISOR}
ALARM_ACK_ROLES = INTAKE_ROLES | {SAFETY_SUPERVISOR, ENTERPRISE_OFFICER}
# Roles that see an alarm bar: the park's (whole) or one enterprise's (enterprise_scope).
ALARM_BAR_ROLES = MONITORING_ROLES | {ENTERPRISE_OFFICER}

# Reference data a supervisor keeps in the admin; records with a life (hidden dangers, permits,
# commitments) change through services only, so the admin shows them read-only.
SAFETY_REFERENCE_MODELS = ("enterprisemembership", "responsibleperson", "safetymanager", "certificate", "riskpoint")
SAFETY_RECORD_MODELS = ("hiddendanger", "workpermit", "safetycommitment", "enterprisecolour")

# app_label.codename per role; the migration grants these so the admin obeys roles too.
ROLE_PERMISSIONS = {
    DUTY_OFFICER: [
        "plans.view_plan", "plans.view_responselevel", "plans.view_action", "plans.view_dutypost", "plans.view_shift",
        "incidents.view_incident", "incidents.add_incident", "incidents.change_incident",
        "incidents.view_incidenttype", "incidents.view_assignment",
        "resources.view_resource", "resources.view_agency", "resources.view_depot", "resources.view_area",
        "alerts.view_alert",
    ],
    DISPATCHER: [
        "plans.view_plan", "plans.view_responselevel", "plans.view_action", "plans.view_dutypost", "plans.view_shift",
        "incidents.view_incident", "incidents.add_incident", "incidents.change_incident",
        "incidents.view_incidenttype", "incidents.view_assignment", "incidents.add_assignment",
        "incidents.change_assignment",
        "resources.view_resource", "resources.change_resource", "resources.view_agency",
        "resources.view_depot", "resources.view_area", "resources.view_responder",
    ],
    COMMANDER: [
        "plans.view_plan", "plans.view_responselevel", "plans.view_action", "plans.view_dutypost", "plans.view_shift",
        "incidents.view_incident", "incidents.add_incident", "incidents.change_incident",
        "incidents.view_incidenttype", "incidents.view_assignment", "incidents.add_assignment",
        "incidents.change_assignment",
        "resources.view_resource", "resources.change_resource", "resources.view_agency",
        "resources.view_depot", "resources.view_area", "resources.view_responder",
        "alerts.view_alert", "alerts.add_alert", "alerts.change_alert",
    ],
    RESPONDER: ["incidents.view_assignment"],
    PLANNER: [
        "plans.view_plan", "plans.add_plan", "plans.change_plan", "plans.delete_plan",
        "plans.view_responselevel", "plans.add_responselevel", "plans.change_responselevel",
        "plans.delete_responselevel", "plans.view_action", "plans.add_action", "plans.change_action",
        "plans.delete_action", "plans.view_plancontact", "plans.add_plancontact", "plans.change_plancontact",
        "plans.delete_plancontact", "plans.view_planattachment", "plans.add_planattachment",
        "plans.change_planattachment", "plans.delete_planattachment", "plans.view_activation", "plans.view_task",
        "plans.view_dutypost", "plans.add_dutypost", "plans.change_dutypost", "plans.view_shift",
        "plans.add_shift", "plans.change_shift", "plans.delete_shift", "plans.view_handover",
        "incidents.view_incident", "incidents.view_incidenttype", "incidents.add_incidenttype",
        "incidents.change_incidenttype",
        # Run cards (调派方案) and the district's own geography (gazetteer, base map).
        *[f"incidents.{verb}_{model}" for model in ("runcard", "runcardneed") for verb in ("view", "add", "change", "delete")],
        *[f"places.{verb}_{model}" for model in ("place", "basemapfeature") for verb in ("view", "add", "change", "delete")],
        "resources.view_resource", "resources.add_resource", "resources.change_resource",
        "resources.view_agency", "resources.add_agency", "resources.change_agency",
        "resources.view_depot", "resources.add_depot", "resources.change_depot",
        "resources.view_area", "resources.add_area", "resources.change_area",
        "resources.view_responder", "resources.add_responder", "resources.change_responder",
        *[f"hazards.{verb}_{model}" for model in HAZARD_MODELS for verb in ("view", "add", "change")],
        "hazards.view_release", "hazards.view_threatzone",
    ],
    VIEWER: [
        "plans.view_plan", "plans.view_responselevel", "plans.view_action", "plans.view_dutypost", "plans.view_shift",
        "incidents.view_incident", "incidents.view_incidenttype", "incidents.view_assignment",
        "resources.view_resource", "resources.view_area", "alerts.view_alert",
    ],
    # Supervisors keep the ledger's reference data in the admin; officers work in the pages only.
    SAFETY_SUPERVISOR: [
        *[f"safety.{verb}_{model}" for model in SAFETY_REFERENCE_MODELS for verb in ("view", "add", "change")],
        *[f"safety.view_{model}" for model in SAFETY_RECORD_MODELS],
        "hazards.view_enterprise", "hazards.view_risksource",
    ],
    ENTERPRISE_OFFICER: [],
}


# Park monitoring (monitoring app): gateways post readings and nothing else; console roles
# read points, alarms and dead letters in the admin; planners keep the points and their limits.
ROLE_PERMISSIONS[INGEST] = []
for _role in (DUTY_OFFICER, DISPATCHER, COMMANDER, VIEWER):
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], "monitoring.view_monitoringpoint", "monitoring.view_alarm"]
ROLE_PERMISSIONS[PLANNER] = [
    *ROLE_PERMISSIONS[PLANNER], "monitoring.view_monitoringpoint", "monitoring.add_monitoringpoint",
    "monitoring.change_monitoringpoint", "monitoring.view_alarm", "monitoring.view_deadletter"]


# IoT devices (devices app): the IoT administrator keeps the registry; writes go through
# devices.services (the admin calls them), so the broker always matches the table.
ROLE_PERMISSIONS[IOT_ADMIN] = ["devices.view_device", "devices.add_device", "devices.change_device",
                               "hazards.view_enterprise", "monitoring.view_monitoringpoint",
                               "monitoring.view_deadletter"]


# Drills (issue 14): planners write scenarios, injects and reporting deadlines in the admin;
# console roles read drills, findings and revision tasks (written through drills.services).
ROLE_PERMISSIONS[PLANNER] = ROLE_PERMISSIONS[PLANNER] + [
    *[f"drills.{verb}_{model}" for model in ("scenario", "inject") for verb in ("view", "add", "change")],
    "drills.delete_inject", "drills.view_drill", "drills.view_injectrun", "drills.view_finding",
    "drills.view_revisiontask", "drills.change_revisiontask",
    # Reporting deadlines and filed reports are incidents' since issue 23 (they were drills').
    *[f"incidents.{verb}_reportrule" for verb in ("view", "add", "change")], "incidents.view_incidentreport"]
for _role in (DUTY_OFFICER, DISPATCHER, COMMANDER, VIEWER):
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] + [
        "drills.view_scenario", "drills.view_inject", "drills.view_drill", "drills.view_finding",
        "drills.view_revisiontask", "incidents.view_incidentreport", "incidents.view_reportrule"]

# The enterprise an enterprise officer is bound to. The binding is the safety app's
# (EnterpriseMembership); it registers the reader at start-up (safety.apps), so a sibling such as
# monitoring can scope by it without importing safety.
_enterprise_scope_reader = None


def register_enterprise_scope(reader) -> None:
    global _enterprise_scope_reader
    _enterprise_scope_reader = reader


def enterprise_scope(user) -> int | None:
    """The one enterprise `user` may see (an enterprise officer's), or None for anyone else.
    An officer whose binding is missing gets -1: an id no enterprise has, so they see nothing
    rather than everything."""
    if ENTERPRISE_OFFICER not in user_roles(user) or user_roles(user) & MONITORING_ROLES:
        return None
    enterprise_id = _enterprise_scope_reader(user) if _enterprise_scope_reader else None
    return -1 if enterprise_id is None else enterprise_id


def user_roles(user) -> set[str]:
    if not user or not user.is_authenticated:
        return set()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = remember_roles(user, user.groups.values_list("name", flat=True))
    return cached


def remember_roles(user, group_names) -> set[str]:
    """Cache `user`'s roles for this request from its group names, read by the caller (the API's
    token authentication reads them in the token's own query: one round trip less per call)."""
    names = roles_of(group_names, is_superuser=user.is_superuser)
    user._role_names = names
    return names


def roles_of(group_names, *, is_superuser: bool) -> set[str]:
    """The roles held through these group names (a superuser holds every operational role)."""
    names = set(group_names or ())
    if is_superuser:
        names |= CONSOLE_ROLES | INTAKE_ROLES | DISPATCH_ROLES | COMMAND_ROLES
    return names


def has_role(user, roles) -> bool:
    return bool(user_roles(user) & set(roles))


def require_role(actor, roles, message) -> None:
    """The one role check of services: DomainError 403 with `message` unless `actor` holds one of `roles`."""
    if not has_role(actor, roles):
        raise DomainError(message, status=403)


def sync_roles(group_model, permission_model) -> None:
    """Create the role groups and give each exactly its permissions. Idempotent.

    Called by the roles migration and again after every `migrate` (core.apps), so a
    permission added to ROLE_PERMISSIONS later reaches existing databases too. Permissions
    of apps not installed yet are skipped; they are granted on the migrate that adds them.
    """
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = group_model.objects.get_or_create(name=role)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".", 1)
            perm = permission_model.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)


def role_required(roles, message=None):
    """View decorator: log in first, then hold one of `roles`, else 403 with `message`."""
    from functools import wraps

    from django.contrib.auth.decorators import login_required
    from django.core.exceptions import PermissionDenied
    from django.utils.translation import gettext as _

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_role(request.user, roles):
                raise PermissionDenied(message or _("Your role does not allow this page."))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# Notices (issue 21): planners keep the directory (contacts, groups) in the admin; console
# roles read notices, receipts and gateway reports there (written through notices.services).
ROLE_PERMISSIONS[PLANNER] = ROLE_PERMISSIONS[PLANNER] + [
    *[f"notices.{verb}_{model}" for model in ("contact", "contactgroup") for verb in ("view", "add", "change", "delete")],
    "notices.view_notice", "notices.view_receipt", "notices.view_gatewayreport"]
for _role in (DUTY_OFFICER, DISPATCHER, COMMANDER, VIEWER):
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] + [
        "notices.view_contact", "notices.view_contactgroup", "notices.view_notice", "notices.view_receipt",
        "notices.view_gatewayreport"]
