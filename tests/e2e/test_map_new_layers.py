"""The console map's park monitoring and safety ledger overlays: drawn in Chromium with their
colours, popups as text, refreshed from the stream; and offered only to roles whose request for
the layer would be answered (never an overlay that 403s)."""

import dataclasses

import pytest
from django.utils import timezone

from core import layers as core_layers
from core import roles
from core.api import role_permission
from tests.e2e.test_map import layer_count, offline_server, on_map, open_map  # noqa: F401 (fixture)

NEW_LAYERS = ["monitoring-points", "work-permits", "risk-points", "enterprise-colours"]
RED, ORANGE, GREY = "#d7191c", "#f07c00", "#8c8c8c"


def drawn(page, name):
    """[{id, state/colour, fill colour}] of the features drawn for layer `name`."""
    return page.evaluate("""(n) => window.commandMapLayers[n].getLayers().map((l) => ({
        id: l.feature.id, state: l.feature.properties.state || null, colour: l.feature.properties.colour || null,
        fill: l.options.fillColor || l.options.color}))""", name)


def wait_until(predicate, what, timeout=20.0):
    """Poll from Python (the page's CSP forbids the eval that page.wait_for_function needs)."""
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


@pytest.mark.e2e
def test_commander_toggles_monitoring_and_safety_overlays(offline_server, browser, commander):  # noqa: F811
    from command import demo
    from monitoring.models import MonitoringPoint
    from monitoring.parsing import RawReading
    from monitoring.store import readings_store
    from safety.models import EnterpriseColour, RiskPoint, WorkPermit

    demo.load()
    points = list(MonitoringPoint.objects.exclude(limit_hh=None).order_by("code"))
    assert len(points) >= 3
    alarmed, offline, live = points[0], points[1], points[2]
    # A demo-like point in a high-high alarm, whose name a hostile user typed; another offline.
    MonitoringPoint.objects.filter(pk=alarmed.pk).update(state="hh", name='<img src=x id="xss-point">储罐液位')
    MonitoringPoint.objects.filter(pk=offline.pk).update(state="offline")
    in_force = WorkPermit.objects.filter(state="in_progress", valid_from__lte=timezone.now(),
                                         valid_to__gte=timezone.now())
    assert in_force.count() == 1  # the demo's confined-space entry; its hot work starts later
    permit = in_force.get()

    context, page, outside = open_map(browser, offline_server, "commander_t")
    for name in NEW_LAYERS:
        # Offered, off at first, with a legend.
        assert page.locator(f"[data-layer='{name}']").count() == 1
        assert not page.is_checked(f"[data-layer='{name}']")
        assert page.locator(f"[data-layer-item='{name}'] .legend li").count() >= 1
        assert not on_map(page, name)

    # Monitoring points: the alarm red, the offline grey, the rest green.
    page.check("[data-layer='monitoring-points']")
    page.wait_for_selector("#map[data-loaded_monitoring_points]")
    features = {f["id"]: f for f in drawn(page, "monitoring-points")}
    assert len(features) == MonitoringPoint.objects.count() and on_map(page, "monitoring-points")
    assert features[alarmed.pk]["state"] == "hh" and features[alarmed.pk]["fill"] == RED
    assert features[offline.pk]["state"] == "offline" and features[offline.pk]["fill"] == GREY
    assert features[live.pk]["state"] == "normal" and features[live.pk]["fill"] not in (RED, ORANGE, GREY)
    # Its popup shows the typed name as text: no element is made from it.
    page.evaluate("(id) => { window.commandMapLayers['monitoring-points'].getLayers()"
                  ".find((l) => l.feature.id === id).openPopup(); }", alarmed.pk)
    title = page.locator(".leaflet-popup-content .map-popup strong").inner_text()
    assert '<img src=x id="xss-point">' in title
    assert page.locator("#xss-point").count() == 0
    assert page.locator(".leaflet-popup-content .map-popup a").get_attribute("href") == f"/monitoring/points/{alarmed.pk}/"

    # The permit in force, the risk points and the enterprises by colour.
    page.check("[data-layer='work-permits']")
    page.wait_for_selector("#map[data-loaded_work_permits]")
    assert [f["id"] for f in drawn(page, "work-permits")] == [permit.pk] and on_map(page, "work-permits")
    page.evaluate("() => { window.commandMapLayers['work-permits'].getLayers()[0].openPopup(); }")
    assert permit.place in page.locator(".leaflet-popup-content .map-popup").last.inner_text()

    page.check("[data-layer='risk-points']")
    page.wait_for_selector("#map[data-loaded_risk_points]")
    palette = {"red": RED, "orange": ORANGE, "yellow": "#f5c400", "blue": "#2b83ba"}
    risk_points = drawn(page, "risk-points")
    assert len(risk_points) == RiskPoint.objects.filter(location__isnull=False).count() > 0
    assert all(f["fill"] == palette[f["colour"]] for f in risk_points)

    page.check("[data-layer='enterprise-colours']")
    page.wait_for_selector("#map[data-loaded_enterprise_colours]")
    enterprises = drawn(page, "enterprise-colours")
    assert enterprises and on_map(page, "enterprise-colours")
    coloured = dict(EnterpriseColour.objects.values_list("enterprise_id", "colour"))
    for f in enterprises:
        assert f["colour"] == coloured.get(f["id"])
        assert f["fill"] == palette.get(f["colour"], GREY)

    # Off again.
    page.uncheck("[data-layer='risk-points']")
    assert not on_map(page, "risk-points")

    # Live: a reading over the HH limit raises an alarm (alarm.raised on the stream) and the
    # point turns red on the open map without a reload.
    MonitoringPoint.objects.filter(pk=live.pk).update(delay_s=0)
    now = timezone.now()
    # Above HH yet inside the instrument's range (beyond it would be a fault).
    top = live.range_max if live.range_max is not None and live.range_max > live.limit_hh else live.limit_hh * 2 + 2
    readings_store(readings=[RawReading(point=live.code, ts=now, value=(live.limit_hh + top) / 2, good=True)])
    assert MonitoringPoint.objects.get(pk=live.pk).state == "hh"
    wait_until(lambda: {f["id"]: f for f in drawn(page, "monitoring-points")}[live.pk]["fill"] == RED,
               "the alarmed point never turned red on the map")
    assert layer_count(page, "monitoring-points") == MonitoringPoint.objects.count()
    assert outside == []
    context.close()


