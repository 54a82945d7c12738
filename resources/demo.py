"""The demo district's geography and resources (fictional; see docs/domain.md).

A coastal district on the Pearl River estuary, about 113.46–113.72 E, 22.62–22.88 N
(≈ 770 km²): six towns and three sub-districts, four depots, units of eight kinds, stocks,
equipment and shelters. Every name is invented. Loading is idempotent: rows are keyed by
code and created only when missing, so a second run adds and changes nothing.
"""

import functools
import random

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from core.roles import RESPONDER
from resources.models import Agency, Area, Depot, Resource, Responder

WEST, EAST, SOUTH, NORTH = 113.46, 113.72, 22.62, 22.88

# (code, name, English name, kind, population) in a 3×3 grid, north-west first.
AREAS = [
    ("T01", "榄山镇", "Lanshan Town", "town", 92000),
    ("T02", "横岭镇", "Hengling Town", "town", 78000),
    ("T03", "潭头镇", "Tantou Town", "town", 65000),
    ("S01", "新城街道", "Xincheng Sub-district", "subdistrict", 168000),
    ("S02", "明珠街道", "Mingzhu Sub-district", "subdistrict", 151000),
    ("T04", "青沙镇", "Qingsha Town", "town", 71000),
    ("T05", "海澄镇", "Haicheng Town", "town", 83000),
    ("S03", "港湾街道", "Gangwan Sub-district", "subdistrict", 112000),
    ("T06", "渔洲镇", "Yuzhou Town", "town", 46000),
]

AGENCIES = [
    ("FIRE", "区消防救援大队", "District Fire and Rescue Brigade", "0756-1190000"),
    ("EMS", "区急救指挥中心", "District Emergency Medical Centre", "0756-1200000"),
    ("PSB", "区公安分局", "District Public Security Bureau", "0756-1100000"),
    ("EMB", "区应急管理局", "District Emergency Management Bureau", "0756-1234567"),
    ("PORT", "港区海事救助站", "Port Maritime Rescue Station", "0756-1239000"),
    ("WATER", "区水务局", "District Water Authority", "0756-1238000"),
]

# (code, name, English name, agency, lon, lat)
DEPOTS = [
    ("D01", "新城消防站", "Xincheng Fire Station", "FIRE", 113.545, 22.752),
    ("D02", "港湾综合救援基地", "Gangwan Rescue Base", "EMB", 113.635, 22.668),
    ("D03", "榄山急救站", "Lanshan EMS Station", "EMS", 113.505, 22.835),
    ("D04", "化工园区特勤站", "Chemical Park Special Service Station", "FIRE", 113.668, 22.648),
    ("D05", "区应急物资储备库", "District Emergency Supplies Warehouse", "EMB", 113.590, 22.790),
]

# (kind, count, agency, name prefix zh, name prefix en, capabilities, code prefix)
UNIT_KINDS = [
    ("fire_engine", 12, "FIRE", "消防车", "Fire engine", ["fire_suppression", "water_supply"], "FE"),
    ("ambulance", 12, "EMS", "救护车", "Ambulance", ["ems", "patient_transport"], "AM"),
    ("rescue_team", 8, "EMB", "综合救援队", "Rescue team", ["rescue", "rope_rescue", "collapse_rescue"], "RT"),
    ("hazmat_unit", 5, "FIRE", "危化品处置车", "Hazmat unit", ["hazmat", "decontamination", "gas_detection"], "HZ"),
    ("boat", 5, "PORT", "救援艇", "Rescue boat", ["water_rescue"], "BT"),
    ("police_car", 8, "PSB", "警车", "Police car", ["traffic_control", "security", "evacuation"], "PC"),
    ("medical_team", 4, "EMS", "医疗队", "Medical team", ["ems", "triage"], "MT"),
    ("engineering", 4, "WATER", "工程抢险队", "Engineering team", ["heavy_lifting", "flood_control", "pumping"], "EN"),
]

STOCKS = [
    ("SS01", "防汛沙袋", "Flood sandbags", "supply_stock", 20000, "袋", "D05"),
    ("SS02", "帐篷", "Tents", "supply_stock", 800, "顶", "D05"),
    ("SS03", "饮用水", "Drinking water", "supply_stock", 12000, "箱", "D05"),
    ("SS04", "防化服", "Chemical protective suits", "supply_stock", 300, "套", "D04"),
    ("EQ01", "大功率排水泵", "High-capacity pump", "equipment", 6, "台", "D02"),
    ("EQ02", "应急发电车", "Mobile generator", "equipment", 3, "台", "D02"),
    ("EQ03", "无人机", "Survey drone", "equipment", 8, "架", "D01"),
    ("EQ04", "气体检测仪", "Gas detector", "equipment", 20, "台", "D04"),
]

# (code, name, English name, lon, lat, capacity)
SHELTERS = [
    ("SH01", "新城中学避难场所", "Xincheng Middle School Shelter", 113.552, 22.760, 1800),
    ("SH02", "明珠体育馆", "Mingzhu Stadium", 113.602, 22.748, 5000),
    ("SH03", "榄山文化广场", "Lanshan Culture Square", 113.512, 22.842, 2500),
    ("SH04", "海澄小学避难场所", "Haicheng Primary School Shelter", 113.515, 22.668, 1200),
    ("SH05", "港湾公园", "Gangwan Park", 113.612, 22.690, 3500),
    ("SH06", "青沙镇政府广场", "Qingsha Town Square", 113.680, 22.760, 1500),
]


