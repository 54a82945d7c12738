"""Demo plans and rosters (idempotent): four published plans, one retired version, duty posts,
a month of shifts for the demo users and one deliberate gap so the gap list shows something.

Plan texts and actions are invented for a fictional district. The thresholds of the overall
and hazardous-chemical plans follow the accident grades of 生产安全事故报告和调查处理条例 Art. 3
(deaths 30/10/3, serious injuries 100/50/10; see docs/domain.md); those of the flood and
typhoon plan are demo values, not taken from any standard.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from core import roles
from hazards.models import Enterprise, RiskSource
from incidents.models import IncidentType
from plans.models import Action, DutyPost, Plan, PlanContact, ResponseLevel, Shift
from resources.demo import demo_password_hash
from resources.models import Agency

ACCIDENT_THRESHOLDS = {
    "I": {"min_deaths": 30, "min_injuries": 100},
    "II": {"min_deaths": 10, "min_injuries": 50},
    "III": {"min_deaths": 3, "min_injuries": 10},
    "IV": {},
}
FLOOD_THRESHOLDS = {
    "I": {"min_deaths": 10, "min_evacuated": 50000},
    "II": {"min_deaths": 3, "min_evacuated": 10000},
    "III": {"min_deaths": 1, "min_evacuated": 1000},
    "IV": {"min_affected": 100},
}

# (level, [(title, agency code, role, minutes, instructions)])
OVERALL_ACTIONS = {
    "IV": [("值班员核实信息并报告带班领导", "EMB", "区总值班室", 10, "电话核实事发地点、伤亡、影响范围。"),
           ("通知属地镇街和行业主管部门", "EMB", "区总值班室", 15, "")],
    "III": [("值班员核实信息并报告带班领导", "EMB", "区总值班室", 10, ""),
            ("带班领导赶赴现场成立现场指挥部", "EMB", "带班领导", 30, ""),
            ("30分钟内电话报告区委区政府", "EMB", "区总值班室", 30, "按初报要求口头报告，1小时内书面报告。")],
    "II": [("启动区级应急指挥部", "EMB", "指挥长", 20, ""),
           ("向市应急管理局报告", "EMB", "区总值班室", 15, "")],
    "I": [("请求市级及以上支援", "EMB", "指挥长", 15, "")],
}
HAZMAT_ACTIONS = {
    "IV": [("派出危化品处置车和侦检小组", "FIRE", "化工园区特勤站", 10, "佩戴正压式呼吸器，上风向进入。"),
           ("通知园区管委会和企业启动现场处置方案", "EMB", "区总值班室", 10, "")],
    "III": [("派出危化品处置车和侦检小组", "FIRE", "化工园区特勤站", 10, ""),
            ("划定警戒区并实施交通管制", "PSB", "交警大队", 20, "按侦检结果和模拟扩散范围设置警戒线。"),
            ("组织下风向群众疏散", "PSB", "属地街道", 30, "优先疏散学校、医院等敏感目标。"),
            ("调派救护车到警戒区外待命", "EMS", "急救指挥中心", 15, "")],
    "II": [("启动区级危化品事故应急指挥部", "EMB", "指挥长", 20, ""),
           ("开展环境监测并发布提示", "EMB", "环境监测组", 45, "")],
    "I": [("请求市消防救援支队和国家危化品救援队增援", "FIRE", "指挥长", 20, "")],
}
FLOOD_ACTIONS = {
    "IV": [("发布防汛防台风预警信息", "EMB", "区三防办", 30, ""),
           ("巡查低洼易涝点和在建工地", "WATER", "区水务局", 60, "")],
    "III": [("转移低洼地区和危房群众", "EMB", "属地镇街", 60, "开放就近避难场所。"),
            ("预置排水泵和抢险队伍", "WATER", "工程抢险队", 45, "")],
    "II": [("开放全部避难场所", "EMB", "区三防办", 60, ""),
           ("停课停工停业的建议报区政府", "EMB", "指挥长", 30, "")],
    "I": [("请求驻地部队和市级支援", "EMB", "指挥长", 30, "")],
}
ONSITE_ACTIONS = {
    "IV": [("企业启动现场处置方案，切断泄漏源", "", "企业应急小组", 5, "关闭紧急切断阀，启动喷淋吸收。"),
           ("企业向园区管委会和区总值班室报告", "", "企业安全负责人", 10, "")],
    "III": [("企业启动现场处置方案，切断泄漏源", "", "企业应急小组", 5, ""),
            ("园区启动水幕稀释和围堵", "FIRE", "化工园区特勤站", 15, ""),
            ("园区内人员向上风向集合点撤离", "", "企业安全负责人", 15, "")],
}

POSTS = [
    ("LEAD", "带班领导", "Leader on duty", 1, True),
    ("OFFICER", "值班员", "Duty officer", 2, True),
    ("DISPATCH", "调度员", "Dispatcher", 3, True),
    ("TECH", "技术保障", "Technical support", 4, False),
]
POST_ROLES = {"LEAD": roles.COMMANDER, "OFFICER": roles.DUTY_OFFICER, "DISPATCH": roles.DISPATCHER}
# Extra people so each post rotates; the demo's role users are among them.
EXTRA_USERS = [
    ("duty2", roles.DUTY_OFFICER, "值班员二", "Duty officer 2"),
    ("duty3", roles.DUTY_OFFICER, "值班员三", "Duty officer 3"),
    ("dispatcher2", roles.DISPATCHER, "调度员二", "Dispatcher 2"),
    ("commander2", roles.COMMANDER, "副指挥长", "Deputy commander"),
]
ROTATION = {  # post: (shift hours, people; the first is on duty at load time)
    "LEAD": (24, ["commander1", "commander2"]),
    "OFFICER": (12, ["duty1", "duty2", "duty3"]),
    "DISPATCH": (24, ["dispatcher1", "dispatcher2"]),
}


def load() -> dict:
    created = {"plans": 0, "duty_posts": 0, "shifts": 0}
    created["plans"] = _plans()
    for code, name, name_en, order, cover in POSTS:
        post, was_created = DutyPost.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "order": order, "requires_cover": cover,
                                 "role": POST_ROLES.get(code, "")})
        if not was_created and not post.role and POST_ROLES.get(code):
            DutyPost.objects.filter(pk=post.pk).update(role=POST_ROLES[code])
        created["duty_posts"] += was_created
    if not Shift.objects.exists():
        created["shifts"] = _roster()
    return created


def _plans() -> int:
    if Plan.objects.exists():
        return 0
    agencies = {a.code: a for a in Agency.objects.all()}
    types = {t.code: t for t in IncidentType.objects.all()}
    planner = get_user_model().objects.filter(username="planner1").first()
    now = timezone.now()
    emb = agencies.get("EMB")

    def plan(code, version, title, kind, type_codes, actions, thresholds, status=Plan.Status.PUBLISHED, **text):
        p = Plan.objects.create(
            code=code, version=version, title=title, kind=kind, status=status, issuing_agency=emb,
            effective_date=timezone.localdate() - dt.timedelta(days=200 if status == Plan.Status.RETIRED else 30),
            published_at=now, published_by=planner, **text)
        p.incident_types.set([types[c] for c in type_codes if c in types])
        for lv, rows in actions.items():
            level = ResponseLevel.objects.create(plan=p, level=lv, **thresholds.get(lv, {}),
                                                 trigger_text=f"{lv} 级响应条件见正文。")
            for order, (title_, agency, role, minutes, instructions) in enumerate(rows, start=1):
                Action.objects.create(level=level, order=order, title=title_, instructions=instructions,
                                      responsible_agency=agencies.get(agency), responsible_role=role,
                                      time_limit_min=minutes)
        PlanContact.objects.create(plan=p, name="区总值班室", position="24小时值班", organisation="区应急管理局",
                                   phone="0756-1234567")
        return p

    plan("ZT-01", 1, "区突发事件总体应急预案", Plan.Kind.OVERALL, [], OVERALL_ACTIONS, ACCIDENT_THRESHOLDS,
         scope="适用于本区行政区域内各类突发事件的应对工作。", organisation="区应急委员会统一领导，区应急管理局承担日常工作。",
         reporting="事发后30分钟内电话报告，1小时内书面报告（初报、续报、终报）。",
         response_end="险情消除、次生灾害风险排除后，由启动响应的指挥机构宣布终止。")
    old = plan("ZX-WH-01", 1, "区危险化学品事故专项应急预案（2023版）", Plan.Kind.SPECIAL,
               ["hazmat-leak", "explosion"], {"IV": HAZMAT_ACTIONS["IV"], "III": HAZMAT_ACTIONS["III"]},
               ACCIDENT_THRESHOLDS, status=Plan.Status.RETIRED)
    new = plan("ZX-WH-01", 2, "区危险化学品事故专项应急预案", Plan.Kind.SPECIAL, ["hazmat-leak", "explosion", "fire"],
               HAZMAT_ACTIONS, ACCIDENT_THRESHOLDS, scope="适用于化工园区及全区危险化学品泄漏、火灾、爆炸事故。",
               measures="侦检、警戒、堵漏、洗消、疏散；按扩散模拟结果动态调整警戒区。")
    new.previous = old
    new.save(update_fields=["previous"])
    plan("ZX-FX-01", 1, "区防汛防台风专项应急预案", Plan.Kind.SPECIAL, ["flood", "typhoon"], FLOOD_ACTIONS,
         FLOOD_THRESHOLDS, scope="适用于暴雨洪涝、台风、风暴潮灾害的防御和应急处置。")
    onsite = plan("XC-E01-01", 1, "南港氯碱化工有限公司液氯泄漏现场处置方案", Plan.Kind.ONSITE,
                  ["hazmat-leak", "fire", "explosion"], ONSITE_ACTIONS, ACCIDENT_THRESHOLDS,
                  scope="适用于南港氯碱化工有限公司液氯储罐区、充装区的泄漏事故。")
    onsite.enterprises.set(Enterprise.objects.filter(code="E01"))
    onsite.risk_sources.set(RiskSource.objects.filter(enterprise__code="E01"))
    return 5


def _roster() -> int:
    User = get_user_model()
    for username, role, zh, en in EXTRA_USERS:
        user, was_created = User.objects.get_or_create(username=username, defaults={"first_name": zh, "last_name": en})
        if was_created:
            user.password = demo_password_hash()
            user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name=role))
    people = {u.username: u for u in User.objects.filter(username__in=[
        name for _h, names in ROTATION.values() for name in names] + ["planner1"])}
    posts = {p.code: p for p in DutyPost.objects.all()}
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    # Shifts change at 08:00 local time; start three days back so "now" is always covered.
    origin = dt.datetime.combine(today - dt.timedelta(days=3), dt.time(8), tzinfo=tz)
    now = timezone.now()
    until = origin + dt.timedelta(days=34)
    # The deliberate gap: nobody on the OFFICER night shift two days from now.
    gap_start = dt.datetime.combine(today + dt.timedelta(days=2), dt.time(20), tzinfo=tz)
    shifts = []
    for code, (length, names) in ROTATION.items():
        staff = [people[n] for n in names if n in people]
        if not staff:
            continue
        step = dt.timedelta(hours=length)
        current = int((now - origin) / step)  # the slot covering now goes to the first person
        slot, start = 0, origin
        while start < until:
            if not (code == "OFFICER" and start == gap_start):
                shifts.append(Shift(post=posts[code], person=staff[(slot - current) % len(staff)],
                                    start=start, end=start + step))
            slot, start = slot + 1, start + step
    if "planner1" in people:
        for day in range(34):
            date = origin.date() + dt.timedelta(days=day)
            if date.weekday() < 5:
                start = dt.datetime.combine(date, dt.time(8, 30), tzinfo=tz)
                shifts.append(Shift(post=posts["TECH"], person=people["planner1"], start=start,
                                    end=start + dt.timedelta(hours=9)))
    Shift.objects.bulk_create(shifts)
    return len(shifts)
