"""Services of the safety ledger on real PostGIS: hidden danger lifecycle, permits, commitments,
colour, and that an officer never reaches another enterprise's records."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from core.errors import DomainError
from core.models import Event
from safety import services
from safety.models import ColourChange, EnterpriseColour, HiddenDanger

from .conftest import approve, image_bytes, later

pytestmark = pytest.mark.django_db


def _report(park, **kwargs):
    values = {"actor": park["officer1"], "enterprise_id": park["e1"].pk, "title": "Valve leaking",
              "deadline": later(days=3), **kwargs}
    return services.hidden_danger_report(**values)


FIVE = {"measures": "replace the valve", "responsible": "Wang", "funds_cny": 5000, "contingency": "isolate the line"}


def test_full_lifecycle_with_timeline_and_events(park):
    hd = _report(park, criteria=["121-07"], level="general")
    assert hd.level == "major" and hd.state == "reported"  # a criterion forces major
    reported = Event.objects.get(type="hidden_danger.reported")
    assert sorted(reported.audiences) == sorted(["safety", f"enterprise:{park['e1'].pk}"])
    services.hidden_danger_plan(actor=park["officer1"], hidden_danger_id=hd.pk, deadline=later(days=5), **FIVE)
    services.hidden_danger_rectified(actor=park["officer1"], hidden_danger_id=hd.pk, note="done")
    services.hidden_danger_verify(actor=park["supervisor"], hidden_danger_id=hd.pk, accepted=False, note="still drips")
    hd.refresh_from_db()
    assert hd.state == "rectifying"
    services.hidden_danger_rectified(actor=park["officer1"], hidden_danger_id=hd.pk, note="now tight")
    hd = services.hidden_danger_verify(actor=park["supervisor"], hidden_danger_id=hd.pk, accepted=True, note="ok")
    assert hd.state == "closed" and hd.closed_at is not None
    steps = list(hd.steps.values_list("action", "actor__username"))
    assert steps == [("reported", "off1_t"), ("plan", "off1_t"), ("rectified", "off1_t"), ("rejected", "sup_t"),
                     ("rectified", "off1_t"), ("verified", "sup_t")]


def test_major_needs_five_in_place_and_nothing_half_written(park):
    hd = _report(park, level="major")
    with pytest.raises(DomainError) as err:
        services.hidden_danger_plan(actor=park["officer1"], hidden_danger_id=hd.pk, measures="fix it")
    assert err.value.status == 400 and set(err.value.data["missing"]) == {"responsible", "funds_cny", "deadline",
                                                                         "contingency"}
    hd.refresh_from_db()
    assert hd.state == "reported" and hd.measures == "" and hd.steps.count() == 1


def test_wrong_step_is_409(park):
    hd = _report(park)
    with pytest.raises(DomainError) as err:
        services.hidden_danger_rectified(actor=park["officer1"], hidden_danger_id=hd.pk)
    assert err.value.status == 409
    with pytest.raises(DomainError) as err:
        services.hidden_danger_verify(actor=park["supervisor"], hidden_danger_id=hd.pk, accepted=True)
    assert err.value.status == 409


def test_who_rectified_cannot_verify_and_officers_never_verify_a_major_one(park):
    # Issue 25.9: a general one is the enterprise's to accept (test_hidden_danger_place); a major
    # one only the park's.
    hd = _report(park, actor=park["supervisor"], criteria=["121-06"])
    services.hidden_danger_plan(actor=park["supervisor"], hidden_danger_id=hd.pk, **FIVE, deadline=hd.deadline)
    services.hidden_danger_rectified(actor=park["supervisor"], hidden_danger_id=hd.pk)
    with pytest.raises(DomainError) as err:
        services.hidden_danger_verify(actor=park["supervisor"], hidden_danger_id=hd.pk, accepted=True)
    assert err.value.status == 403 and "someone else" in err.value.message
    with pytest.raises(DomainError) as err:
        services.hidden_danger_verify(actor=park["officer1"], hidden_danger_id=hd.pk, accepted=True)
    assert err.value.status == 403 and "park" in err.value.message
    services.hidden_danger_verify(actor=park["supervisor2"], hidden_danger_id=hd.pk, accepted=True)


def test_another_enterprise_is_404_for_every_write(park):
    hd = _report(park)
    officer2 = park["officer2"]
    for call in (
        lambda: services.hidden_danger_plan(actor=officer2, hidden_danger_id=hd.pk, measures="m"),
        lambda: services.hidden_danger_rectified(actor=officer2, hidden_danger_id=hd.pk),
        lambda: services.hidden_danger_verify(actor=officer2, hidden_danger_id=hd.pk, accepted=True),
        lambda: services.hidden_danger_report(actor=officer2, enterprise_id=park["e1"].pk, title="x",
                                              deadline=later(days=1)),
        lambda: services.commitment_file(actor=officer2, enterprise_id=park["e1"].pk, units_running=1,
                                         units_stopped=0, risk_level="blue"),
    ):
        with pytest.raises(DomainError) as err:
            call()
        assert err.value.status == 404


def test_bad_input_is_refused(park):
    with pytest.raises(DomainError, match="Unknown major hidden danger criteria"):
        _report(park, criteria=["121-99"])
    with pytest.raises(DomainError, match="future"):
        _report(park, deadline=timezone.now() - dt.timedelta(hours=1))
    assert not HiddenDanger.objects.exists()


def test_overdue_flag_once_with_supervision_entry_and_console_for_major(park):
    hd = _report(park, level="major", deadline=timezone.now() - dt.timedelta(minutes=1), allow_past_deadline=True)
    assert services.hidden_danger_flag_overdue(hidden_danger_id=hd.pk) is True
    assert services.hidden_danger_flag_overdue(hidden_danger_id=hd.pk) is False  # once per deadline
    event = Event.objects.get(type="hidden_danger.overdue")
    assert "console" in event.audiences and event.payload["overdue"] is True
    assert hd.steps.filter(action="overdue", note__startswith="督办").count() == 1


def test_report_defers_the_overdue_job_in_its_transaction(park):
    before = ProcrastinateJob.objects.filter(task_name="safety.flag_overdue_hidden_danger").count()
    hd = _report(park)
    jobs = ProcrastinateJob.objects.filter(task_name="safety.flag_overdue_hidden_danger")
    assert jobs.count() == before + 1
    assert jobs.order_by("-id").first().args == {"hidden_danger_id": hd.pk}


def test_photo_checks(park, private_files):
    hd = _report(park)
    photo = services.hidden_danger_photo_add(actor=park["officer1"], hidden_danger_id=hd.pk,
                                             upload=SimpleUploadedFile("a.png", image_bytes(), "image/png"))
    assert photo.content_type == "image/png" and photo.width == 40
    from django.conf import settings

    assert not photo.file.path.startswith(str(settings.MEDIA_ROOT))
    assert photo.file.path.startswith(str(private_files))
    with pytest.raises(ValueError):
        photo.file.url  # noqa: B018 - private files have no URL
    fake = SimpleUploadedFile("evil.jpg", b"<script>alert(1)</script>", "image/jpeg")
    with pytest.raises(DomainError, match="not a JPEG, PNG or WebP"):
        services.hidden_danger_photo_add(actor=park["officer1"], hidden_danger_id=hd.pk, upload=fake)
    truncated = SimpleUploadedFile("cut.jpg", image_bytes("JPEG", (200, 200))[:300], "image/jpeg")
    with pytest.raises(DomainError, match="not a JPEG, PNG or WebP"):
        services.hidden_danger_photo_add(actor=park["officer1"], hidden_danger_id=hd.pk, upload=truncated)
    gif = SimpleUploadedFile("a.gif", image_bytes("GIF"), "image/gif")
    with pytest.raises(DomainError, match="not a JPEG, PNG or WebP"):
        services.hidden_danger_photo_add(actor=park["officer1"], hidden_danger_id=hd.pk, upload=gif)
    assert hd.photos.count() == 1


def test_import_is_idempotent_on_external_id(park):
    rows = [{"external_id": "X-1", "title": "Ladder broken", "deadline": later(days=2)},
            {"external_id": "X-2", "title": "No gas detector", "criteria": ["121-12"],
             "deadline": timezone.now() - dt.timedelta(days=1)}]
    first = services.hidden_dangers_import(actor=park["officer1"], enterprise_id=park["e1"].pk, rows=rows)
    again = services.hidden_dangers_import(actor=park["officer1"], enterprise_id=park["e1"].pk, rows=rows)
    assert first == {"created": 2, "unchanged": 0, "overdue": 1, "major": 1}
    assert again == {"created": 0, "unchanged": 2, "overdue": 0, "major": 0}
    assert HiddenDanger.objects.get(external_id="X-2").level == "major"
    with pytest.raises(DomainError, match="Row 2"):
        services.hidden_dangers_import(actor=park["officer1"], enterprise_id=park["e1"].pk,
                                       rows=[{"external_id": "X-3", "title": "ok", "deadline": later(days=1)},
                                             {"external_id": "X-4", "title": "", "deadline": later(days=1)}])
    assert not HiddenDanger.objects.filter(external_id="X-3").exists()  # all or nothing


def test_permit_refusals_name_the_rule(park):
    now = timezone.now()
    base = {"actor": park["officer1"], "enterprise_id": park["e1"].pk, "place": "T-101"}
    cases = [
        ({"kind": "hot_work", "grade": "first", "valid_from": now, "valid_to": now + dt.timedelta(hours=9)},
         "GB 30871-2022 5.1"),
        ({"kind": "hot_work", "valid_from": now, "valid_to": now + dt.timedelta(hours=2)}, "GB 30871-2022 5.1.1"),
        ({"kind": "confined_space", "valid_from": now, "valid_to": now + dt.timedelta(hours=25)}, "GB 30871-2022 6"),
        ({"kind": "hot_work", "grade": "second", "valid_from": now, "valid_to": now - dt.timedelta(hours=1)},
         "valid_to > valid_from"),
        ({"kind": "hot_work", "grade": "second", "valid_from": now, "valid_to": now + dt.timedelta(hours=4),
          "gas_tests": [{"at": now - dt.timedelta(minutes=5), "combustible_percent": 0.3, "lel_percent": 2}]},
         "GB 30871-2022 5.3.2"),
        ({"kind": "confined_space", "valid_from": now, "valid_to": now + dt.timedelta(hours=4),
          "gas_tests": [{"at": now - dt.timedelta(minutes=5), "combustible_percent": 0, "lel_percent": 5,
                         "o2_percent": 18}]}, "GB 30871-2022 6.4 a)"),
        ({"kind": "confined_space", "valid_from": now, "valid_to": now + dt.timedelta(hours=4),
          "gas_tests": [{"at": now + dt.timedelta(hours=1), "combustible_percent": 0, "lel_percent": 5,
                         "o2_percent": 20.5}]}, "gas_test.at <= now"),
    ]
    for kwargs, rule in cases:
        with pytest.raises(DomainError) as err:
            services.work_permit_submit(**base, **kwargs)
        assert err.value.status == 400 and err.value.data["rule"] == rule, (kwargs, err.value.data)
        if rule.startswith("GB"):
            assert err.value.message.startswith(rule)
    assert not park["e1"].work_permits.exists()


def test_permit_start_gas_test_suspends_and_resume(park):
    now = timezone.now()
    permit = services.work_permit_submit(actor=park["officer1"], enterprise_id=park["e1"].pk, kind="confined_space",
                                         place="T-101 inside", valid_from=now - dt.timedelta(minutes=1),
                                         valid_to=now + dt.timedelta(hours=4))
    approve(park["officer1"], permit, level="unit_head")
    with pytest.raises(DomainError) as err:
        services.work_permit_start(actor=park["officer1"], permit_id=permit.pk)
    assert err.value.data["rule"] == "GB 30871-2022 6.3"
    services.gas_test_record(actor=park["officer1"], permit_id=permit.pk, test={
        "at": now - dt.timedelta(minutes=2), "combustible_percent": 0, "lel_percent": 5, "o2_percent": 20.6})
    permit = services.work_permit_start(actor=park["officer1"], permit_id=permit.pk)
    assert permit.state == "in_progress"
    _test, breaches = services.gas_test_record(actor=park["officer1"], permit_id=permit.pk, test={
        "at": timezone.now(), "combustible_percent": 0, "lel_percent": 5, "o2_percent": 19.0})
    permit.refresh_from_db()
    assert permit.state == "suspended" and breaches[0].rule == "GB 30871-2022 6.4 a)"
    assert Event.objects.filter(type="work_permit.updated", payload__change="suspended",
                                payload__rule="GB 30871-2022 6.4 a)").exists()
    with pytest.raises(DomainError):
        services.work_permit_resume(actor=park["officer1"], permit_id=permit.pk)  # last test failed
    services.gas_test_record(actor=park["officer1"], permit_id=permit.pk, test={
        "at": timezone.now(), "combustible_percent": 0, "lel_percent": 5, "o2_percent": 20.8})
    assert services.work_permit_resume(actor=park["officer1"], permit_id=permit.pk).state == "in_progress"
    assert services.work_permit_close(actor=park["officer1"], permit_id=permit.pk).state == "closed"
    with pytest.raises(DomainError) as err:
        services.work_permit_close(actor=park["officer1"], permit_id=permit.pk)
    assert err.value.status == 409


def test_colour_follows_inputs_with_history(park, settings):
    settings.SAFETY_COMMITMENT_DUE_HOUR = 24  # never due in this test
    colour = services.enterprise_colour_recompute(enterprise_id=park["e1"].pk)
    assert colour.colour == "orange" and colour.factors[0]["code"] == "grade"  # grade 1 source
    hd = _report(park, criteria=["121-01"])
    assert EnterpriseColour.objects.get(enterprise=park["e1"]).colour == "red"
    assert Event.objects.filter(type="enterprise.colour_changed", payload__colour="red").exists()
    services.hidden_danger_plan(actor=park["officer1"], hidden_danger_id=hd.pk, deadline=later(days=5), **FIVE)
    services.hidden_danger_rectified(actor=park["officer1"], hidden_danger_id=hd.pk)
    services.hidden_danger_verify(actor=park["supervisor"], hidden_danger_id=hd.pk, accepted=True)
    assert EnterpriseColour.objects.get(enterprise=park["e1"]).colour == "orange"
    assert list(ColourChange.objects.filter(enterprise=park["e1"]).order_by("id").values_list("colour", flat=True)) == [
        "orange", "red", "orange"]


def test_missing_commitment_after_the_due_hour(park, settings):
    settings.SAFETY_COMMITMENT_DUE_HOUR = 0  # due from midnight: missing now
    flagged = services.commitments_flag_missing()
    assert set(flagged) == {park["e1"].pk, park["e2"].pk}
    e2 = EnterpriseColour.objects.get(enterprise=park["e2"])
    assert e2.colour == "yellow" and any(f["code"] == "commitment" for f in e2.factors)  # blue raised one step
    services.commitment_file(actor=park["officer2"], enterprise_id=park["e2"].pk, units_running=2, units_stopped=0,
                             risk_level="blue")
    assert EnterpriseColour.objects.get(enterprise=park["e2"]).colour == "blue"
    assert services.commitments_flag_missing() == [park["e1"].pk]
    assert Event.objects.filter(type="commitment.updated", payload__change="missing").count() == 2  # once a day


def test_inspection_draw_weighted_and_replayable(park):
    services.enterprise_colours_recompute_all()
    draw = services.inspection_draw(actor=park["supervisor"], count=1)
    assert draw.enterprises.count() == 1 and len(draw.seed) == 16
    from hazards.models import Enterprise

    candidates = list(Enterprise.objects.filter(in_chemical_park=True).select_related("safety_colour").order_by("pk"))
    assert services.weighted_draw(candidates, 1, draw.seed) == list(draw.enterprises.all())
    with pytest.raises(DomainError) as err:
        services.inspection_draw(actor=park["officer1"], count=1)
    assert err.value.status == 403


def test_permits_in_force_near_an_incident(park, dispatcher):
    from django.contrib.gis.geos import Point
    from django.test import RequestFactory

    from safety.panels import incident_card

    now = timezone.now()
    near = services.work_permit_submit(actor=park["officer1"], enterprise_id=park["e1"].pk, kind="height",
                                       height_m=3, place="near rack", location=Point(113.660, 22.650, srid=4326),
                                       valid_from=now - dt.timedelta(minutes=5), valid_to=now + dt.timedelta(hours=2))
    # ≈ 925 m east: outside the incident card's 500 m, still on E1's site (within 1 km).
    far = services.work_permit_submit(actor=park["officer1"], enterprise_id=park["e1"].pk, kind="height", height_m=3,
                                      place="far rack", location=Point(113.669, 22.650, srid=4326),
                                      valid_from=now - dt.timedelta(minutes=5), valid_to=now + dt.timedelta(hours=2))
    for permit in (near, far):
        approve(park["officer1"], permit.pk)
        services.work_permit_start(actor=park["officer1"], permit_id=permit.pk)
    incident = type("Incident", (), {"location": Point(113.6602, 22.6502, srid=4326)})()
    request = RequestFactory().get("/")
    request.user = dispatcher
    html = incident_card(request, incident)
    assert "near rack" in html and "far rack" not in html
    request.user = park["officer1"]
    assert incident_card(request, incident) == ""  # the incident page is the console's


def test_inspection_findings_link_to_their_draw(park):
    services.enterprise_colours_recompute_all()
    draw = services.inspection_draw(actor=park["supervisor"], count=2)
    hd = services.hidden_danger_report(actor=park["supervisor"], enterprise_id=park["e1"].pk, title="Found on site",
                                       deadline=later(days=2), inspection=draw.pk)
    assert hd.inspection == draw and "inspection draw" in hd.steps.get().note
    with pytest.raises(DomainError) as err:
        services.hidden_danger_report(actor=park["officer1"], enterprise_id=park["e1"].pk, title="x",
                                      deadline=later(days=2), inspection=draw.pk)
    assert err.value.status == 403
    one = services.inspection_draw(actor=park["supervisor"], count=1)
    other = park["e2"] if one.enterprises.get() == park["e1"] else park["e1"]
    with pytest.raises(DomainError, match="was not drawn"):
        services.hidden_danger_report(actor=park["supervisor"], enterprise_id=other.pk, title="x",
                                      deadline=later(days=2), inspection=one.pk)


def test_a_confined_space_retest_overdue_counts_against_the_colour(park, settings):
    settings.SAFETY_COMMITMENT_DUE_HOUR = 24
    from safety import selectors
    from safety.models import GasTest

    now = timezone.now()
    permit = services.work_permit_submit(
        actor=park["officer2"], enterprise_id=park["e2"].pk, kind="confined_space", place="tank",
        valid_from=now - dt.timedelta(minutes=10), valid_to=now + dt.timedelta(hours=8),
        gas_tests=[{"at": now - dt.timedelta(minutes=5), "combustible_percent": 0, "lel_percent": 5,
                    "o2_percent": 20.5}])
    approve(park["officer2"], permit.pk)
    services.work_permit_start(actor=park["officer2"], permit_id=permit.pk)
    assert not selectors.permits_retest_overdue().exists()
    GasTest.objects.filter(permit=permit).update(at=now - dt.timedelta(hours=2, minutes=1))  # the clock moved on
    assert list(selectors.permits_retest_overdue()) == [permit]
    colour = services.enterprise_colour_recompute(enterprise_id=park["e2"].pk)
    assert colour.colour == "yellow" and any(f["code"] == "overdue" for f in colour.factors)


def test_colour_factors_are_written_in_the_parks_language(park, settings):
    """Whoever's action (or job) recolours an enterprise, its reasons are stored in the park's
    language: the same colour never flaps between languages or adds history for nothing."""
    from django.utils import translation

    from safety import rules, selectors
    from safety.models import ColourChange

    settings.LANGUAGE_CODE = "zh-hans"  # the product's (tests run in English)
    e1 = park["e1"].pk
    services.enterprise_colour_recompute(enterprise_id=e1)
    history = ColourChange.objects.filter(enterprise_id=e1).count()
    with translation.override("en"):
        first = services.enterprise_colour_recompute(enterprise_id=e1, reason="english user").factors
    with translation.override("zh-hans"):
        second = services.enterprise_colour_recompute(enterprise_id=e1, reason="chinese user").factors
        expected = rules.enterprise_colour(selectors.colour_inputs(e1))[1]
    assert first == second == expected
    assert "重大危险源" in first[0]["text"]
    assert ColourChange.objects.filter(enterprise_id=e1).count() == history
