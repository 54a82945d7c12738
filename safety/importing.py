"""Hidden dangers from an enterprise's own system as CSV text (the import API's "csv" form).

Columns: external_id,title,description,location,level,criteria,deadline; criteria are codes
separated by ';'. A row with more values than the header has columns is an error naming its
line, never silently cut short: every such line is reported and nothing is imported. The rows
then go through services.hidden_dangers_import like the JSON form's."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core import tabular
from core.errors import DomainError


def hidden_danger_rows(text: str) -> list[dict]:
    header, records = tabular.csv_records(text)
    rows, errors = [], []
    for record in records:
        if record.extra:
            errors.append(_("Line %(line)d has %(n)d value(s) more than the header's %(columns)d columns: "
                            "quote values that contain commas.") % {
                "line": record.line, "n": len(record.extra), "columns": len(header)})
            continue
        row = {k.strip(): (v or "").strip() for k, v in record.values.items() if k}
        row["criteria"] = [c for c in row.get("criteria", "").split(";") if c]
        rows.append({k: v for k, v in row.items() if v not in ("", None) or k == "criteria"})
    if errors:
        raise DomainError(errors[0], data={"errors": errors[:50], "error_count": len(errors)})
    return rows
