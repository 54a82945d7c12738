"""The hazards admin: map widgets, grading shown and filterable, regrading when quantities change."""

from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point

from hazards.models import Chemical, Enterprise, RiskSource


def test_admin_lists_grades_and_regrades_on_save(db, client):
    admin = get_user_model().objects.create_superuser("root", password="x-pass-123")
    client.force_login(admin)
    enterprise = Enterprise.objects.create(code="EX", name="测试企业", location=Point(113.66, 22.65, srid=4326))
    chlorine = Chemical.objects.create(name="氯", name_en="Chlorine", cas="7782-50-5", molecular_weight=70.9,
                                       critical_quantity_t=5, beta=4)
    add = client.get("/admin/hazards/risksource/add/")
    assert add.status_code == 200 and "leaflet" in add.content.decode()  # the map widget
    response = client.post("/admin/hazards/risksource/add/", {
        "code": "RX", "name": "液氯罐", "enterprise": enterprise.pk, "installation": "",
        "location": '{"type": "Point", "coordinates": [113.66, 22.65]}', "footprint": "",
        "people_within_500m": 150,
        "stored-TOTAL_FORMS": 1, "stored-INITIAL_FORMS": 0, "stored-MIN_NUM_FORMS": 0, "stored-MAX_NUM_FORMS": 1000,
        "stored-0-chemical": chlorine.pk, "stored-0-quantity_t": 70,
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    source = RiskSource.objects.get(code="RX")
    assert (source.r_value, source.grade, source.is_major) == (112, 1, True)
    listing = client.get("/admin/hazards/risksource/?grade__exact=1")
    assert listing.status_code == 200 and "液氯罐" in listing.content.decode()
    assert client.get("/admin/hazards/risksource/?grade__exact=4").content.decode().count("液氯罐") == 0
    for page in ("chemical", "sensitivetarget", "hazardzone", "release", "enterprise"):
        assert client.get(f"/admin/hazards/{page}/").status_code == 200
        if page != "release":
            assert client.get(f"/admin/hazards/{page}/add/").status_code == 200
