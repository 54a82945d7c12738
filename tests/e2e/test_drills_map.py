"""Exercise mode on the console map, in Chromium (issue 14 point 1): an exercise incident, a
release modelled with the form's exercise box, and a drill's exercise alarm each say
演练 / EXERCISE in their map popup; their real counterparts do not."""

import pytest

from tests.e2e.test_map import layer_count, offline_server, open_map, wait_for_count  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e
LABEL = "演练 / EXERCISE"
TANK = (113.6612, 22.6528)


def popup_text(page, layer, predicate_js):
    """Open the popup of the first feature of `layer` whose properties satisfy the predicate
    (a JS arrow over the properties) and return its text ('' when none matches)."""
    found = page.evaluate("""([layer, pred]) => {
        const test = { exercise: (p) => p.exercise === true, real: (p) => p.exercise === false,
                       exerciseAlarm: (p) => !!p.exercise_alarm, noAlarm: (p) => !p.exercise_alarm }[pred];
        const hit = window.commandMapLayers[layer].getLayers().find((l) => test(l.feature.properties));
        if (!hit) return false;
        hit.openPopup();
        return true;
    }""", [layer, predicate_js])
    if not found:
        return ""
    return page.locator(".leaflet-popup-content").last.inner_text()


def test_exercise_incident_release_and_alarm_are_labelled_on_the_map(offline_server, browser, commander):  # noqa: F811
    from command import demo
    from incidents import services as incident_services
    from monitoring.exercise import alarm_raise_exercise
    from monitoring.models import MonitoringPoint

    demo.load()
    drill = incident_services.incident_log(actor=commander, type_code="hazmat-leak", severity="III", lon=TANK[0],
                                           lat=TANK[1], title="演练：液氯储罐泄漏", exercise=True)
    incident_services.incident_log(actor=commander, type_code="hazmat-leak", severity="IV", lon=TANK[0] + 0.01,
                                   lat=TANK[1], title="真实警情：异味", exercise=False)
    point = MonitoringPoint.objects.filter(kind="toxic_gas").order_by("code").first()
    alarm = alarm_raise_exercise(actor=commander, point_code=point.code, level="hh")

    context, page, outside = open_map(browser, offline_server, "commander_t")

    # The exercise incident's popup says so; a real incident's does not.
    page.wait_for_selector("#map[data-loaded_incidents]")
    exercise_popup = popup_text(page, "incidents", "exercise")
    assert LABEL in exercise_popup and drill.number in exercise_popup
    real_popup = popup_text(page, "incidents", "real")
    assert real_popup and LABEL not in real_popup

    # The release form: choosing the exercise incident ticks the exercise box.
    box = page.locator("#release-form input[name=exercise]")
    assert not box.is_checked()
    page.select_option("select[name=incident]", str(drill.pk))
    assert box.is_checked()
    page.select_option("select[name=risk_source]", label="RS01 液氯储罐区")
    page.fill("input[name=rate_kg_s]", "5")
    page.click("#release-form button[type=submit]")
    page.wait_for_selector(".release-result [data-zone-level='AEGL-1']")
    assert LABEL in page.locator(".release-result .exercise-banner").inner_text()
    wait_for_count(page, "threat-zones", 3)
    zone_popup = popup_text(page, "threat-zones", "exercise")
    assert LABEL in zone_popup

    # The drill's alarm: the monitoring point's popup carries the label and the level, while
    # the point keeps its real state (normal) on the map.
    page.check("[data-layer='monitoring-points']")
    page.wait_for_selector("#map[data-loaded_monitoring_points]")
    assert layer_count(page, "monitoring-points") > 1
    alarm_popup = popup_text(page, "monitoring-points", "exerciseAlarm")
    assert LABEL in alarm_popup and "HH" in alarm_popup and point.code in alarm_popup
    quiet_popup = popup_text(page, "monitoring-points", "noAlarm")
    assert quiet_popup and LABEL not in quiet_popup
    state = page.evaluate("""(code) => window.commandMapLayers['monitoring-points'].getLayers()
        .find((l) => l.feature.properties.code === code).feature.properties.state""", point.code)
    assert state == "normal"

    # The console's alarm bar (on every console page) says so too, and acknowledges it as any alarm.
    bar = page.locator(f"#alarm-bar li[data-alarm='{alarm.pk}']")
    assert bar.locator(".exercise-badge").inner_text().strip() == LABEL
    bar.locator("input[name=note]").fill("演练收到")
    bar.locator("button[data-action=acknowledge]").click()
    page.wait_for_selector(f"#alarm-bar li[data-alarm='{alarm.pk}'][data-state='acknowledged']")
    alarm.refresh_from_db()
    assert alarm.state == "acknowledged" and alarm.acknowledge_note == "演练收到"

    # The release stored as an exercise (the form sent the box).
    from hazards.models import Release

    assert Release.objects.get().exercise is True
    assert outside == []
    context.close()


def test_the_exercise_box_alone_marks_a_release_without_an_incident(offline_server, browser, commander):  # noqa: F811
    from command import demo
    from hazards.models import Release

    demo.load()
    context, page, outside = open_map(browser, offline_server, "commander_t")
    page.select_option("select[name=risk_source]", label="RS01 液氯储罐区")
    page.check("#release-form input[name=exercise]")
    page.click("#release-form button[type=submit]")
    page.wait_for_selector(".release-result [data-zone-level='AEGL-1']")
    assert LABEL in page.locator(".release-result").inner_text()
    wait_for_count(page, "threat-zones", 3)
    assert LABEL in popup_text(page, "threat-zones", "exercise")
    assert Release.objects.get().exercise is True
    assert outside == []
    context.close()
