"""The demo district's own GIS data: boundary, towns, water and coastline, main roads, the
chemical park, and a gazetteer of roads, villages and buildings.

Consistent with resources/demo.py (the nine areas on a 3 × 3 grid over 113.46–113.72 E,
22.62–22.88 N) and hazards/demo.py (the park on its island around 113.65–113.69 E,
22.636–22.665 N). Every name is invented. Idempotent: keyed by layer and name.
"""

import math

from django.contrib.gis.geos import LineString, MultiPolygon, Point, Polygon

from places.models import BasemapFeature, Place, Structure

WEST, EAST, SOUTH, NORTH = 113.46, 113.72, 22.62, 22.88
SOURCE = "demo"

TOWNS = ["榄山镇", "横岭镇", "潭头镇", "新城街道", "明珠街道", "青沙镇", "海澄镇", "港湾街道", "渔洲镇"]

# (name, [(lon, lat), ...]) main roads, west→east or north→south.
ROADS = [
    ("新城大道", [(113.462, 22.756), (113.520, 22.754), (113.600, 22.752), (113.660, 22.750), (113.718, 22.748)]),
    ("明珠路", [(113.600, 22.878), (113.601, 22.800), (113.600, 22.752), (113.603, 22.700), (113.606, 22.640)]),
    ("榄山路", [(113.470, 22.842), (113.505, 22.835), (113.550, 22.818), (113.601, 22.800)]),
    ("港湾大道", [(113.520, 22.700), (113.560, 22.698), (113.603, 22.700), (113.650, 22.688), (113.716, 22.684)]),
    ("沿海高速", [(113.462, 22.668), (113.530, 22.672), (113.600, 22.676), (113.660, 22.676), (113.718, 22.672)]),
    ("青沙路", [(113.680, 22.878), (113.681, 22.800), (113.680, 22.752), (113.682, 22.684)]),
    ("横岭路", [(113.545, 22.878), (113.545, 22.800), (113.545, 22.752), (113.548, 22.700)]),
    ("园区大桥", [(113.662, 22.676), (113.664, 22.669), (113.666, 22.662)]),
    ("园区一路", [(113.652, 22.650), (113.668, 22.650), (113.688, 22.650)]),
]

# (name, kind, town, lon, lat, aliases)
PLACES = [
    ("上榄山村", "village", "榄山镇", 113.492, 22.851, "上榄"),
    ("下榄山村", "village", "榄山镇", 113.498, 22.826, "下榄"),
    ("横岭村", "village", "横岭镇", 113.562, 22.860, ""),
    ("潭头村", "village", "潭头镇", 113.652, 22.848, "潭头围"),
    ("青沙村", "village", "青沙镇", 113.690, 22.776, ""),
    ("海澄村", "village", "海澄镇", 113.505, 22.680, ""),
    ("渔洲新村", "village", "渔洲镇", 113.672, 22.680, "渔洲新区"),
    ("海澄渔港社区", "village", "渔洲镇", 113.695, 22.640, "渔港"),
    ("新城花园", "village", "新城街道", 113.532, 22.768, ""),
    ("明珠苑", "village", "明珠街道", 113.618, 22.770, ""),
    ("区政府大楼", "building", "新城街道", 113.560, 22.760, "区府 区人民政府"),
    ("新城广场", "building", "新城街道", 113.548, 22.748, ""),
    ("明珠大厦", "building", "明珠街道", 113.606, 22.757, ""),
    ("港湾客运码头", "building", "港湾街道", 113.640, 22.690, "客运港"),
    ("区火车站", "building", "明珠街道", 113.590, 22.790, "高铁站"),
    ("青沙工业区", "landmark", "青沙镇", 113.676, 22.760, ""),
    ("潭头水库", "landmark", "潭头镇", 113.640, 22.860, ""),
    ("港湾公园", "landmark", "港湾街道", 113.612, 22.690, ""),
    ("化工园区管委会", "building", "渔洲镇", 113.668, 22.656, "园区管委会"),
]


def _box(x0, y0, x1, y1) -> Polygon:
    # Counter-clockwise exterior (RFC 7946 right-hand rule).
    return Polygon(((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)), srid=4326)


def features() -> list[tuple[str, str, object]]:
    """(layer, name, geometry) of the demo base map."""
    result = [("boundary", "区界", MultiPolygon(_box(WEST, SOUTH, EAST, NORTH), srid=4326))]
    dx, dy = (EAST - WEST) / 3, (NORTH - SOUTH) / 3
    for index, name in enumerate(TOWNS):
        row, col = divmod(index, 3)
        x0, y1 = WEST + col * dx, NORTH - row * dy
        result.append(("town", name, MultiPolygon(_box(x0, y1 - dy, x0 + dx, y1), srid=4326)))
    # The estuary east and the sea south; the channel that makes the park an island.
    estuary = Polygon(((EAST, 22.58), (113.80, 22.58), (113.80, 22.92), (EAST, 22.92), (EAST, 22.58)), srid=4326)
    sea = Polygon(((113.42, 22.58), (EAST, 22.58), (EAST, SOUTH), (113.42, SOUTH), (113.42, 22.58)), srid=4326)
    channel = Polygon(((113.643, 22.632), (113.697, 22.632), (113.697, 22.670), (113.643, 22.670), (113.643, 22.632)),
                      ((113.650, 22.636), (113.650, 22.665), (113.690, 22.665), (113.690, 22.636), (113.650, 22.636)),
                      srid=4326)
    result += [("water", "珠江口", estuary), ("water", "南海", sea), ("water", "南港水道", channel)]
    result.append(("coastline", "海岸线", LineString(
        [(WEST, SOUTH + 0.002), (113.55, SOUTH + 0.004), (113.643, SOUTH + 0.012), (EAST, SOUTH + 0.006),
         (EAST, NORTH)], srid=4326)))
    result.append(("park", "南港化工园区", _box(113.650, 22.636, 113.690, 22.665)))
    result += [("road", name, LineString(points, srid=4326)) for name, points in ROADS]
    return result


