"""Demo drill scenario: the chlorine tank farm's on-site plan, rehearsed as a tabletop drill,
and a last drill eight months ago, so the six-monthly on-site drill shows as overdue."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.utils import timezone

from drills.models import Drill, Inject, Scenario


def load() -> dict:
    if Scenario.objects.exists():
        return {"scenarios": 0}
    from hazards.models import Enterprise
    from incidents.models import IncidentType
    from plans.models import Plan

    planner = get_user_model().objects.filter(username="planner1").first()
    director = get_user_model().objects.filter(username="dispatcher1").first()
    plan = Plan.objects.filter(code="XC-E01-01", status=Plan.Status.PUBLISHED).first()
    leak = IncidentType.objects.filter(code="hazmat-leak").first()
    scenario = Scenario.objects.create(
        title="液氯储罐泄漏桌面推演", kind=Scenario.Kind.TABLETOP,  # one language: data, not a label
        scope=Scenario.Scope.COMBINED, plan=plan, enterprise=Enterprise.objects.filter(code="E01").first(),
        objectives="检验现场处置方案的报警、疏散和堵漏流程；检验区指挥中心调度与预警发布。",
        description="T-102 储罐法兰泄漏，东南风转东北风，下风向有学校。", created_by=planner)
    tank = Point(113.6612, 22.6528, srid=4326)
    Inject.objects.create(scenario=scenario, offset_s=0, kind=Inject.Kind.CALL, title="（演练）液氯储罐区泄漏",
                          text="企业中控室报告：T-102 法兰处泄漏，现场有刺激性气味。", location=tank,
                          address="化工园区 南港氯碱 储罐区", incident_type=leak, severity="III",
                          caller_name="中控室值班长", caller_phone="0756-7000001")
    from monitoring.models import MonitoringPoint, PointKind

    # The toxic-gas detector of the tank farm the drill is about (monitoring.demo), HH.
    detector = (MonitoringPoint.objects.filter(kind=PointKind.TOXIC_GAS, risk_source__enterprise__code="E01")
                .order_by("code").first())
    Inject.objects.create(scenario=scenario, offset_s=120, kind=Inject.Kind.ALARM, title="有毒气体检测报警（二级）",
                          point=detector, level="hh")
    Inject.objects.create(scenario=scenario, offset_s=240, kind=Inject.Kind.RELEASE, title="泄漏量估算 0.5 kg/s",
                          chemical_cas="7782-50-5", rate_kg_s=0.5, wind_speed_ms=3.0, wind_from_deg=135,
                          stability="D", location=tank)
    Inject.objects.create(scenario=scenario, offset_s=360, kind=Inject.Kind.FURTHER_CALL, title="学校来电",
                          text="园区北侧小学报告闻到异味。", caller_name="学校保卫处")
    Inject.objects.create(scenario=scenario, offset_s=600, kind=Inject.Kind.WIND_CHANGE, title="风向转东北风",
                          wind_speed_ms=4.0, wind_from_deg=45, stability="D")
    if director is not None:
        # The last drill of this plan, eight months ago: the next one is overdue.
        ago = timezone.now() - dt.timedelta(days=240)
        Drill.objects.create(scenario=scenario, status=Drill.Status.ENDED, speed=10, created_by=director,
                             started_at=ago, started_by=director, ended_at=ago + dt.timedelta(hours=1),
                             summary="上次演练：疏散路线标识不清，已整改。")
    return {"scenarios": 1}
