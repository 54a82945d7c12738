"""The chemical park on the island in the south-east of the demo district (fictional).

Enterprises, their risk sources graded under GB 18218-2018, the chemicals they hold,
sensitive targets around the park and across the district, and mapped hazard zones.
Loading is idempotent: rows are keyed by code (CAS for chemicals) and created only when missing.
"""

from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from hazards.models import Chemical, Enterprise, HazardZone, RiskSource, SensitiveTarget, StoredChemical
from hazards.services import risk_source_regrade

# (code, name, English name, lon, lat)
ENTERPRISES = [
    ("E01", "南港氯碱化工有限公司", "Nangang Chlor-Alkali Chemical Co.", 113.662, 22.652),
    ("E02", "珠澳液化气储运有限公司", "Zhu'ao LPG Storage and Transport Co.", 113.671, 22.645),
    ("E03", "海澄合成氨有限公司", "Haicheng Synthetic Ammonia Co.", 113.676, 22.655),
    ("E04", "港湾石化仓储有限公司", "Gangwan Petrochemical Terminal Co.", 113.657, 22.641),
    ("E05", "明珠精细化工有限公司", "Mingzhu Fine Chemicals Co.", 113.683, 22.648),
    ("E06", "青沙新材料科技有限公司", "Qingsha New Materials Technology Co.", 113.666, 22.660),
]

# Levels of concern are 60-minute values in ppm.
# AEGL: US EPA / National Research Council, "Acute Exposure Guideline Levels for Selected
#   Airborne Chemicals": chlorine vol. 4 (2004), ammonia vol. 6 (2008), sulfur dioxide vol. 8
#   (2010), hydrogen sulfide vol. 9 (2010); final values as listed on EPA's AEGL pages.
# ERPG: AIHA, "ERPG/WEEL Handbook" (current edition), as quoted in docs/domain.md.
# Critical quantities Q: GB 18218-2018 Table 1; β: Table 3 (listed toxic gases) and Table 4
#   (flammable gas W2 1.5; flammable liquids W5.x 1).
# Dense gas: heavier than air on release (ALOHA treats these with its heavy-gas model).
CHEMICALS = [
    # cas, zh, en, UN, MW, AEGL-1/2/3, ERPG-1/2/3, Q t, β, dense, source note
    ("7782-50-5", "氯", "Chlorine", "1017", 70.90, (0.5, 2.0, 20), (1, 3, 20), 5, 4, True,
     "AEGL: NRC AEGL vol. 4 (2004), 60 min. ERPG: AIHA. GB 18218-2018 Tables 1 and 3."),
    ("7664-41-7", "氨", "Ammonia", "1005", 17.03, (30, 160, 1100), (25, 150, 750), 10, 2, False,
     "AEGL: NRC AEGL vol. 6 (2008), 60 min. ERPG: AIHA (ERPG-3 750 ppm). GB 18218-2018 Tables 1 and 3."),
    ("7783-06-4", "硫化氢", "Hydrogen sulfide", "1053", 34.08, (0.51, 27, 50), (0.1, 30, 100), 5, 5, True,
     "AEGL: NRC AEGL vol. 9 (2010), 60 min. ERPG: AIHA. GB 18218-2018 Tables 1 and 3."),
    # AEGL-3 60 min: 27 ppm in the final NRC table (10 min 42, 30 min 32, 4 h 19, 8 h 16);
    # docs/domain.md's 30 was marked "check". ERPG left empty as in docs/domain.md.
    ("7446-09-5", "二氧化硫", "Sulfur dioxide", "1079", 64.07, (0.20, 0.75, 27), (None, None, None), 20, 2, True,
     "AEGL: NRC AEGL vol. 8 (2010), 60 min. GB 18218-2018 Tables 1 and 3."),
    ("68476-85-7", "液化石油气", "Liquefied petroleum gas", "1075", 44.10, (None, None, None),
     (None, None, None), 50, 1.5, True,
     "Flammable gas, no toxic level of concern. MW of propane. GB 18218-2018 Table 1; β Table 4 (W2)."),
    ("71-43-2", "苯", "Benzene", "1114", 78.11, (None, None, None), (None, None, None), 50, 1, False,
     "Toxic levels not entered pending a check against the AEGL tables. GB 18218-2018 Table 1; β Table 4 (W5)."),
]

