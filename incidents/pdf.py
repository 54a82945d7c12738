"""The after-action report as a PDF (reportlab), in a CJK TrueType font so Chinese renders.

The header is incidents'; each section of incidents.after_action's registry adds its own
flowables (`section.pdf(aar, kit)`), with the helpers in `kit` (paragraph, heading, table,
time and duration formats), so drills' findings and plans' tasks print without incidents
importing them.

The font comes from a Debian package (fonts-wqy-zenhei, installed by scripts/bootstrap.sh);
settings.DRILLS_PDF_FONT may point elsewhere. An exercise's report carries 演练 / EXERCISE
in the header of every page and across it.
"""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents import after_action as review
from incidents.models import EXERCISE_LABEL

FONT_NAME = "CJK"
FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
]


def _register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return FONT_NAME
    configured = settings.DRILLS_PDF_FONT
    for path in ([configured] if configured else []) + FONT_CANDIDATES:
        if path and Path(path).exists():
            pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=0))
            return FONT_NAME
    raise ImproperlyConfigured("No CJK TrueType font for the after-action PDF: install fonts-wqy-zenhei "
                               "(scripts/bootstrap.sh does) or set DRILLS_PDF_FONT.")


def _t(value) -> str:
    if value is None or value == "":
        return "—"
    if hasattr(value, "isoformat") and hasattr(value, "hour"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def _secs(value) -> str:
    # The pages' own words for a duration (49 秒, 1 分 00 秒), not English units (issue 22.10).
    from incidents.templatetags.incident_tags import duration

    return duration(value)


def after_action_pdf(aar: dict) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _register_font()
    incident = aar["incident"]
    exercise = incident.exercise
    base = ParagraphStyle("base", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    h1 = ParagraphStyle("h1", parent=base, fontSize=15, leading=20, spaceAfter=4)
    h2 = ParagraphStyle("h2", parent=base, fontSize=11.5, leading=15, spaceBefore=8, spaceAfter=3)
    banner = ParagraphStyle("banner", parent=base, fontSize=13, leading=17, textColor=colors.white,
                            backColor=colors.HexColor("#b3007d"), borderPadding=4, spaceAfter=6)

    def p(text, style=base):
        return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)

    def table(header, rows, widths=None):
        data = [[p(h) for h in header]] + [[p(c) for c in row] for row in rows] if rows else \
            [[p(h) for h in header], [p(_("None."))] + [p("") for _h in header[1:]]]
        t = Table(data, colWidths=widths, repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf3")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return t

    story = []
    if exercise:
        story.append(p(EXERCISE_LABEL + " — 本报告所述为应急演练，不是真实事件。This report is of an exercise.", banner))
    story.append(p(_("After-action report") + f" · {incident.number}", h1))
    story.append(p(f"{incident.title}\n{incident.type.local_name} · "
                   f"{_('severity')} {incident.severity_numeral} · {incident.get_status_display()}\n"
                   f"{_('Call received')}: {_t(incident.reported_at)} · {_('Closed')}: {_t(incident.closed_at)}\n"
                   f"{incident.address}"))

    kit = SimpleNamespace(p=p, h2=lambda text: p(text, h2), table=table, t=_t, secs=_secs, mm=mm, Spacer=Spacer,
                          interval_name=_interval_name, verdict=_verdict, report_name=_report_name,
                          report_state=_report_state)
    for section in review.registered():
        story.extend(section.pdf(aar, kit))

    def decorate(canvas, doc):
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawString(15 * mm, 10 * mm, f"{incident.number} · {_t(timezone.now())} · {doc.page}")
        if exercise:
            canvas.setFillColor(colors.HexColor("#b3007d"))
            canvas.setFont(font, 12)
            canvas.drawRightString(A4[0] - 15 * mm, A4[1] - 10 * mm, EXERCISE_LABEL)
            canvas.setFillColor(colors.Color(0.7, 0, 0.49, alpha=0.08))
            canvas.setFont(font, 80)
            canvas.translate(A4[0] / 2, A4[1] / 2)
            canvas.rotate(45)
            canvas.drawCentredString(0, 0, "演练 EXERCISE")
        canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=f"{_('After-action report')} {incident.number}",
                            author=settings.CAP_SENDER_NAME)
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return out.getvalue()


def _interval_name(key) -> str:
    return {"call_to_dispatch": _("Call → dispatch"), "dispatch_to_ack": _("Dispatch → acknowledged"),
            "dispatch_to_on_scene": _("Dispatch → on scene")}.get(key, key)


def _verdict(key) -> str:
    return {"on_time": _("on time"), "late": _("late"), "overdue": _("not done, overdue"),
            "open": _("open")}.get(key, key)


def _report_name(key) -> str:
    return {"initial_phone": _("First report by phone (初报)"), "initial_written": _("First written report (初报)"),
            "followup": _("Follow-up report (续报)"), "final": _("Final report (终报)")}.get(key, key)


def _report_state(row) -> str:
    if row["filed"] is not None:
        return _("filed late") if row.get("late") else _("filed")
    return _("overdue") if row["overdue"] else _("due")
