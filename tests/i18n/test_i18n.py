"""Chinese first, English on request: pages, the language switcher, API and domain errors, admin labels,
and a translation catalogue with nothing left untranslated."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.utils import translation
from rest_framework.test import APIClient

from core.errors import DomainError
from incidents import services
from incidents.models import Incident, IncidentType

PO = Path(django_settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
LON, LAT = 113.60, 22.75
PLACEHOLDER = re.compile(r"%\(\w+\)[-+ #0-9.]*[sdif]|\{\w*\}")


@pytest.fixture
def chinese(settings):
    """Undo the suite-wide English switch in tests/conftest.py: the product's own default."""
    settings.LANGUAGE_CODE = "zh-hans"
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def fire_type(db):
    return IncidentType.objects.create(code="fire", klass="accident", name_zh="火灾", name_en="Fire",
                                       required_capabilities=["fire_suppression"])


@pytest.fixture
def responder_user_for_i18n(make_user):
    from core import roles

    return make_user("resp_i18n", roles.RESPONDER)


def _text(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_login_page_is_chinese_for_a_browser_without_preference(chinese, client):
    page = _text(client.get("/login/"))
    assert '<html lang="zh-hans">' in page
    assert "登录" in page and "用户名" in page and "区应急指挥中心" in page
    assert "Log in" not in page and "Username" not in page


def test_console_pages_are_chinese_by_default(chinese, client, duty_officer, fire_type):
    client.force_login(duty_officer)
    services.incident_log(actor=duty_officer, type_code="fire", severity="II", lon=LON, lat=LAT, title="仓库起火")
    listing = _text(client.get("/incidents/"))
    assert "未结案事件" in listing and "新建事件" in listing and "力量状态板" in listing
    assert "响应时效统计" in listing and "Open incidents" not in listing
    assert "仓库起火" in listing and "已接报" in listing  # the status label, from the model's choices
    metrics = _text(client.get("/incidents/metrics/"))
    assert "接警 → 首次调派" in metrics


def test_language_switcher_changes_to_english_and_back(chinese, client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302 and response["Location"] == "/login/"
    page = _text(client.get("/login/"))
    assert '<html lang="en">' in page and "Log in" in page and "District Emergency Command Centre" in page
    assert "登录" not in page
    # The switcher offers both languages, with the current one selected.
    # Each language is offered in its own name, whatever the page's language.
    assert '<option value="en" lang="en" selected>English</option>' in page
    assert '<option value="zh-hans" lang="zh-hans">简体中文</option>' in page

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/login/"})
    page = _text(client.get("/login/"))
    assert "登录" in page and "Log in" not in page
    assert '<option value="zh-hans" lang="zh-hans" selected>简体中文</option>' in page
    assert '<option value="en" lang="en">English</option>' in page


def test_switcher_ignores_an_unknown_language(chinese, client):
    client.post("/i18n/setlang/", {"language": "xx", "next": "/login/"})
    assert "登录" in _text(client.get("/login/"))


def test_browser_preference_for_english_is_honoured(chinese, client):
    page = _text(client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9"))
    assert "Log in" in page and "登录" not in page


def _post_bad_point(api, user, **headers):
    api.force_authenticate(user)
    body = {"type": "fire", "severity": "II", "location": {"type": "Point", "coordinates": [500, 22]}}
    return api.post("/api/v1/incidents/", body, format="json", **headers)


def test_api_field_error_is_chinese_by_default_and_english_on_request(chinese, duty_officer, fire_type):
    response = _post_bad_point(APIClient(), duty_officer)
    assert response.status_code == 400
    assert "经度必须在 -180 到 180 之间（收到 500" in str(response.json()["location"])

    response = _post_bad_point(APIClient(), duty_officer, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Longitude must be between -180 and 180 (got 500" in str(response.json()["location"])
    assert not Incident.objects.exists()


def test_api_role_and_domain_errors_are_chinese(chinese, viewer, duty_officer, fire_type):
    api = APIClient()
    api.force_authenticate(viewer)
    body = {"type": "fire", "severity": "II", "location": {"type": "Point", "coordinates": [LON, LAT]}}
    denied = api.post("/api/v1/incidents/", body, format="json")
    assert denied.status_code == 403
    assert denied.json()["detail"] == "只有值班员、调度员和指挥长可以登记事件。"

    api.force_authenticate(duty_officer)
    unknown = api.post("/api/v1/incidents/", {**body, "type": "volcano"}, format="json")
    assert unknown.status_code == 400
    assert unknown.json()["detail"] == "未知的事件类型“volcano”。请从列出的类型中选择。"
    # DRF's own messages come in Chinese too.
    missing = api.post("/api/v1/incidents/", {"type": "fire"}, format="json")
    assert missing.status_code == 400 and "必填" in str(missing.json())
    assert not Incident.objects.exists()


def test_role_permission_message_is_chinese(chinese, client, responder_user_for_i18n):
    api = APIClient()
    api.force_authenticate(responder_user_for_i18n)
    response = api.get("/api/v1/incidents/")
    assert response.status_code == 403 and response.json()["detail"] == "您的角色无权执行此操作。"


def test_domain_error_from_a_service_is_chinese(chinese, duty_officer, fire_type):
    with pytest.raises(DomainError) as caught:
        services.incident_log(actor=duty_officer, type_code="fire", severity="V", lon=LON, lat=LAT)
    assert str(caught.value) == "事件级别必须为 I、II、III、IV 之一（收到“V”）。"
    with translation.override("en"), pytest.raises(DomainError) as caught:
        services.incident_log(actor=duty_officer, type_code="fire", severity="V", lon=LON, lat=LAT)
    assert "Severity must be one of I, II, III, IV" in str(caught.value)


def test_admin_labels_are_chinese(chinese, client, db):
    root = get_user_model().objects.create_superuser("root_i18n", password="x-pass-123")
    client.force_login(root)
    index = _text(client.get("/admin/"))
    for label in ("事件类型", "派遣任务", "危险源", "应急预案", "预警", "救援队员", "班次"):
        assert label in index, label
    changelist = _text(client.get("/admin/incidents/incident/"))
    assert "事件" in changelist
    add = _text(client.get("/admin/incidents/incidenttype/add/"))
    assert "所需能力" in add and "类别" in add
    assert str(Incident._meta.verbose_name_plural) == "事件"
    assert str(IncidentType._meta.get_field("required_capabilities").verbose_name) == "所需能力"


def test_dates_and_numbers_follow_the_language(chinese):
    from datetime import date

    from django.utils import formats

    day = date(2026, 3, 1)
    assert formats.date_format(day) == "2026年3月1日"
    with translation.override("en"):
        assert formats.date_format(day) == "March 1, 2026"
    # Both languages write decimals with a point, so coordinates and rates read the same.
    assert formats.number_format(22.75, 2) == "22.75"
    with translation.override("en"):
        assert formats.number_format(22.75, 2) == "22.75"


def _project_entries():
    po = polib.pofile(str(PO))
    return [e for e in po if not e.obsolete]


def test_catalogue_is_compiled():
    mo = PO.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= PO.stat().st_mtime, "run `make messages` (compilemessages)"


def test_every_project_message_is_translated_and_none_is_fuzzy():
    entries = _project_entries()
    assert len(entries) > 800
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    untranslated = [e.msgid for e in entries if not e.translated()]
    assert fuzzy == [] and untranslated == []
    assert not polib.pofile(str(PO)).metadata_is_fuzzy


def test_translations_keep_their_placeholders_and_are_chinese():
    for e in _project_entries():
        targets = list(e.msgstr_plural.values()) if e.msgid_plural else [e.msgstr]
        for target in targets:
            source = e.msgid_plural if e.msgid_plural and "%(" in e.msgid_plural else e.msgid
            assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(target)), e.msgid
        letters = re.sub(r"%\(\w+\)\w|[^A-Za-z]", "", e.msgid)
        # Prose must actually be translated, not copied; symbols and units such as "R", "α" may stay.
        if len(letters) > 3 and not re.fullmatch(r"[A-Z0-9 ()/.,:\-–ΣqQαβ]+", e.msgid):
            assert e.msgstr != e.msgid or e.msgid_plural, e.msgid
