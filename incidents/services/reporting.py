"""Incident reports to the authorities (初报 / 续报 / 补报 / 终报), filed in order on the incident's timeline.

Incidents' own since issue 23 (they lived in drills): the after-action review that shows them
takes drills' and plans' parts through incidents.after_action's registry."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

import stream
from core.errors import DomainError
from core.roles import INTAKE_ROLES, require_role
from incidents import events
from incidents.models import IncidentReport
from incidents.services.timeline import incident_lock, timeline_add


def incident_report_file(*, actor, incident_id: int, kind: str, text: str, channel: str = "written") -> IncidentReport:
    require_role(actor, INTAKE_ROLES, _("Only duty officers, dispatchers and commanders file incident reports."))
    if kind not in IncidentReport.Kind.values:
        raise DomainError(_("Kind must be initial, followup, final or supplementary (got “%(k)s”).") % {"k": kind})
    if channel not in IncidentReport.Channel.values:
        raise DomainError(_("Channel must be phone or written (got “%(c)s”).") % {"c": channel})
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write the report's text."))
    with transaction.atomic():
        incident = incident_lock(incident_id=incident_id)
        filed = set(incident.reports.values_list("kind", flat=True))
        if kind != IncidentReport.Kind.INITIAL and IncidentReport.Kind.INITIAL not in filed:
            raise DomainError(_("File the first report (初报) before any other."), status=409)
        if kind == IncidentReport.Kind.SUPPLEMENTARY and incident.is_open:
            raise DomainError(_("A supplementary report (补报) follows a change of casualties after closing; while "
                                "the incident is open, file a follow-up report (续报)."), status=409)
        if kind == IncidentReport.Kind.FINAL:
            if incident.is_open:
                raise DomainError(_("The final report (终报) follows the incident's closing."), status=409)
            if IncidentReport.Kind.FINAL in filed:
                raise DomainError(_("The final report (终报) has been filed already."), status=409)
        report = IncidentReport.objects.create(incident=incident, kind=kind, channel=channel, text=text,
                                               filed_by=actor)
        timeline_add(incident=incident, actor=actor, kind="report",
                     text=_("%(kind)s filed (%(channel)s).") % {
                         "kind": report.get_kind_display(), "channel": report.get_channel_display()},
                     data={"report": report.pk, "kind": kind})
        stream.publish(events.INCIDENT_REPORT_FILED, report)
        return report