# (code, enterprise, name, English name, installation, lon, lat, people within 500 m,
#  [(CAS, design maximum quantity t)], footprint half-size in degrees or None for a point)
# Expected grading (R = α·Σβq/Q), worked out by hand:
#   RS01 Cl₂ 70 t: 4·70/5 = 56; α 2.0 (150 people) → R 112 → 一级
#   RS02 Cl₂ 12 t: 4·12/5 = 9.6; α 1.5 (60) → R 14.4 → 三级
#   RS03 LPG 1500 t: 1.5·1500/50 = 45; α 1.5 (80) → R 67.5 → 二级
#   RS04 NH₃ 250 t: 2·250/10 = 50; α 1.2 (35) → R 60 → 二级
#   RS05 NH₃ 30 t + H₂S 2 t: 2·3 + 5·0.4 = 8; α 1.0 (20) → R 8 → 四级
#   RS06 benzene 600 t: 1·12 = 12; α 1.0 (12) → R 12 → 三级
#   RS07 H₂S 8 t + SO₂ 30 t: 5·1.6 + 2·1.5 = 11; α 0.5 (0) → R 5.5 → 四级
#   RS08 LPG 20 t: Σq/Q 0.4 < 1 → not a major hazard source, no grade
#   RS09 LPG 400 t + benzene 200 t: 1.5·8 + 1·4 = 16; α 2.0 (220) → R 32 → 三级
RISK_SOURCES = [
    ("RS01", "E01", "液氯储罐区", "Liquid chlorine tank farm", "储罐区 T-101～T-104", 113.6612, 22.6528, 150,
     [("7782-50-5", 70)], 0.0006),
    ("RS02", "E01", "氯气液化装置", "Chlorine liquefaction unit", "液化工段", 113.6631, 22.6511, 60,
     [("7782-50-5", 12)], None),
    ("RS03", "E02", "液化气球罐区", "LPG spherical tank farm", "球罐 V-201～V-206", 113.6705, 22.6446, 80,
     [("68476-85-7", 1500)], 0.0008),
    ("RS04", "E03", "液氨储罐区", "Liquid ammonia tank farm", "储罐区 T-301", 113.6766, 22.6556, 35,
     [("7664-41-7", 250)], 0.0005),
    ("RS05", "E03", "合成氨装置", "Ammonia synthesis unit", "合成工段", 113.6752, 22.6539, 20,
     [("7664-41-7", 30), ("7783-06-4", 2)], None),
    ("RS06", "E04", "苯储罐区", "Benzene tank farm", "储罐区 T-401～T-403", 113.6571, 22.6408, 12,
     [("71-43-2", 600)], 0.0006),
    ("RS07", "E05", "硫化氢与二氧化硫储存区", "H₂S and SO₂ storage", "气瓶库 G-501", 113.6832, 22.6483, 0,
     [("7783-06-4", 8), ("7446-09-5", 30)], None),
    ("RS08", "E06", "液化气钢瓶库", "LPG cylinder store", "钢瓶库", 113.6662, 22.6598, 40,
     [("68476-85-7", 20)], None),
    ("RS09", "E04", "码头装卸区", "Jetty loading area", "1# 2# 泊位", 113.6549, 22.6392, 220,
     [("68476-85-7", 400), ("71-43-2", 200)], 0.0007),
]

# (code, name, English name, kind, population, lon, lat)
TARGETS = [
    ("ST01", "海澄镇中心小学", "Haicheng Central Primary School", "school", 1200, 113.640, 22.672),
    ("ST02", "渔洲中学", "Yuzhou Middle School", "school", 1500, 113.700, 22.680),
    ("ST03", "港湾区人民医院", "Gangwan People's Hospital", "hospital", 800, 113.625, 22.695),
    ("ST04", "渔洲镇卫生院", "Yuzhou Health Centre", "hospital", 150, 113.690, 22.690),
    ("ST05", "港湾颐养院", "Gangwan Care Home", "care_home", 220, 113.648, 22.685),
    ("ST06", "渔洲敬老院", "Yuzhou Home for the Elderly", "care_home", 90, 113.705, 22.665),
    ("ST07", "港湾花园小区", "Gangwan Garden Estate", "residential", 6500, 113.632, 22.678),
    ("ST08", "渔洲新村", "Yuzhou New Village", "residential", 4200, 113.672, 22.680),
    ("ST09", "海澄渔港社区", "Haicheng Fishing Port Community", "residential", 3100, 113.695, 22.640),
    ("ST10", "新城第一小学", "Xincheng No. 1 Primary School", "school", 1600, 113.548, 22.770),
    ("ST11", "区中心医院", "District Central Hospital", "hospital", 1200, 113.585, 22.760),
    ("ST12", "榄山花苑", "Lanshan Garden", "residential", 8800, 113.510, 22.830),
    ("ST13", "明珠实验学校", "Mingzhu Experimental School", "school", 2000, 113.610, 22.740),
]