def load() -> dict:
    """Create what is missing; return how many rows each kind gained."""
    created = {"areas": 0, "agencies": 0, "depots": 0, "resources": 0, "responders": 0}
    cols, rows = 3, 3
    dx, dy = (EAST - WEST) / cols, (NORTH - SOUTH) / rows
    for index, (code, name, name_en, kind, population) in enumerate(AREAS):
        row, col = divmod(index, cols)
        x0, y1 = WEST + col * dx, NORTH - row * dy
        ring = ((x0, y1), (x0 + dx, y1), (x0 + dx, y1 - dy), (x0, y1 - dy), (x0, y1))
        # Counter-clockwise exterior (RFC 7946 right-hand rule).
        poly = Polygon(tuple(reversed(ring)), srid=4326)
        _obj, was_created = Area.objects.get_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "kind": kind, "population": population,
                      "boundary": MultiPolygon(poly, srid=4326)},
        )
        created["areas"] += was_created

    agencies = {}
    for code, name, name_en, phone in AGENCIES:
        agencies[code], was_created = Agency.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "phone": phone})
        created["agencies"] += was_created

    depots = {}
    for code, name, name_en, agency, lon, lat in DEPOTS:
        depots[code], was_created = Depot.objects.get_or_create(
            code=code, defaults={"name": name, "agency": agencies[agency], "address": name_en,
                                 "location": Point(lon, lat, srid=4326)})
        created["depots"] += was_created

    rng = random.Random(20261124)  # fixed seed: the same district on every machine
    depot_list = [depots[c] for c in ("D01", "D02", "D03", "D04")]
    User = get_user_model()
    responder_group = Group.objects.get(name=RESPONDER)
    responder_number = 0
    for kind, count, agency, zh, _en, caps, prefix in UNIT_KINDS:
        for n in range(1, count + 1):
            responder_number += 1
            home = depots["D04"] if kind == "hazmat_unit" else depot_list[(n - 1) % len(depot_list)]
            # Spread units over the district so "nearest" means something on the map.
            lon = rng.uniform(WEST + 0.01, EAST - 0.01) if n % 2 else home.location.x + rng.uniform(-0.01, 0.01)
            lat = rng.uniform(SOUTH + 0.01, NORTH - 0.01) if n % 2 else home.location.y + rng.uniform(-0.01, 0.01)
            code = f"{prefix}{n:02d}"
            resource, was_created = Resource.objects.get_or_create(
                code=code,
                # Data names in the user's language (zh-hans): no "消防车01 Fire engine 01" mixtures.
                defaults={"name": f"{zh}{n:02d}", "kind": kind, "capabilities": caps,
                          "agency": agencies[agency], "home_depot": home, "location": Point(lon, lat, srid=4326),
                          "phone": f"0756-9{responder_number:06d}"},
            )
            created["resources"] += was_created
            username = f"responder{responder_number}"
            given, family = _person_name(responder_number)
            user, user_created = User.objects.get_or_create(
                username=username, defaults={"first_name": given, "last_name": family})
            if user_created:
                user.password = demo_password_hash()
                user.save(update_fields=["password"])
                user.groups.add(responder_group)
            _responder, was_created = Responder.objects.get_or_create(
                user=user, defaults={"agency": agencies[agency], "resource": resource,
                                     "phone": f"138{responder_number:08d}"})
            created["responders"] += was_created

    for code, name, _name_en, kind, quantity, uom, depot in STOCKS:
        _obj, was_created = Resource.objects.get_or_create(
            code=code,
            defaults={"name": name, "kind": kind, "agency": agencies["EMB"],
                      "home_depot": depots[depot], "location": depots[depot].location,
                      "quantity": quantity, "unit_of_measure": uom},
        )
        created["resources"] += was_created
    for code, name, _name_en, lon, lat, capacity in SHELTERS:
        _obj, was_created = Resource.objects.get_or_create(
            code=code,
            defaults={"name": name, "kind": "shelter", "agency": agencies["EMB"],
                      "location": Point(lon, lat, srid=4326), "capacity": capacity, "occupancy": 0,
                      "capabilities": ["sheltering"]},
        )
        created["resources"] += was_created
    return created


# Invented people: a family name and a given name, the same on every machine.
FAMILY_NAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁郑谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN_NAMES = ["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "华",
               "平", "刚", "桂英", "建华", "志强", "海燕", "晓东", "国庆", "丽娟", "文博", "子轩"]


def _person_name(number: int) -> tuple[str, str]:
    """(first_name, last_name): the whole name, family name first as in Chinese, in first_name,
    so that get_full_name() reads it right."""
    family = FAMILY_NAMES[(number * 7) % len(FAMILY_NAMES)]
    given = GIVEN_NAMES[(number * 11) % len(GIVEN_NAMES)]
    return f"{family}{given}", ""


def demo_password_hash() -> str:
    """The demo password, hashed once per process and shared by every demo account (they all
    have the same known password anyway): a salted PBKDF2 hash costs ~0.3 s, and the demo has
    some eighty accounts, loaded by `make run` and by many tests."""
    from django.conf import settings

    return _hash_of(settings.DEMO_PASSWORD)


@functools.lru_cache(maxsize=4)
def _hash_of(password: str) -> str:
    from django.contrib.auth.hashers import make_password

    return make_password(password)
