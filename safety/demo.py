"""The park's safety ledger for the demo (fictional people; the enterprises come from hazards.demo).

Users: safety1 (park safety supervisor), enterprise1 (safety officer of E01 南港氯碱化工),
enterprise2 (safety officer of E03 海澄合成氨). Idempotent: a second run adds nothing.
Some gaps are left on purpose, as a supervisor would find them: RS03's operational responsible
person is missing, one certificate has expired, E02 has filed no commitment.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point
from django.utils import timezone

from core.roles import ENTERPRISE_OFFICER, SAFETY_SUPERVISOR
from hazards.models import Enterprise, RiskSource
from resources.demo import demo_password_hash
from safety import rules, services
from safety.models import (
    Certificate,
    EnterpriseMembership,
    HiddenDanger,
    ResponsiblePerson,
    RiskPoint,
    SafetyCommitment,
    SafetyManager,
    WorkPermit,
)

# (username, role, first name, last name, staff, enterprise code or None)
USERS = [
    ("safety1", SAFETY_SUPERVISOR, "园区安监员", "Park safety supervisor", True, None),
    ("enterprise1", ENTERPRISE_OFFICER, "南港氯碱安全员", "Safety officer, Nangang", False, "E01"),
    ("enterprise2", ENTERPRISE_OFFICER, "海澄合成氨安全员", "Safety officer, Haicheng", False, "E03"),
]

# (risk source, role, name, position, phone): RS03 lacks its 操作负责人 on purpose.
RESPONSIBLE = [
    ("RS01", "main", "陈国强", "总经理", "0756-3301001"), ("RS01", "technical", "李志明", "技术总监", "0756-3301002"),
    ("RS01", "operational", "王海涛", "储运车间主任", "0756-3301003"),
    ("RS03", "main", "赵建华", "总经理", "0756-3302001"), ("RS03", "technical", "孙立新", "技术部经理", "0756-3302002"),
    ("RS04", "main", "周文斌", "总经理", "0756-3303001"), ("RS04", "technical", "吴振宇", "总工程师", "0756-3303002"),
    ("RS04", "operational", "郑晓东", "合成车间主任", "0756-3303003"),
]

# (enterprise, name, position, [(certificate kind, number, expires in days)])
MANAGERS = [
    ("E01", "刘晓燕", "安全环保部部长", [("主要负责人/安全管理人员安全生产知识和管理能力考核合格证", "A-2024-0113", 400)]),
    ("E01", "黄伟", "专职安全员", [("安全生产管理人员考核合格证", "A-2023-0571", -12)]),  # expired
    ("E03", "何静", "安全总监", [("安全生产管理人员考核合格证", "A-2025-0208", 700)]),
    ("E02", "梁俊", "专职安全员", [("安全生产管理人员考核合格证", "A-2024-0930", 25)]),
]

# (enterprise, name, lon, lat, method, L, E, C, S, controls)
RISK_POINTS = [
    ("E01", "液氯储罐区 T-101", 113.6612, 22.6528, "LEC", 3, 6, 40, None, "紧急切断、氯气吸收塔、双人巡检"),
    ("E01", "液氯充装站", 113.6620, 22.6520, "LEC", 1, 6, 15, None, "万向管道充装系统、称重联锁"),
    ("E02", "液化气球罐区", 113.6705, 22.6446, "LS", 3, None, None, 5, "注水措施、喷淋、可燃气体检测"),
    ("E03", "液氨储罐区", 113.6766, 22.6556, "LEC", 1, 6, 40, None, "SIS、围堰、喷淋"),
    ("E03", "合成氨压缩机房", 113.6752, 22.6539, "LS", 2, None, None, 4, "可燃气体检测、防爆电气"),
]


def load() -> dict:
    now = timezone.now()
    users = _users()
    created = {"safety_users": users}
    enterprises = {e.code: e for e in Enterprise.objects.all()}
    if "E01" not in enterprises:
        return created
    for code, role, name, position, phone in RESPONSIBLE:
        source = RiskSource.objects.filter(code=code).first()
        if source:
            ResponsiblePerson.objects.get_or_create(risk_source=source, role=role,
                                                    defaults={"name": name, "title": position, "phone": phone})
    for code, name, position, certificates in MANAGERS:
        manager, _made = SafetyManager.objects.get_or_create(enterprise=enterprises[code], name=name,
                                                             defaults={"position": position})
        for kind, number, days in certificates:
            Certificate.objects.get_or_create(manager=manager, number=number, defaults={
                "kind": kind, "expires_on": timezone.localdate() + dt.timedelta(days=days)})
    officer1 = get_user_model().objects.get(username="enterprise1")
    officer2 = get_user_model().objects.get(username="enterprise2")
    for code, name, lon, lat, method, likelihood, exposure, consequence, severity, controls in RISK_POINTS:
        if not RiskPoint.objects.filter(enterprise=enterprises[code], name=name).exists():
            score = rules.risk_score(method, likelihood=likelihood, exposure=exposure, consequence=consequence,
                                     severity=severity)
            RiskPoint.objects.create(enterprise=enterprises[code], name=name, location=Point(lon, lat, srid=4326),
                                     method=method, likelihood=likelihood, exposure=exposure,
                                     consequence=consequence, severity=severity, score=score,
                                     colour=rules.risk_colour(method, score), controls=controls)
    if not HiddenDanger.objects.exists():
        services.hidden_danger_report(
            actor=officer1, enterprise_id=enterprises["E01"].pk, title="液氯充装未使用万向管道充装系统（2号鹤位）",
            place="液氯充装站 2号鹤位", location=enterprises["E01"].location, criteria=["121-07"],
            deadline=now + dt.timedelta(days=10),
            description="2号鹤位仍使用金属软管充装。")
        services.hidden_danger_report(
            actor=officer1, enterprise_id=enterprises["E01"].pk, title="T-102 储罐区消防通道堆放杂物",
            place="储罐区东侧通道", location=enterprises["E01"].location, level="general", deadline=now + dt.timedelta(days=2))
        hd = services.hidden_danger_report(
            actor=officer2, enterprise_id=enterprises["E03"].pk, title="压缩机房可燃气体检测器 AT-305 未标定",
            place="合成氨压缩机房", location=enterprises["E03"].location, level="general", deadline=now + dt.timedelta(days=5))
        services.hidden_danger_plan(actor=officer2, hidden_danger_id=hd.pk, measures="联系有资质单位标定并记录",
                                    responsible="郑晓东")
    if not SafetyCommitment.objects.filter(date=timezone.localdate()).exists():
        for user, code in ((officer1, "E01"), (officer2, "E03")):
            services.commitment_file(actor=user, enterprise_id=enterprises[code].pk, units_running=3, units_stopped=1,
                                     special_work=1, risk_level="yellow")
    if not WorkPermit.objects.exists():
        start = now - dt.timedelta(minutes=10)
        permit = services.work_permit_submit(
            actor=officer2, enterprise_id=enterprises["E03"].pk, kind="confined_space", place="T-301 液氨储罐内部检修",
            location=Point(113.6768, 22.6557, srid=4326), valid_from=start, valid_to=start + dt.timedelta(hours=8),
            toxic_limit_ppm=25,
            gas_tests=[{"at": now - dt.timedelta(minutes=5), "combustible_percent": 0.1, "lel_percent": 15,
                        "o2_percent": 20.8, "toxic_ppm": 5}])
        services.work_permit_approve(actor=officer2, permit_id=permit.pk, level="unit_head", approver="郑晓东",
                                     on_site=True)
        services.work_permit_start(actor=officer2, permit_id=permit.pk)
        services.work_filing_create(actor=officer2, enterprise_id=enterprises["E03"].pk, permit=permit.pk)
        welding = services.contractor_register(
            actor=officer1, enterprise_id=enterprises["E01"].pk, name="珠江安装工程有限公司",
            credit_code="91440400MA4X00001K", contact="黄工", qualifications=[
                {"kind": "安全生产许可证", "number": "(粤)JZ安许证字〔2024〕000001",
                 "valid_to": timezone.localdate() + dt.timedelta(days=400)},
                {"kind": "特种作业操作证(焊接与热切割)", "number": "T440400199001010011",
                 "valid_to": timezone.localdate() + dt.timedelta(days=20)}])
        # Second grade as asked; managed one grade up at night or on a rest day (GB 30871-2022 5.1.1).
        services.work_permit_submit(
            actor=officer1, enterprise_id=enterprises["E01"].pk, kind="hot_work", grade="second",
            place="机修车间外管廊支架焊接", valid_from=now + dt.timedelta(hours=2),
            valid_to=now + dt.timedelta(hours=8), contractor=welding.pk)
    services.enterprise_colours_recompute_all(reason="demo")
    return created


def _users() -> int:
    User = get_user_model()
    made = 0
    for username, role, first, last, staff, code in USERS:
        user, was_created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "is_staff": staff})
        if not was_created and user.last_name == last:  # one language (issue 22.10, command.demo)
            User.objects.filter(pk=user.pk).update(last_name="")
        if was_created:
            user.password = demo_password_hash()
            user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name=role))
            made += 1
        if code:
            enterprise = Enterprise.objects.filter(code=code).first()
            if enterprise:
                EnterpriseMembership.objects.get_or_create(user=user, defaults={"enterprise": enterprise})
    return made
