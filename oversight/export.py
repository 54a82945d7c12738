"""The supervisor's overview as an Excel workbook (the park hands these on to the district).
Cells are values, never formulas; characters XML cannot hold are dropped, so one stray control
character in a title never breaks the export for everyone.
Written with openpyxl, not core.tabular's tablib: tablib writes such text as a formula (or,
escaping, cuts its "="), and these sheets carry text people typed."""

import io

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING
from openpyxl.styles import Font

from oversight import labels

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def overview_workbook(rows: list[dict]) -> Workbook:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Due and overdue")
    sheet.append([_("Category"), _("Enterprise"), _("Subject"), _("Status"), _("Date")])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    category_labels = labels.category_labels()
    for row in rows:
        values = [str(category_labels.get(row["category"], row["category"])),
                  f"{row['enterprise'].code} {row['enterprise'].name}", row["subject"], str(row["status_label"]),
                  row["date"]]
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")):
                cell.data_type = TYPE_STRING
    sheet.append([])
    sheet.append([_("Exported at"), timezone.localtime().strftime("%Y-%m-%d %H:%M")])
    for column, width in zip("ABCDE", (14, 24, 60, 10, 12), strict=True):
        sheet.column_dimensions[column].width = width
    return book


def overview_response(rows: list[dict]) -> HttpResponse:
    buffer = io.BytesIO()
    overview_workbook(rows).save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="oversight-{timezone.localdate():%Y%m%d}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response
