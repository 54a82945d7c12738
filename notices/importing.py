"""Contacts from a planner's spreadsheet (.xlsx, or .csv in UTF-8), with a report per bad row.

Columns, by Chinese or English header: 姓名/name (required), 单位/organisation, 职务/position,
手机/mobile, 分组/groups (names separated by 、 , ; or new lines; missing groups are created),
用户名/username (links the contact to that user). A row whose mobile is already in the
directory updates that contact, so importing the same file twice changes nothing. Nothing is
written unless every row is good: the report names each bad row and what to fix."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from core import tabular
from core.errors import DomainError
from notices import phones, services
from notices.models import Contact, ContactGroup

HEADERS = {
    "name": ("姓名", "name"), "organisation": ("单位", "organisation", "organization"),
    "position": ("职务", "position"), "mobile": ("手机", "手机号", "mobile"), "groups": ("分组", "groups"),
    "username": ("用户名", "username"),
}
MAX_ROWS = 20000


def read_rows(upload) -> list[dict]:
    values = [[c.strip() for c in r] for r in tabular.upload_rows(upload)]
    if not values:
        return []
    columns = {}
    for index, header in enumerate(values[0]):
        for key, names in HEADERS.items():
            if header.strip().lower() in names:
                columns[key] = index
    if "name" not in columns:
        raise DomainError(_("The first row must name the columns; 姓名 (name) is required."))
    rows = []
    for values_row in values[1:]:
        if not any(values_row):
            rows.append(None)  # keeps the row numbers of the report right
            continue
        rows.append({key: (values_row[i] if i < len(values_row) else "") for key, i in columns.items()})
    if len(rows) > MAX_ROWS:
        raise DomainError(_("At most %(n)s rows per file.") % {"n": MAX_ROWS})
    return rows


@transaction.atomic
def contacts_import(*, actor, rows: list[dict | None]) -> tuple[int, int, list[str]]:
    """(created, updated, errors). Errors are "Row N: what to fix", row numbers as in the sheet."""
    from core.roles import require_role

    require_role(actor, services.CONTACT_WRITERS, _("Only duty officers, dispatchers, commanders and planners keep contacts."))
    errors, plan, seen = [], [], {}
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=[r.get("username") for r in rows if r and r.get("username")])}
    for number, row in enumerate(rows, start=2):
        if row is None:
            continue
        try:
            name = services._clean(row.get("name"), _("name"), 120, required=True)
            mobile = phones.normalise_mobile(row["mobile"]) if row.get("mobile") else ""
            user = None
            if row.get("username"):
                user = users.get(row["username"])
                if user is None:
                    raise DomainError(_("no user named %(u)s") % {"u": row["username"][:40]})
            if mobile and mobile in seen:
                raise DomainError(_("the same mobile as row %(n)s") % {"n": seen[mobile]})
            groups = [g.strip() for g in re.split(r"[、,，;；\n]", row.get("groups") or "") if g.strip()]
            plan.append({"name": name, "mobile": mobile, "user": user, "groups": groups,
                         "organisation": services._clean(row.get("organisation"), _("organisation"), 200),
                         "position": services._clean(row.get("position"), _("position"), 120)})
            if mobile:
                seen[mobile] = number
        except DomainError as exc:
            errors.append(_("Row %(n)s: %(error)s") % {"n": number, "error": exc.message})
    if not plan and not errors:
        errors.append(_("The file has no rows."))
    if errors:
        return 0, 0, errors
    created = updated = 0
    group_rows = {g.name: g for g in ContactGroup.objects.all()}
    existing = {c.mobile: c for c in Contact.objects.filter(mobile__in=[p["mobile"] for p in plan if p["mobile"]])}
    for item in plan:
        names = item.pop("groups")
        contact = existing.get(item["mobile"]) if item["mobile"] else None
        if contact is None:
            contact = services.contact_create(actor=None, **item)
            created += 1
        else:
            for key, value in item.items():
                if key != "user" or value is not None:
                    setattr(contact, key, value)
            services._save_contact(contact)
            updated += 1
        for group_name in names:
            if group_name not in group_rows:
                group_rows[group_name] = services.group_create(actor=None, name=group_name)
            contact.groups.add(group_rows[group_name])
    return created, updated, errors
