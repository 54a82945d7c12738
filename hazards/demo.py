"""The chemical park on the island in the south-east of the demo district (fictional)."""

from django.contrib.gis.geos import Point

from hazards.models import Enterprise

# (code, name, English name, lon, lat)
ENTERPRISES = [
    ("E01", "南港氯碱化工有限公司", "Nangang Chlor-Alkali Chemical Co.", 113.662, 22.652),
    ("E02", "珠澳液化气储运有限公司", "Zhu'ao LPG Storage and Transport Co.", 113.671, 22.645),
    ("E03", "海澄合成氨有限公司", "Haicheng Synthetic Ammonia Co.", 113.676, 22.655),
    ("E04", "港湾石化仓储有限公司", "Gangwan Petrochemical Terminal Co.", 113.657, 22.641),
    ("E05", "明珠精细化工有限公司", "Mingzhu Fine Chemicals Co.", 113.683, 22.648),
    ("E06", "青沙新材料科技有限公司", "Qingsha New Materials Technology Co.", 113.666, 22.660),
]


def load() -> dict:
    created = 0
    for code, name, name_en, lon, lat in ENTERPRISES:
        _obj, was_created = Enterprise.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "in_chemical_park": True,
                                 "address": f"化工园区 {name_en}", "location": Point(lon, lat, srid=4326)})
        created += was_created
    return {"enterprises": created}
