from django.contrib.gis.geos import Point

from hazards.models import Enterprise
from plans.models import Plan
from plans.selectors import plans_matching
from tests.plans.conftest import make_incident, make_plan


def _codes(incident):
    return [m.plan.code for m in plans_matching(incident)]


def test_plans_match_by_type_area_and_site(hazmat_type, fire_type, area, duty_officer):
    make_plan(code="OVERALL", kind=Plan.Kind.OVERALL)
    make_plan(code="HAZMAT", types=[hazmat_type])
    make_plan(code="FIRE", types=[fire_type])
    make_plan(code="IN-AREA", types=[hazmat_type], areas=[area], kind=Plan.Kind.DEPARTMENT)
    onsite = make_plan(code="SITE", kind=Plan.Kind.ONSITE)
    onsite.enterprises.add(Enterprise.objects.create(code="E1", name="化工厂", location=Point(113.60, 22.70, srid=4326)))
    make_plan(code="DRAFT", types=[hazmat_type], status=Plan.Status.DRAFT)
    make_plan(code="OLD", types=[hazmat_type], status=Plan.Status.RETIRED)

    near = make_incident(duty_officer, hazmat_type, lon=113.603, lat=22.701)  # ~330 m from the site, in the area
    # Most specific kind first: on-site, special, department, overall.
    assert _codes(near) == ["SITE", "HAZMAT", "IN-AREA", "OVERALL"]

    far = make_incident(duty_officer, hazmat_type, lon=113.9, lat=22.9)  # outside the area and far from the site
    assert _codes(far) == ["HAZMAT", "OVERALL"]

    fire = make_incident(duty_officer, fire_type, lon=113.9, lat=22.9)
    assert _codes(fire) == ["FIRE", "OVERALL"]


def test_incident_figures_trigger_the_highest_level_reached(plan, hazmat_type, duty_officer):
    quiet = make_incident(duty_officer, hazmat_type)
    [match] = plans_matching(quiet)
    assert match.level.level == "IV" and match.triggered_by == []  # no threshold: the entry level

    injured = make_incident(duty_officer, hazmat_type, injuries=10)  # boundary is included (以上)
    assert plans_matching(injured)[0].level.level == "III"
    assert plans_matching(make_incident(duty_officer, hazmat_type, injuries=9))[0].level.level == "IV"

    evacuated = make_incident(duty_officer, hazmat_type, injuries=12, evacuated=1500)
    [match] = plans_matching(evacuated)
    assert match.level.level == "II" and match.triggered_by == ["evacuated"]

    # The plan has no level Ⅰ: ten deaths trigger the highest level it has.
    assert plans_matching(make_incident(duty_officer, hazmat_type, deaths=12))[0].level.level == "II"


def test_a_plan_for_a_risk_source_matches_incidents_near_it(hazmat_type, duty_officer):
    from hazards.models import RiskSource

    enterprise = Enterprise.objects.create(code="E9", name="储运公司", location=Point(113.65, 22.64, srid=4326))
    tank = RiskSource.objects.create(code="RS9", name="球罐区", enterprise=enterprise,
                                     location=Point(113.70, 22.64, srid=4326))  # ~5 km east of the office
    plan = make_plan(code="TANK", kind=Plan.Kind.ONSITE, types=[hazmat_type])
    plan.risk_sources.add(tank)
    assert _codes(make_incident(duty_officer, hazmat_type, lon=113.701, lat=22.641)) == ["TANK"]
    assert _codes(make_incident(duty_officer, hazmat_type, lon=113.65, lat=22.64)) == []


def test_the_incident_severity_triggers_its_level_and_figures_can_raise_it(plan, hazmat_type, duty_officer):
    """Issue 13 point 13: the plan's level follows the incident's assessed severity (分级响应);
    the figures raise it further, never lower it."""
    [match] = plans_matching(make_incident(duty_officer, hazmat_type, severity="II"))
    assert match.level.level == "II" and match.triggered_by == ["severity"]
    [match] = plans_matching(make_incident(duty_officer, hazmat_type, severity="III", evacuated=1500))
    assert match.level.level == "II" and match.triggered_by == ["evacuated"]
    [match] = plans_matching(make_incident(duty_officer, hazmat_type, severity="III", injuries=10))
    assert match.level.level == "III" and match.triggered_by == ["severity", "injuries"]
    # The plan has no Ⅰ: a Ⅰ incident starts it at its highest level.
    [match] = plans_matching(make_incident(duty_officer, hazmat_type, severity="I"))
    assert match.level.level == "II" and match.triggered_by == ["severity"]
    # A Ⅳ incident: the entry level, no reason.
    [match] = plans_matching(make_incident(duty_officer, hazmat_type, severity="IV"))
    assert match.level.level == "IV" and match.triggered_by == []
