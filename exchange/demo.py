"""The 双重预防 exchange for the demo (fictional data). Idempotent. E01's own system is connected
and has sent its risk list for the liquid chlorine tank farm; E02's system is connected but went
silent 30 hours ago (stale: on the supervisor's overview). Tokens of demo systems are not kept:
issue a new one on /exchange/ to try the API."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from exchange import services
from exchange.models import Credential, Sync
from hazards.models import Enterprise

BATCH = {
    "riskObjects": [{"id": "DEMO-O1", "hazardCode": "RS01", "hazardName": "液氯储罐区", "riskLevel": 1,
                     "hazardDep": "储运部", "hazardLiablePerson": "李志明"}],
    "riskUnits": [{"id": "DEMO-U1", "riskObjectId": "DEMO-O1", "riskUnitName": "T-101 液氯储罐"}],
    "riskEvents": [{"id": "DEMO-EV1", "riskUnitId": "DEMO-U1", "riskEventName": "储罐泄漏中毒", "riskLevel": 1}],
    "controlMeasures": [{"id": "DEMO-M1", "riskEventId": "DEMO-EV1", "riskMeasureDesc": "液位高高联锁切断进料",
                         "classify1": "工程技术", "troubleshootContent": "联锁投用、旁路未启用"}],
    "checkTasks": [{"id": "DEMO-T1", "riskMeasureId": "DEMO-M1", "troubleshootContent": "检查联锁投用状态",
                    "checkCycle": 1, "checkCycleUnit": "day", "workPost": "内操"}],
}


def load() -> dict:
    supervisor = get_user_model().objects.filter(username="safety1").first()
    enterprises = {e.code: e for e in Enterprise.objects.filter(code__in=["E01", "E02"])}
    created = {"exchange_credentials": 0}
    if supervisor is None:
        return created
    for code, system in (("E01", "企业双重预防信息系统（演示）"), ("E02", "双预控平台（演示）")):
        enterprise = enterprises.get(code)
        if enterprise is None or Credential.objects.filter(enterprise=enterprise).exists():
            continue
        credential, _token = services.credential_issue(actor=supervisor, enterprise_id=enterprise.pk, name=system)
        created["exchange_credentials"] += 1
        if code == "E01":
            services.batch_receive(credential=credential, data=BATCH)
        else:
            Sync.objects.filter(enterprise=enterprise).update(last_success_at=timezone.now() - dt.timedelta(hours=30),
                                                              last_attempt_at=timezone.now() - dt.timedelta(hours=30),
                                                              batches=12)
    return created
