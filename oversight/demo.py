"""The park's safety administration for the demo (fictional numbers). Idempotent. Left on purpose,
as a supervisor would find them: E03's hazardous-chemicals safe-use licence lapses in 45 days,
RS01's operational lead last checked 10 days ago (weekly duty: overdue), RS03's assessment
falls due within three months and most sources have no assessment on record yet."""

import datetime as dt

from django.utils import timezone

from hazards.models import Enterprise, RiskSource
from oversight.models import DutyCheck, Evaluation, Licence
from safety import services as ledger_services

LICENCES = [  # (enterprise, kind, number, days from today to the end of validity)
    ("E01", "safety_production", "(粤)WH安许证字[2024]0101", 700),
    ("E02", "hazchem_operation", "粤珠危化经字[2023]0202", 400),
    ("E03", "safety_production", "(粤)WH安许证字[2025]0303", 900),
    ("E03", "hazchem_use", "粤珠危化使字[2023]0033", 45),
    ("E04", "hazchem_operation", "粤珠危化经字[2024]0404", 1000),
]
CHECKS = [  # (risk source, role, person, days ago, findings)
    ("RS01", "technical", "李志明", 5, "液氯储罐区联锁、紧急切断阀月度检查，正常"),
    ("RS01", "operational", "王海涛", 10, "巡检：T-102 液位计显示与现场一致"),
]
EVALUATIONS = [  # (risk source, agency, report number, days ago)
    ("RS01", "珠海某安全评价有限公司", "ZHAP-2024-017", 730),
    ("RS03", "广东某安全技术服务有限公司", "GDAT-2024-102", 3 * 365 - 60),
]


def load() -> dict:
    today, now = timezone.localdate(), timezone.now()
    enterprises = {e.code: e for e in Enterprise.objects.filter(code__in={row[0] for row in LICENCES})}
    sources = {s.code: s for s in RiskSource.objects.filter(code__in={row[0] for row in CHECKS + EVALUATIONS})}
    created = {"licences": 0, "duty_checks": 0, "evaluations": 0}
    for code, kind, number, days in LICENCES:
        if code in enterprises:
            _l, new = Licence.objects.get_or_create(
                enterprise=enterprises[code], kind=kind, number=number,
                defaults={"valid_from": today - dt.timedelta(days=1095 - days), "valid_to": today + dt.timedelta(days=days),
                          "scope": "（演示数据）"})
            created["licences"] += new
    for code, role, person, days, findings in CHECKS:
        if code in sources and not DutyCheck.objects.filter(risk_source=sources[code], role=role).exists():
            DutyCheck.objects.create(risk_source=sources[code], role=role, person=person,
                                     at=now - dt.timedelta(days=days), findings=findings)
            created["duty_checks"] += 1
    for code, agency, number, days in EVALUATIONS:
        if code in sources:
            _e, new = Evaluation.objects.get_or_create(
                risk_source=sources[code], report_number=number,
                defaults={"agency": agency, "completed_on": today - dt.timedelta(days=days)})
            created["evaluations"] += new
    if any(created.values()):
        for enterprise_id in {s.enterprise_id for s in sources.values()}:
            ledger_services.enterprise_colour_recompute(enterprise_id=enterprise_id, reason="demo")
    return created
