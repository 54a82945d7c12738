"""Issue 22.10: everything a person reads in the Chinese interface is Chinese, times local.

Walks the main pages of each role on the demo district (with a drill run, an alarm-made
incident, a hidden danger through its steps) in zh-hans and looks, in the text a person reads
(text nodes, placeholders, titles, labels, and the data-* words scripts show), for what leaked
before: raw codes of steps and events (`reported`, `risk_source.changed`), English words and
phrases, UTC ISO timestamps, both languages side by side (“火灾 / Fire”).
"""

import datetime as dt
import html
import re
from html.parser import HTMLParser

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone, translation

from core import roles
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

# Words that are the same in every language: units, standards, codes, names of things.
ALLOWED = {
    "AEGL", "ERPG", "IDLH", "CAS", "UN", "GB", "LEC", "LS", "PDF", "CSV", "XLSX", "API", "CAP", "ppm", "km", "kg",
    "mg", "MPa", "Pa", "EEMUA", "EXERCISE", "OpenStreetMap", "Leaflet", "LIVE", "ID", "HH", "LL", "AQ", "GIS",
    "Atom", "LPG", "NH", "Cl", "SO", "HS", "H2S", "NH3", "Cl2", "SO2", "CO", "O2", "LEL", "T", "No", "Tel", "OK",
    "IEC", "ISA", "MQTT", "SMS", "URL", "QR", "JSON", "GeoJSON", "WGS", "min", "max", "avg", "Pasquill", "Gifford",
    "Django",
}
# A leak: a run of two or more English words, a lone lowercase word of 3+ letters, a dotted
# event code, an ISO timestamp with its T, or a name in both languages joined by a slash.
ENGLISH_RUN = re.compile(r"\b[A-Za-z][a-z]+(?:[ ,]+[a-z]{2,}){1,}\b")
LOWER_WORD = re.compile(r"(?<![\w./:#@-])[a-z]{3,}(?![\w./:@-])")
DOTTED_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)*\.[a-z]+(?:_[a-z]+)*\b")
TITLE_RUN = re.compile(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+)+\b")
LONE_WORD = re.compile(r"^[A-Z][a-z]{3,}:?$")  # a label of one English word ("Inspection")
ISO_STAMP = re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d")
BILINGUAL = re.compile(r"[\u4e00-\u9fff]+\s*/\s*[A-Z][a-z]+(?: [A-Za-z]+)*")
# Attributes a person reads, and data-* attributes that hold words a script shows.
READ_ATTRS = {"placeholder", "title", "aria-label", "alt", "value"}
# data-* attributes whose name has one of these parts hold codes, numbers or addresses, not words.
SKIP_DATA = {"url", "css", "href", "src", "api", "layer", "layers", "stream", "since", "tiles", "json", "id", "code",
             "kind", "level", "state", "status", "colour", "colours", "seq", "key", "sound", "basemap", "bbox",
             "lat", "lon", "zoom", "point", "permit", "incident", "alarm", "fragment", "on", "autosubmit", "need",
             "resource", "action", "print", "loaded", "exercise", "can", "legend", "value", "model", "ref", "popup",
             "reason", "inline", "type", "name", "links", "features", "assignment", "unit", "centre", "center"}
# Django's own admin captions that its zh_Hans catalogue leaves in English (visually hidden).
NOT_OURS = {"Model name", "Add link", "Change or view list link"}


