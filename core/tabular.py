"""Every spreadsheet the system reads or writes: .xlsx through tablib, CSV in UTF-8.

Readers (contacts, plan actions, duty rosters, hidden dangers) get rows as lists of strings
("" for an empty cell) or, for a CSV with a header, records that remember the line they came
from. Excel workbooks are read by tablib; CSV text is read with the csv module itself, because
tablib's CSV import drops blank lines (the import reports number rows as the planner sees them
in the sheet) and refuses a row longer than the header without saying which line it is (the
hidden-danger import names every such line). Writers hand tablib a header and rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

import tablib
from django.utils.translation import gettext as _

from core.errors import DomainError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload_rows(upload) -> list[list[str]]:
    """Every row of an uploaded .xlsx or .csv (UTF-8, with or without BOM), blank rows included
    so that row numbers stay those of the sheet; cells are strings, "" when empty."""
    name = (getattr(upload, "name", "") or "").lower()
    data = upload.read()
    if name.endswith(".xlsx"):
        try:
            sheet = tablib.Dataset().load(data, format="xlsx", headers=False)
        except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a file that is not xlsx
            raise DomainError(_("This is not a readable Excel (.xlsx) file.")) from None
        return [["" if c is None else str(c) for c in row] for row in sheet]
    if name.endswith(".csv"):
        return [row for _line, row in csv_rows(decode_csv(data))]
    raise DomainError(_("Upload a .csv or .xlsx file."))


def decode_csv(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(_("The CSV file must be UTF-8 encoded.")) from None


def csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number where the row ends, values) per row; a blank line is []. A byte-order mark
    (Excel's "CSV UTF-8") is not part of the first value."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    for row in reader:
        yield reader.line_num, row


@dataclass
class Record:
    line: int
    values: dict  # column -> value; None for a column the row is too short to reach
    extra: list[str]  # values beyond the header's columns


def csv_records(text: str) -> tuple[list[str], list[Record]]:
    """The header and the non-blank rows of a CSV, as csv.DictReader reads them, each with its line."""
    rows = csv_rows(text)
    header = next((row for _line, row in rows), [])
    records = []
    for line, row in rows:
        if row:
            values = dict(zip(header, row, strict=False))
            values.update({name: None for name in header[len(row):]})
            records.append(Record(line, values, row[len(header):]))
    return header, records


def xlsx_bytes(header: list[str], rows: list[list], *, title: str) -> bytes:
    """One sheet, a bold frozen header. tablib writes a string starting with "=" as a formula:
    callers export their own data, never text a user typed that could be one."""
    return tablib.Dataset(*[list(r) for r in rows], headers=list(header), title=title).export("xlsx")


def csv_text(header: list[str], rows: list[list]) -> str:
    """CSV with a byte-order mark, so Excel opens Chinese text as UTF-8."""
    return "\ufeff" + tablib.Dataset(*[list(r) for r in rows], headers=list(header)).export("csv")