# (code, name, English name, kind, level, description, [(lon, lat), ...] counter-clockwise)
HAZARD_ZONES = [
    ("HZ01", "明珠河低洼易涝区", "Mingzhu River low-lying flood area", "flood", "high",
     "汛期内涝高风险区 / Waterlogging in the rainy season",
     [(113.550, 22.700), (113.600, 22.700), (113.605, 22.718), (113.555, 22.722)]),
    ("HZ02", "港湾沿海风暴潮淹没区", "Gangwan coastal storm-surge area", "storm_surge", "high",
     "台风风暴潮淹没范围 / Typhoon storm-surge inundation",
     [(113.600, 22.622), (113.718, 22.622), (113.718, 22.632), (113.600, 22.634)]),
    ("HZ03", "横岭山体滑坡隐患点", "Hengling landslide-prone slope", "landslide", "medium",
     "强降雨时滑坡风险 / Landslide risk in heavy rain",
     [(113.560, 22.845), (113.575, 22.845), (113.575, 22.858), (113.560, 22.858)]),
    ("HZ04", "潭头镇崩塌隐患区", "Tantou rockfall-prone area", "landslide", "low",
     "崩塌风险 / Rockfall risk",
     [(113.665, 22.830), (113.680, 22.830), (113.680, 22.842), (113.665, 22.842)]),
    ("HZ05", "化工园区", "Chemical industrial park", "chemical", "high",
     "危险化学品企业集中区 / Hazardous-chemical enterprises",
     [(113.650, 22.636), (113.690, 22.636), (113.690, 22.665), (113.650, 22.665)]),
]


def load() -> dict:
    created = {"enterprises": 0, "chemicals": 0, "risk_sources": 0, "targets": 0, "hazard_zones": 0}
    enterprises = {}
    for code, name, name_en, lon, lat in ENTERPRISES:
        enterprises[code], was_created = Enterprise.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "in_chemical_park": True,
                                 "address": f"化工园区 {name}", "location": Point(lon, lat, srid=4326)})
        created["enterprises"] += was_created
        # Earlier demos wrote the address in English, and an incident logged from an alarm
        # carried it into the Chinese console (issue 22.10): put it right where it is unchanged.
        Enterprise.objects.filter(code=code, address=f"化工园区 {name_en}").update(address=f"化工园区 {name}")

    chemicals = {}
    for cas, zh, en, un, mw, aegl, erpg, big_q, beta, dense, source in CHEMICALS:
        chemicals[cas], was_created = Chemical.objects.get_or_create(
            cas=cas, defaults={"name": zh, "name_en": en, "un_number": un, "molecular_weight": mw,
                               "aegl1": aegl[0], "aegl2": aegl[1], "aegl3": aegl[2],
                               "erpg1": erpg[0], "erpg2": erpg[1], "erpg3": erpg[2],
                               "critical_quantity_t": big_q, "beta": beta, "dense_gas": dense, "source": source})
        created["chemicals"] += was_created

    for code, ent, name, name_en, installation, lon, lat, people, stored, half in RISK_SOURCES:
        footprint = None
        if half:
            footprint = Polygon(((lon - half, lat - half), (lon + half, lat - half), (lon + half, lat + half),
                                 (lon - half, lat + half), (lon - half, lat - half)), srid=4326)
        source, was_created = RiskSource.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "enterprise": enterprises[ent],
                                 "installation": installation, "location": Point(lon, lat, srid=4326),
                                 "footprint": footprint, "people_within_500m": people})
        created["risk_sources"] += was_created
        if was_created:
            for cas, quantity in stored:
                StoredChemical.objects.create(risk_source=source, chemical=chemicals[cas], quantity_t=quantity)
            risk_source_regrade(risk_source=source)

    for code, name, name_en, kind, population, lon, lat in TARGETS:
        _obj, was_created = SensitiveTarget.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "kind": kind, "population": population,
                                 "location": Point(lon, lat, srid=4326)})
        created["targets"] += was_created

    for code, name, name_en, kind, level, description, ring in HAZARD_ZONES:
        polygon = Polygon(tuple(ring) + (ring[0],), srid=4326)
        _obj, was_created = HazardZone.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "kind": kind, "level": level,
                                 "description": description, "boundary": MultiPolygon(polygon, srid=4326)})
        created["hazard_zones"] += was_created
    return created