# The park's structures for the 3D view (三维一张图): plausible footprints and heights, beside the
# demo's risk sources (hazards/demo.py). Tanks: (name, lon, lat, radius m, height m); boxes:
# (kind, name, lon, lat, width m east-west, depth m north-south, height m, base m).
TANKS = [
    *[(f"液氯储罐 T-10{i + 1}", 113.6606 + 0.00013 * (i % 2), 22.65265 + 0.00012 * (i // 2), 5.0, 9.0)
      for i in range(4)],
    *[(f"液化气球罐 V-20{i + 1}", 113.66995 + 0.00018 * (i % 3), 22.64445 + 0.00017 * (i // 3), 7.0, 16.0)
      for i in range(6)],
    ("液氨储罐 T-301", 113.6766, 22.6556, 11.0, 18.0),
    *[(f"苯储罐 T-40{i + 1}", 113.6563 + 0.0003 * i, 22.6408, 12.0, 17.0) for i in range(3)],
]
BOXES = [
    ("tank_farm", "液氯储罐区围堰", 113.66066, 22.65271, 45, 36, 1.2, 0),
    ("tank_farm", "液化气球罐区防火堤", 113.67013, 22.64453, 70, 48, 1.0, 0),
    ("tank_farm", "苯储罐区围堰", 113.6566, 22.6408, 105, 40, 1.5, 0),
    ("process_unit", "氯气液化装置", 113.6631, 22.6511, 40, 30, 24, 0),
    ("process_unit", "合成氨装置 造气塔", 113.6752, 22.6539, 18, 18, 48, 0),
    ("process_unit", "合成氨装置 框架", 113.6746, 22.6535, 50, 24, 22, 0),
    ("building", "氯碱 综合楼", 113.6635, 22.6540, 40, 16, 21, 0),
    ("building", "液化气 控制室", 113.6720, 22.6455, 24, 14, 6, 0),
    ("building", "合成氨 中控楼", 113.6775, 22.6545, 30, 16, 15, 0),
    ("building", "石化仓储 办公楼", 113.6585, 22.6422, 32, 14, 18, 0),
    ("building", "明珠精细化工 车间", 113.6829, 22.6490, 60, 30, 12, 0),
    ("building", "硫化氢与二氧化硫 气瓶库", 113.6832, 22.6481, 24, 12, 6, 0),
    ("building", "青沙新材料 钢瓶库", 113.6662, 22.6598, 30, 16, 7, 0),
    ("building", "青沙新材料 厂房", 113.6670, 22.6610, 70, 36, 14, 0),
    ("building", "化工园区管委会", 113.6680, 22.6560, 36, 20, 42, 0),
    ("building", "园区消防站", 113.6600, 22.6490, 40, 22, 10, 0),
    ("building", "码头装卸平台", 113.6549, 22.6388, 60, 14, 5, 0),
    ("pipe_rack", "园区一路 管廊", 113.6700, 22.6503, 1260, 6, 9, 5),
    ("pipe_rack", "南北管廊", 113.6690, 22.6470, 6, 580, 9, 5),
]
# At the park's latitude, metres per degree (spherical Earth; a few centimetres out over a tank).
M_PER_DEG_LAT = 110_946.0
M_PER_DEG_LON = 102_742.0


def _circle(lon, lat, radius_m, sides=20) -> Polygon:
    ring = [(lon + radius_m * math.cos(2 * math.pi * k / sides) / M_PER_DEG_LON,
             lat + radius_m * math.sin(2 * math.pi * k / sides) / M_PER_DEG_LAT) for k in range(sides)]
    return Polygon(ring + ring[:1], srid=4326)


def structures() -> list[tuple[str, str, MultiPolygon, float, float]]:
    """(kind, name, footprint, height, base) of the demo park's structures."""
    result = [("tank", name, MultiPolygon(_circle(lon, lat, r), srid=4326), h, 0.0) for name, lon, lat, r, h in TANKS]
    for kind, name, lon, lat, w, d, h, base in BOXES:
        dx, dy = w / 2 / M_PER_DEG_LON, d / 2 / M_PER_DEG_LAT
        result.append((kind, name, MultiPolygon(_box(lon - dx, lat - dy, lon + dx, lat + dy), srid=4326), h, base))
    return result


def load() -> dict:
    created = {"basemap_features": 0, "places": 0, "structures": 0}
    for kind, name, footprint, height, base in structures():
        _obj, was_created = Structure.objects.get_or_create(
            kind=kind, name=name, defaults={"footprint": footprint, "height_m": height, "base_m": base,
                                            "source": SOURCE})
        created["structures"] += was_created
    for layer, name, geometry in features():
        _obj, was_created = BasemapFeature.objects.get_or_create(
            layer=layer, name=name, defaults={"geometry": geometry, "source": SOURCE})
        created["basemap_features"] += was_created
    for name, points in ROADS:
        line = LineString(points, srid=4326)
        mid = line.interpolate_normalized(0.5)
        _obj, was_created = Place.objects.get_or_create(
            name=name, kind=Place.Kind.ROAD,
            defaults={"location": Point(mid.x, mid.y, srid=4326), "source": SOURCE})
        created["places"] += was_created
    for name, kind, town, lon, lat, aliases in PLACES:
        _obj, was_created = Place.objects.get_or_create(
            name=name, kind=kind, defaults={"town": town, "aliases": aliases, "source": SOURCE,
                                            "location": Point(lon, lat, srid=4326)})
        created["places"] += was_created
    return created