class Reader(HTMLParser):
    """The text a person reads on the page, with where it came from."""

    QUIET = ("script", "style", "code", "pre", "noscript", "template")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self.skip = 0
        self.stack: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        # Content marked English on purpose (a warning's English headline) is read as English.
        quiet = tag in self.QUIET or (values.get("lang") or "").startswith("en") and tag != "html"
        if tag in ("br", "img", "input", "meta", "link", "hr", "source", "wbr"):
            quiet = False  # void elements: no end tag will close them
        elif quiet:
            self.skip += 1
        if tag not in ("br", "img", "input", "meta", "link", "hr", "source", "wbr"):
            self.stack.append((tag, quiet))
        for name, value in attrs:
            if not value:
                continue
            if name in READ_ATTRS and not (name == "value" and (tag != "input" or values.get("type") not in
                                                                ("submit", "button"))):
                self.found.append((f"<{tag} {name}>", value))
            elif (name.startswith("data-") and not set(re.split(r"[-_]", name[5:])) & SKIP_DATA
                  and not value.startswith(("/", "{", "["))):
                self.found.append((f"<{tag} {name}>", value))

    def handle_endtag(self, tag):
        # Pop up to the matching open tag (HTML lets some end tags be left out).
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                for _tag, quiet in self.stack[i:]:
                    if quiet and self.skip:
                        self.skip -= 1
                del self.stack[i:]
                break

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.found.append((self.stack[-1][0] if self.stack else "", data.strip()))


def leaks_in(page: str) -> list[str]:
    reader = Reader()
    reader.feed(page)
    out = []
    for where, text in reader.found:
        text = html.unescape(text)
        # Options of the language switcher name each language in itself.
        if text in ("English", "简体中文") or text in NOT_OURS:
            continue
        hits = []
        for pattern in (DOTTED_CODE, ISO_STAMP, BILINGUAL):
            hits += pattern.findall(text)
        if LONE_WORD.match(text) and text.rstrip(":") not in ALLOWED:
            hits.append(text)
        for pattern in (ENGLISH_RUN, LOWER_WORD, TITLE_RUN):
            hits += [h for h in pattern.findall(text) if not set(re.findall(r"[A-Za-z0-9]+", h)) <= ALLOWED]
        if hits:
            out.append(f"{where}: {text[:120]!r} → {hits[:3]}")
    return out


@pytest.fixture
def world(db, make_user, settings):
    """The demo district in Chinese, with the records whose words leaked."""
    from command import demo
    from hazards.models import RiskSource
    from monitoring import services as monitoring
    from monitoring import store
    from monitoring.models import Alarm, MonitoringPoint
    from monitoring.parsing import RawReading
    from safety import services as safety
    from safety.models import EnterpriseMembership

    settings.LANGUAGE_CODE = "zh-hans"
    demo.load()
    users = {
        "console": make_user("duty_zh", roles.DUTY_OFFICER, roles.DISPATCHER),
        "supervisor": make_user("safety_zh", roles.SAFETY_SUPERVISOR),
        "officer": make_user("officer_zh", roles.ENTERPRISE_OFFICER),
        "planner": make_user("planner_zh", roles.PLANNER, staff=True),
    }
    source = RiskSource.objects.filter(enterprise__code="E01").order_by("code").first()
    EnterpriseMembership.objects.create(user=users["officer"], enterprise=source.enterprise)
    point = MonitoringPoint.objects.create(code="ZH-NH3", name="氨气探测器", kind="toxic_gas", unit="ppm",
                                           risk_source=source, location=Point(source.location.x, source.location.y),
                                           range_min=0, range_max=500, limit_h=25, limit_hh=50, delay_s=0)
    store.readings_store(readings=[RawReading(point.code, timezone.now() - dt.timedelta(seconds=30), 80, True)])
    alarm = Alarm.objects.get(point=point)
    _alarm, incident = monitoring.alarm_create_incident(actor=users["console"], alarm_id=alarm.pk)
    hd = safety.hidden_danger_report(actor=users["officer"], enterprise_id=source.enterprise_id, title="罐区围堰破损",
                                     deadline=timezone.now() + dt.timedelta(days=3))
    safety.hidden_danger_plan(actor=users["officer"], hidden_danger_id=hd.pk, measures="修补围堰")
    safety.hidden_danger_rectified(actor=users["officer"], hidden_danger_id=hd.pk)
    safety.hidden_danger_verify(actor=users["supervisor"], hidden_danger_id=hd.pk, accepted=True)
    source.people_within_500m += 1
    source.save()  # a risk source changed: the enterprise's colour history says why
    return {"users": users, "incident": incident, "hidden_danger": hd, "enterprise": source.enterprise}


