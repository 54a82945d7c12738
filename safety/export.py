"""The enterprise's ledger (一盘帐) as an Excel workbook, one sheet per part, as supervisors hand
ledgers on. Cells are written as values, never formulas: a title beginning with "=" stays text.
Written with openpyxl, not core.tabular's tablib: tablib writes such text as a formula (or,
escaping, cuts its "="), and these sheets carry text people typed."""

import io

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Font

from core.text import xml_safe
from safety import selectors

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def ledger_workbook(enterprise) -> Workbook:
    data = selectors.ledger(enterprise)
    book = Workbook()
    summary = book.active
    summary.title = _("Summary")
    colour = data["colour"]
    _rows(summary, [_("Item"), _("Value")], [
        [_("Enterprise"), f"{enterprise.code} {enterprise.name}"],
        [_("Risk colour"), colour.get_colour_display() if colour else "—"],
        *[[_("Why"), f["text"]] for f in (colour.factors if colour else [])],
        [_("Supervision every (days)"), data["supervision_days"]],
        [_("Today's safety commitment"), _("filed") if data["commitment"] else _("not filed")],
        [_("Exported at"), timezone.localtime().strftime("%Y-%m-%d %H:%M")],
    ])
    _rows(book.create_sheet(_("Risk sources")),
          [_("Code"), _("Name"), _("Grade"), _("R"), _("Principal"), _("Technical"), _("Operational")],
          [[s.code, s.name, s.grade or "", s.r_value, *_persons(s)] for s in data["risk_sources"]])
    _rows(book.create_sheet(_("Safety managers")),
          [_("Name"), pgettext("job title", "Position"), _("Certificate"), _("Number"), _("Expires on"), _("Expired")],
          [[m.name, m.position, c.kind, c.number, c.expires_on, _("yes") if c.expired else ""]
           for m in data["managers"] for c in m.certificates.all()])
    _rows(book.create_sheet(_("Risk points")),
          [_("Name"), _("Method"), "L", "E", "C", "S", _("Score"), _("Colour"), _("Controls")],
          [[p.name, p.method, p.likelihood, p.exposure, p.consequence, p.severity, p.score, p.get_colour_display(),
            p.controls] for p in data["risk_points"]])
    hidden = list(enterprise.hidden_dangers.order_by("-reported_at"))
    _rows(book.create_sheet(_("Hidden dangers")),
          [_("Title"), _("Level"), _("Criteria"), _("State"), _("Deadline"), _("Overdue"), _("Measures"),
           _("Responsible"), _("Funds (CNY)"), _("Reported at"), _("Closed at")],
          [[h.title, h.get_level_display(), ", ".join(h.criteria), h.get_state_display(), _local(h.deadline),
            _("yes") if h.overdue else "", h.measures, h.responsible, h.funds_cny, _local(h.reported_at),
            _local(h.closed_at)] for h in hidden])
    _rows(book.create_sheet(_("Work permits")),
          [_("Kind"), _("Grade"), pgettext("work permit", "Place"), _("Valid from"), _("Valid to"), _("State")],
          [[p.get_kind_display(), p.get_grade_display(), p.place, _local(p.valid_from), _local(p.valid_to),
            p.get_state_display()] for p in enterprise.work_permits.order_by("-valid_from")[:500]])
    _rows(book.create_sheet(_("Commitments")),
          [_("Date"), _("Units running"), _("Units stopped"), _("Special work"), _("Trial runs"),
           _("Start-ups and shutdowns"), _("Major hidden dangers"), _("Risk level")],
          [[c.date, c.units_running, c.units_stopped, c.special_work, c.trial_runs, c.startups_shutdowns,
            c.major_hidden_dangers, c.get_risk_level_display()] for c in enterprise.commitments.order_by("-date")[:366]])
    return book


def ledger_response(enterprise) -> HttpResponse:
    buffer = io.BytesIO()
    ledger_workbook(enterprise).save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="ledger-{enterprise.code}-{stamp}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


def _persons(source) -> list[str]:
    by_role = {p.role: f"{p.name} {p.phone}".strip() for p in source.responsible_persons.all()}
    missing = "⚠ " + _("missing") if source.is_major else ""
    return [by_role.get(role, missing) for role in ("main", "technical", "operational")]


def _local(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _rows(sheet, header, rows) -> None:
    sheet.append([str(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        # Rows stored before input refused XML-illegal characters (core.text) would make the
        # whole workbook unwritable (a 500 for every reader): drop such characters here.
        sheet.append([xml_safe(str(v) if hasattr(v, "_proxy____cast") else v) for v in row])
        for cell in sheet[sheet.max_row]:
            # Text that looks like a formula stays text (CSV/formula injection).
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = TYPE_STRING
