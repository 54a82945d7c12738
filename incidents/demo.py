"""Incident types of the national classification (国家突发事件总体应急预案: four classes)."""

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
    return {"incident_types": created}
