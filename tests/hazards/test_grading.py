"""GB 18218-2018 grading on worked cases (R = α·Σβq/Q; major when Σq/Q ≥ 1)."""

import pytest
from django.contrib.gis.geos import Point

from hazards import grading, services
from hazards.models import Chemical, Enterprise, RiskSource, StoredChemical


@pytest.mark.parametrize(("people", "alpha"), [(0, 0.5), (1, 1.0), (29, 1.0), (30, 1.2), (49, 1.2),
                                               (50, 1.5), (99, 1.5), (100, 2.0), (5000, 2.0)])
def test_alpha_boundaries(people, alpha):
    assert grading.alpha(people) == alpha


@pytest.mark.parametrize(("r", "grade"), [(100, 1), (99.99, 2), (50, 2), (49.9, 3), (10, 3), (9.99, 4), (0.1, 4)])
def test_grade_boundaries(r, grade):
    assert grading.grade_for(r) == grade


def test_worked_cases():
    # 70 t chlorine (Q 5 t, β 4), 150 people: Σq/Q = 14; R = 2.0·4·14 = 112 → 一级
    g = grading.grade([(70, 5, 4)], 150)
    assert (g.sum_q_ratio, g.alpha, g.r_value, g.is_major, g.grade) == (14, 2.0, 112, True, 1)
    # 250 t ammonia (Q 10, β 2), 35 people: R = 1.2·2·25 = 60 → 二级
    g = grading.grade([(250, 10, 2)], 35)
    assert g.r_value == pytest.approx(60) and g.grade == 2
    # Mixture: 8 t H₂S (Q 5, β 5) + 30 t SO₂ (Q 20, β 2), nobody within 500 m:
    # Σq/Q = 1.6 + 1.5 = 3.1; R = 0.5·(5·1.6 + 2·1.5) = 0.5·11 = 5.5 → 四级
    g = grading.grade([(8, 5, 5), (30, 20, 2)], 0)
    assert g.sum_q_ratio == pytest.approx(3.1) and g.r_value == pytest.approx(5.5) and g.grade == 4
    # 20 t LPG (Q 50): Σq/Q = 0.4 < 1 → not a major hazard source, so not graded at all
    g = grading.grade([(20, 50, 1.5)], 40)
    assert g.is_major is False and g.grade is None
    # Exactly at the critical quantity counts ("≥ 1")
    assert grading.grade([(5, 5, 4)], 0).is_major is True
    # A chemical the standard does not list (no Q) does not count
    assert grading.grade([(100, None, 1)], 10).sum_q_ratio == 0


def test_regrade_service_stores_the_grading(db):
    enterprise = Enterprise.objects.create(code="EX", name="测试企业", location=Point(113.66, 22.65, srid=4326))
    chlorine = Chemical.objects.create(name="氯", name_en="Chlorine", cas="7782-50-5", molecular_weight=70.9,
                                       critical_quantity_t=5, beta=4)
    source = RiskSource.objects.create(code="RX", name="液氯罐", enterprise=enterprise,
                                       location=Point(113.66, 22.65, srid=4326), people_within_500m=60)
    StoredChemical.objects.create(risk_source=source, chemical=chlorine, quantity_t=12)
    services.risk_source_regrade(risk_source=source)
    source.refresh_from_db()
    # Σq/Q 2.4; R = 1.5·4·2.4 = 14.4 → 三级
    assert (source.sum_q_ratio, source.alpha, source.r_value, source.is_major, source.grade) == (2.4, 1.5, 14.4, True, 3)


def test_demo_park_covers_all_four_grades(demo):
    grades = set(RiskSource.objects.values_list("grade", flat=True))
    assert RiskSource.objects.count() >= 8
    assert {1, 2, 3, 4} <= grades
    assert RiskSource.objects.filter(is_major=False, grade=None).exists()
    # The hand-worked expectations written next to the demo data.
    expected = {"RS01": 1, "RS02": 3, "RS03": 2, "RS04": 2, "RS05": 4, "RS06": 3, "RS07": 4, "RS08": None, "RS09": 3}
    assert dict(RiskSource.objects.values_list("code", "grade")) == expected
    # Loading again adds nothing.
    assert all(v == 0 for k, v in demo.load().items() if k != "users")


def test_an_unlisted_chemical_counts_with_its_hazard_class_quantity(db):
    """Issue 25 point 9: a chemical GB 18218 Table 1 does not name is counted with its Table 2
    class's critical quantity and Table 4's β, not ignored."""
    enterprise = Enterprise.objects.create(code="EY", name="测试企业二", location=Point(113.66, 22.65, srid=4326))
    unlisted = Chemical.objects.create(name="某急性毒性气体", name_en="An unlisted toxic gas", cas="0000-00-1",
                                       molecular_weight=60, hazard_class="J1")
    source = RiskSource.objects.create(code="RY", name="气瓶间", enterprise=enterprise,
                                       location=Point(113.66, 22.65, srid=4326), people_within_500m=10)
    StoredChemical.objects.create(risk_source=source, chemical=unlisted, quantity_t=12)
    services.risk_source_regrade(risk_source=source)
    # J1: Q 5 t, β 4 → Σq/Q 2.4; R = 1.0·4·2.4 = 9.6 → 四级 (ignored before: not a major hazard source at all)
    assert (source.sum_q_ratio, source.r_value, source.is_major, source.grade) == (2.4, 9.6, True, 4)
    # Its own Table 1 quantity, when it has one, wins over the class.
    assert grading.critical_quantity(20, 2, "J1") == (20, 2)
    # No quantity and no class: still not counted, as the standard gives nothing to count it by.
    assert grading.critical_quantity(None, 1, "") == (None, 1)
    # Every class of Table 2 has a quantity and a β.
    assert all(row["q_t"] > 0 and row["beta"] > 0 for row in grading.hazard_classes().values())
    assert {"J1", "J5", "W1.1", "W2", "W5.4", "W11"} <= set(grading.hazard_classes())
