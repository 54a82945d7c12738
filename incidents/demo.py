"""Incident types of the national classification (国家突发事件总体应急预案: four classes)."""

from django.contrib.gis.geos import Point

from incidents.models import IncidentType

# (code, class, Chinese, English, required capabilities: a unit qualifies with any one)
TYPES = [
    ("fire", "accident", "火灾", "Fire", ["fire_suppression"]),
    ("hazmat-leak", "accident", "危险化学品泄漏", "Hazardous chemical leak", ["hazmat", "gas_detection"]),
    ("explosion", "accident", "爆炸", "Explosion", ["fire_suppression", "hazmat", "rescue"]),
    ("traffic", "accident", "道路交通事故", "Road traffic accident", ["rescue", "ems", "traffic_control"]),
    ("building-collapse", "accident", "建筑物坍塌", "Building collapse", ["collapse_rescue", "heavy_lifting"]),
    ("water-accident", "accident", "水上险情", "Water accident", ["water_rescue"]),
    ("flood", "natural", "洪涝", "Flood", ["water_rescue", "pumping", "flood_control"]),
    ("typhoon", "natural", "台风", "Typhoon", ["rescue", "heavy_lifting", "evacuation"]),
    ("geological", "natural", "地质灾害", "Geological hazard", ["collapse_rescue", "heavy_lifting"]),
    ("mass-casualty", "health", "群体性伤病", "Mass casualty / illness", ["ems", "triage"]),
    ("food-poisoning", "health", "食物中毒", "Food poisoning", ["ems"]),
    ("public-disorder", "security", "群体性事件", "Public disorder", ["security", "traffic_control"]),
]


def load() -> dict:
    created = 0
    for code, klass, zh, en, caps in TYPES:
        _obj, was_created = IncidentType.objects.get_or_create(
            code=code, defaults={"klass": klass, "name_zh": zh, "name_en": en, "required_capabilities": caps})
        created += was_created
    return {"incident_types": created, **load_run_cards(), **load_gazetteer()}


# Run cards (调派方案) of the demo district: severity → [(capability, units)]. "" is the card for
# every severity without its own. Invented for the demo on the pattern of Chinese 119/120
# first-alarm assignments; a real centre types its own in the admin (Incidents › Run cards).
RUN_CARDS = {
    "fire": {
        "IV": [("fire_suppression", 2), ("ems", 1)],
        "III": [("fire_suppression", 4), ("rescue", 1), ("ems", 1), ("traffic_control", 1)],
        "II": [("fire_suppression", 6), ("rescue", 2), ("ems", 2), ("traffic_control", 2), ("evacuation", 1)],
        "I": [("fire_suppression", 8), ("rescue", 3), ("hazmat", 1), ("ems", 3), ("triage", 1),
              ("traffic_control", 2), ("evacuation", 2)],
    },
    "hazmat-leak": {
        "IV": [("hazmat", 1), ("fire_suppression", 1), ("traffic_control", 1)],
        "III": [("fire_suppression", 2), ("hazmat", 1), ("ems", 1), ("traffic_control", 1)],
        "II": [("fire_suppression", 4), ("hazmat", 2), ("decontamination", 1), ("ems", 2), ("traffic_control", 2),
               ("evacuation", 1)],
        "I": [("fire_suppression", 6), ("hazmat", 3), ("decontamination", 1), ("ems", 3), ("triage", 1),
              ("traffic_control", 3), ("evacuation", 2)],
    },
    "explosion": {
        "": [("fire_suppression", 4), ("hazmat", 1), ("rescue", 2), ("ems", 2), ("traffic_control", 2)],
        "I": [("fire_suppression", 8), ("hazmat", 2), ("rescue", 4), ("ems", 4), ("triage", 1),
              ("traffic_control", 3), ("evacuation", 2)],
    },
    "traffic": {
        "IV": [("fire_suppression", 1), ("ems", 1), ("traffic_control", 1)],
        "": [("fire_suppression", 2), ("rescue", 1), ("ems", 2), ("traffic_control", 2)],
    },
    "building-collapse": {"": [("collapse_rescue", 2), ("heavy_lifting", 1), ("fire_suppression", 1), ("ems", 2),
                               ("traffic_control", 1)]},
    "water-accident": {"": [("water_rescue", 2), ("ems", 1)]},
    "flood": {"": [("water_rescue", 2), ("pumping", 1), ("flood_control", 1), ("evacuation", 1)]},
    "typhoon": {"": [("rescue", 2), ("heavy_lifting", 1), ("evacuation", 2)]},
    "geological": {"": [("collapse_rescue", 2), ("heavy_lifting", 1), ("ems", 1), ("evacuation", 1)]},
    "mass-casualty": {"": [("ems", 4), ("triage", 1), ("traffic_control", 1)]},
    "food-poisoning": {"": [("ems", 2)]},
    "public-disorder": {"": [("security", 3), ("traffic_control", 1), ("ems", 1)]},
}


def load_run_cards() -> dict:
    from incidents.models import RunCard, RunCardNeed

    created = 0
    for code, cards in RUN_CARDS.items():
        itype = IncidentType.objects.filter(code=code).first()
        if itype is None:
            continue
        for severity, needs in cards.items():
            card, was_created = RunCard.objects.get_or_create(incident_type=itype, severity=severity)
            if was_created:
                RunCardNeed.objects.bulk_create(
                    RunCardNeed(run_card=card, capability=cap, count=count, position=position)
                    for position, (cap, count) in enumerate(needs))
                created += 1
    return {"run_cards": created}


def load_gazetteer() -> dict:
    """The district's base map and gazetteer (places.demo), plus the places the district's own
    registers already know: enterprises, stations and depots, shelters, schools and hospitals."""
    from hazards.models import Enterprise, SensitiveTarget
    from places import demo as places_demo
    from places.models import Place
    from resources.models import Depot, Resource

    created = places_demo.load()
    known = [(e.name, Place.Kind.ENTERPRISE, e.address, e.location) for e in Enterprise.objects.all()]
    known += [(d.name, Place.Kind.FACILITY, "", d.location) for d in Depot.objects.all()]
    known += [(s.name.split(" ")[0], Place.Kind.FACILITY, "", s.location)
              for s in Resource.objects.filter(kind=Resource.Kind.SHELTER)]
    known += [(t.name, Place.Kind.BUILDING, "", t.location) for t in SensitiveTarget.objects.all()]
    for name, kind, address, location in known:
        _obj, was_created = Place.objects.get_or_create(
            name=name, kind=kind, defaults={"address": address or "", "source": "demo",
                                            "location": Point(location.x, location.y, srid=4326)})
        created["places"] += was_created
    return created
