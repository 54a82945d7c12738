"""Demo warnings: an issued yellow typhoon warning over the coast and a red draft for the park.

Written through the services, as a commander, so the issued one has a real CAP identity and
its event on the stream. Idempotent: nothing is added when demo alerts exist already.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from alerts import services
from alerts.models import Alert

# CAP polygons ("lat,lon", closed) inside the demo district (113.46–113.72 E, 22.62–22.88 N).
COAST = "22.62,113.55 22.62,113.72 22.74,113.72 22.74,113.55 22.62,113.55"
CHEMICAL_PARK = "22.66,113.62 22.66,113.67 22.70,113.67 22.70,113.62 22.66,113.62"


def load() -> dict:
    if Alert.objects.exists():
        return {"alerts": 0}
    commander = get_user_model().objects.get(username="commander1")
    now = timezone.now()
    typhoon = services.alert_create(
        actor=commander, level="yellow", category="Met", event="台风", event_en="Typhoon",
        headline="台风黄色预警", headline_en="Typhoon yellow warning",
        description="受台风影响，预计未来24小时内沿海地区平均风力可达8级以上，阵风10级。",
        description_en="Within 24 hours, mean winds of force 8 or more, gusting to 10, are expected on the coast.",
        instructions="停止露天集体活动和高空作业；渔船回港避风；沿海人员转移至避护场所。",
        instructions_en="Stop outdoor gatherings and work at height; fishing boats return to port; "
                        "people on the coast move to shelters.",
        area=COAST, area_description="港湾街道、海澄镇、渔洲镇沿海区域",
        expires=now + timedelta(hours=36))
    services.alert_issue(actor=commander, alert_id=typhoon.pk)
    services.alert_create(
        actor=commander, level="red", category="CBRNE", event="危险化学品泄漏",
        headline="化工园区危险化学品泄漏红色预警（草稿）",
        description="化工园区发生危险化学品泄漏，园区及周边下风向区域人员请立即撤离。",
        instructions="关闭门窗，按指引向上风向撤离。",
        area=CHEMICAL_PARK, area_description="化工园区及周边",
        expires=now + timedelta(hours=12))
    return {"alerts": 2}
