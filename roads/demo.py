"""The demo district's road network (fictional, as the rest of the demo).

The main roads of places/demo.py drawn as a network (the junctions are shared vertices), the
coastal motorway and the bridge to the chemical park open to hazardous goods, and the park's
own grid of roads: open to hazardous goods except the north road by the park's offices, one of
them one-way. Idempotent: loaded only while the demo origin holds no edge.
"""

from django.contrib.gis.geos import LineString

from roads.models import RoadClass, RoadEdge
from roads.services import EdgeInput, edges_import

ORIGIN = "demo"

# (name, class, speed limit or None, hazmat allowed, one-way, [(lon, lat), ...])
ROADS = [
    ("新城大道", RoadClass.PRIMARY, 60, False, False,
     [(113.462, 22.756), (113.520, 22.754), (113.545, 22.753), (113.600, 22.752), (113.660, 22.750),
      (113.680, 22.749), (113.718, 22.748)]),
    ("明珠路", RoadClass.PRIMARY, 60, False, False,
     [(113.600, 22.878), (113.601, 22.800), (113.600, 22.752), (113.603, 22.700), (113.604, 22.676),
      (113.606, 22.640)]),
    ("榄山路", RoadClass.SECONDARY, None, False, False,
     [(113.470, 22.842), (113.505, 22.835), (113.545, 22.820), (113.601, 22.800)]),
    ("横岭路", RoadClass.SECONDARY, None, False, False,
     [(113.545, 22.878), (113.545, 22.820), (113.545, 22.753), (113.548, 22.700)]),
    ("港湾大道", RoadClass.PRIMARY, None, False, False,
     [(113.520, 22.700), (113.548, 22.700), (113.603, 22.700), (113.650, 22.688), (113.682, 22.684),
      (113.716, 22.684)]),
    ("沿海高速", RoadClass.MOTORWAY, 100, True, False,
     [(113.462, 22.668), (113.530, 22.672), (113.604, 22.676), (113.662, 22.676), (113.718, 22.672)]),
    ("青沙路", RoadClass.SECONDARY, None, False, False,
     [(113.680, 22.878), (113.681, 22.800), (113.680, 22.749), (113.682, 22.684)]),
    ("园区大桥", RoadClass.PRIMARY, 40, True, False, [(113.662, 22.676), (113.664, 22.669), (113.666, 22.662)]),
    ("园区大道", RoadClass.SECONDARY, 30, True, False, [(113.666, 22.662), (113.666, 22.650), (113.666, 22.640)]),
    ("园区一路", RoadClass.SECONDARY, 30, True, False,
     [(113.652, 22.650), (113.666, 22.650), (113.678, 22.650), (113.688, 22.650)]),
    ("园区二路", RoadClass.SECONDARY, 30, True, False,
     [(113.652, 22.640), (113.666, 22.640), (113.678, 22.640), (113.688, 22.640)]),
    ("园区三路", RoadClass.TERTIARY, 30, True, True, [(113.678, 22.660), (113.678, 22.650), (113.678, 22.640)]),
    ("园区北路", RoadClass.SERVICE, 20, False, False, [(113.652, 22.660), (113.666, 22.662), (113.678, 22.660)]),
]


def load() -> dict:
    if RoadEdge.objects.filter(origin=ORIGIN).exists():
        return {"road_edges": 0}
    lines = [EdgeInput(geometry=LineString(points, srid=4326), name=name, road_class=cls, speed_limit_kmh=limit,
                       hazmat_allowed=hazmat, oneway=oneway)
             for name, cls, limit, hazmat, oneway, points in ROADS]
    return {"road_edges": edges_import(lines=lines, origin=ORIGIN)}