def _offered(client):
    html = client.get("/map/").content.decode()
    return {name for name in NEW_LAYERS if f'data-layer="{name}"' in html}


@pytest.mark.parametrize("role", sorted(roles.CONSOLE_ROLES))
def test_every_offered_layer_answers(db, make_user, client, role):
    """Whatever the console role, each overlay the page offers is one its layer endpoint serves."""
    client.force_login(make_user("someone", role))
    html = client.get("/map/").content.decode()
    import re

    offered = re.findall(r'data-layer="([a-z-]+)"', html)
    assert set(NEW_LAYERS) <= set(offered)
    for name in offered:
        assert client.get(f"/api/v1/layers/{name}/").status_code == 200, name


def test_a_role_without_access_gets_no_such_overlay(db, make_user, client, monkeypatch):
    """Narrow who may read the monitoring layer (registry) and the permits layer (safety's own view)
    to commanders: a viewer's map then offers neither, and both endpoints refuse the viewer."""
    from safety import layers as safety_layers

    layer = core_layers.get("monitoring-points")
    monkeypatch.setitem(core_layers._LAYERS, "monitoring-points",
                        dataclasses.replace(layer, roles=frozenset({roles.COMMANDER})))
    monkeypatch.setattr(safety_layers.work_permits_layer.cls, "permission_classes",
                        [role_permission(roles.COMMANDER)])

    client.force_login(make_user("viewer_x", roles.VIEWER))
    assert _offered(client) == {"risk-points", "enterprise-colours"}
    assert client.get("/api/v1/layers/monitoring-points/").status_code == 403
    assert client.get("/api/v1/layers/work-permits/").status_code == 403
    assert client.get("/api/v1/layers/risk-points/").status_code == 200

    client.force_login(make_user("commander_x", roles.COMMANDER))
    assert _offered(client) == set(NEW_LAYERS)
    assert client.get("/api/v1/layers/monitoring-points/").status_code == 200
    assert client.get("/api/v1/layers/work-permits/").status_code == 200


@pytest.mark.parametrize("role", [roles.SAFETY_SUPERVISOR, roles.ENTERPRISE_OFFICER, roles.RESPONDER])
def test_roles_outside_the_console_get_no_overlay(db, make_user, client, role):
    """A park supervisor may read the safety layers, but on the safety map, not the console's."""
    client.force_login(make_user("someone", role))
    response = client.get("/map/")
    assert response.status_code == 403
    assert not any(f'data-layer="{name}"' in response.content.decode() for name in NEW_LAYERS)