def _pages(world):
    from alerts.models import Alert
    from drills.models import Drill

    incident, hd, enterprise = world["incident"], world["hidden_danger"], world["enterprise"]
    alert = Alert.objects.exclude(status="draft").order_by("pk").first()
    drill = Drill.objects.order_by("pk").first()
    console = ["/incidents/", "/incidents/new/", f"/incidents/{incident.pk}/", "/incidents/board/",
               "/incidents/metrics/", "/map/", "/alerts/", "/plans/duty/", "/monitoring/", "/monitoring/alarms/",
               "/drills/", f"/drills/after-action/{incident.pk}/"]
    if alert:
        console.append(f"/alerts/{alert.pk}/")
    if drill:
        console.append(f"/drills/{drill.pk}/")
    return {
        "console": console,
        "supervisor": ["/safety/", f"/safety/enterprises/{enterprise.pk}/", "/safety/hidden-dangers/",
                       f"/safety/hidden-dangers/{hd.pk}/", "/safety/permits/", "/safety/map/", "/monitoring/"],
        "officer": [f"/safety/enterprises/{enterprise.pk}/", "/safety/hidden-dangers/new/", "/safety/permits/new/",
                    f"/safety/hidden-dangers/{hd.pk}/"],
        "planner": ["/admin/", "/admin/plans/plan/add/", "/admin/plans/dutypost/add/"],
    }


def test_the_chinese_interface_leaks_no_codes_english_or_utc(world):
    found = []
    with translation.override("zh-hans"):
        for who, urls in _pages(world).items():
            client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
            assert client.login(username=world["users"][who].username, password=PASSWORD)
            for url in urls:
                response = client.get(url)
                assert response.status_code == 200, (who, url, response.status_code)
                found += [f"{who} {url} {leak}" for leak in leaks_in(response.content.decode())]
    assert found == [], "\n" + "\n".join(found)


def test_the_scanner_finds_what_leaked_before():
    """The scan itself: each leak of issue 22.10 as it looked, found; its fix, passed."""
    leaked = [
        '<ol><li data-action="reported">2026-12-06 10:00 · <strong>reported</strong> · 张三</li></ol>',
        '<span class="muted">risk_source.changed</span>',
        '<label>Inspection <select name="inspection"></select></label>',
        '<p>级别 yellow · 2026-12-06T02:00:00Z</p>',
        '<td>call, dispatch, logged</td>',
        '<p>危险化学品泄漏 / Hazardous chemical leak</p>',
        '<p>化工园区 Nangang Chlor-Alkali Chemical Co.</p>',
        '<button title="Choose all">全选</button>',
        '<div id="x" data-escalated="Escalated: not acknowledged in time"></div>',
    ]
    for snippet in leaked:
        assert leaks_in(snippet), snippet
    fixed = '<ol><li data-action="reported">12-06 10:00 · <strong>已上报</strong> · 张三</li></ol><p>危险化学品泄漏 · 黄色 · 12-06 10:00</p>'
    assert leaks_in(fixed) == []


def test_the_admins_filter_widget_speaks_chinese(make_user, settings):
    """Django 5.2's zh_Hans script catalogue lacks the filter widget's "Choose all %s" / "Remove all
    %s" (plan scopes, a point's responsible persons): ours adds them (locale/…/djangojs.po)."""
    import json

    settings.LANGUAGE_CODE = "zh-hans"
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert client.login(username=make_user("planner_js", roles.PLANNER, staff=True).username, password=PASSWORD)
    script = client.get("/admin/jsi18n/").content.decode()
    catalog = json.loads(re.search(r"const newcatalog = (\{.*?\});", script, re.S).group(1))
    assert catalog["Choose all %s"] == "全选%s" and catalog["Remove all %s"] == "全部移除%s"
    assert catalog["Choose all"] == "全选"  # Django's own entries are still there
