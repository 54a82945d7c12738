import pytest
from rest_framework.test import APIClient


@pytest.fixture
def as_user():
    def _as(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return _as


@pytest.fixture
def district(db):
    """A small district: one area, a chemical, targets and shelters placed around a source at
    113.60 E, 22.70 N (a degree of longitude there is ≈ 102.7 km)."""
    from django.contrib.gis.geos import MultiPolygon, Point, Polygon

    from hazards.models import Chemical, SensitiveTarget
    from resources.models import Agency, Area, Resource

    Area.objects.create(code="A1", name="测试镇", kind="town", population=1000, boundary=MultiPolygon(
        Polygon(((113.5, 22.6), (113.7, 22.6), (113.7, 22.8), (113.5, 22.8), (113.5, 22.6)), srid=4326)))
    chlorine = Chemical.objects.create(name="氯", name_en="Chlorine", cas="7782-50-5", un_number="1017",
                                       molecular_weight=70.90, aegl1=0.5, aegl2=2.0, aegl3=20, erpg1=1, erpg2=3,
                                       erpg3=20, critical_quantity_t=5, beta=4, dense_gas=True)
    Chemical.objects.create(name="某物", name_en="Only ERPG", cas="0000-00-0", molecular_weight=50,
                            erpg1=1, erpg2=10, erpg3=100)
    west = 1 / 102_690  # degrees of longitude per metre at 22.7° N
    targets = {
        "near": SensitiveTarget.objects.create(code="T-NEAR", name="下风向小学", kind="school", population=900,
                                               location=Point(113.60 - 300 * west, 22.70, srid=4326)),
        "far": SensitiveTarget.objects.create(code="T-FAR", name="下风向小区", kind="residential", population=5000,
                                              location=Point(113.60 - 3000 * west, 22.70, srid=4326)),
        "upwind": SensitiveTarget.objects.create(code="T-UP", name="上风向医院", kind="hospital", population=400,
                                                 location=Point(113.605, 22.70, srid=4326)),
        "aside": SensitiveTarget.objects.create(code="T-SIDE", name="侧风向敬老院", kind="care_home",
                                                population=80, location=Point(113.597, 22.72, srid=4326)),
    }
    agency = Agency.objects.create(code="EMB", name="应急管理局")

    def shelter(code, lon, lat, capacity, occupancy=0, status="available"):
        return Resource.objects.create(code=code, name=f"避难场所 {code}", kind="shelter", agency=agency,
                                       location=Point(lon, lat, srid=4326), capacity=capacity,
                                       occupancy=occupancy, status=status)

    shelters = {
        "in_plume": shelter("SH-IN", 113.60 - 1000 * west, 22.70, 500),
        "upwind": shelter("SH-UP", 113.62, 22.70, 800, occupancy=300),
        "full": shelter("SH-FULL", 113.61, 22.70, 100, occupancy=100),
        "closed": shelter("SH-OUT", 113.611, 22.701, 100, status="out_of_service"),
    }
    return {"chlorine": chlorine, "targets": targets, "shelters": shelters}


RELEASE = {"location": {"type": "Point", "coordinates": [113.60, 22.70]}, "chemical": "7782-50-5",
           "rate_kg_s": 1, "duration_s": 3600, "wind_speed_ms": 2, "wind_from_deg": 90, "stability": "D"}
