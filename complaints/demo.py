"""Demo tickets: a realistic few hundred through the services, and a bulk history for benchmarks.

`seed_tickets` logs tickets the normal way (`services.ticket_create` and the actions), so their
clocks, events and notifications are exactly what the product makes; each ticket is logged at
its receipt time (`now=` a past moment) and advanced through a plausible part of its lifecycle.

`bulk_tickets` writes a large closed history straight into the tables with COPY (PostgreSQL only),
for benchmarks of the sweep and the lists: tickets, their clocks and their events, consistent with
the database constraints and with each other (events numbered 1…n per ticket; a clock is
`met` or `met_late` by comparing its `met_at` with its `due_at`).
"""

import datetime as dt
import io
import math
import random
import threading
import time
from array import array
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, reset_queries, transaction
from django.db.models import Count

from complaints import clocks, services
from complaints.models import (
    BACKDATABLE_CHANNELS,
    Category,
    Channel,
    Deadline,
    RepairKind,
    Satisfaction,
    Severity,
    Ticket,
    TicketEvent,
    TicketSequence,
)
from stations.calendar import SHANGHAI
from stations.demo import mobile, person_name, skip_foreign_key_checks, split_evenly
from stations.models import Area, Household, Profile, Role
from stations.selectors import policy_current, work_calendar

# ---------------------------------------------------------------------------------------------
# What residents say (DOMAIN.md §3 categories)
# ---------------------------------------------------------------------------------------------

CONTENT = {
    (Category.REPAIR, RepairKind.GENERAL_FAULT): [
        "暖气不热,室温14度",
        "卧室暖气片上热下凉",
        "暖气片有空气,摸着半截热半截凉,需要放气",
        "地暖分水器回水管不热",
        "入户阀门拧不动,暖气时热时不热",
        "客厅暖气片完全不热,其他房间正常",
        "暖气管道有异响,咕噜咕噜响一晚上",
    ],
    (Category.REPAIR, RepairKind.LEAK): [
        "楼道管道漏水",
        "暖气片接口滴水,地板已经湿了",
        "厨房暖气管道漏水,已关闭入户阀门",
        "地下室供热管道跑水",
        "放气阀关不严,一直滴水",
        "楼上暖气漏水渗到我家顶棚",
    ],
    (Category.REPAIR, RepairKind.EQUIPMENT_FAULT): [
        "单元入户总阀损坏,整个单元不热",
        "楼前井管道阀门故障,整栋楼不热",
        "小区换热站循环泵停了,多户反映不热",
        "单元热力入口过滤器堵塞,全单元温度低",
    ],
    (Category.TOO_COLD, ""): [
        "室温只有15度,门窗关闭三小时以上",
        "家里室温14度,老人怕冷,请尽快处理",
        "供暖以来室温一直不达标,只有15.5度",
        "北面卧室温度低,只有13度",
        "晚上室温降到14度,白天16度左右",
    ],
    (Category.COMPLAINT, ""): [
        "维修人员约好上午上门但一直没来",
        "报修电话打了三次都没人接",
        "收费大厅排队时间过长,工作人员态度生硬",
        "上次维修后问题没解决,也没人回访",
        "停热检修没有提前通知",
    ],
    (Category.MISCONDUCT, ""): [
        "维修师傅索要好处费才肯修",
        "工作人员上门要求请吃饭",
        "有人冒充供热公司收取维修费",
    ],
    (Category.SUGGESTION, ""): [
        "建议在小区公告栏提前公布停热检修时间",
        "希望开通微信缴费和报修",
        "建议维修完成后短信告知结果",
        "建议增加夜间值班维修人员",
    ],
    (Category.HEATING_APPLICATION, ""): [
        "新房装修完入住,申请开通供暖",
        "去年报停,今年申请恢复用热",
        "商铺申请接入集中供热",
    ],
    (Category.STOP_RESUME, ""): [
        "长期外出,申请本采暖季停热",
        "房屋出售,申请办理停热",
        "申请恢复供暖,已缴清费用",
    ],
    (Category.ENQUIRY, ""): [
        "咨询今年供暖收费标准",
        "咨询供暖开始和结束时间",
        "咨询房屋过户后供热户名如何变更",
        "咨询暖气费缴纳方式和地点",
        "咨询室温不达标如何申请测温",
        "咨询停热期间是否收取基本热费",
    ],
}
CATEGORY_WEIGHTS = {
    Category.REPAIR: 38,
    Category.TOO_COLD: 27,
    Category.ENQUIRY: 12,
    Category.COMPLAINT: 9,
    Category.STOP_RESUME: 4,
    Category.SUGGESTION: 4,
    Category.HEATING_APPLICATION: 3,
    Category.MISCONDUCT: 3,
}
REPAIR_KIND_WEIGHTS = {RepairKind.GENERAL_FAULT: 60, RepairKind.LEAK: 30, RepairKind.EQUIPMENT_FAULT: 10}
MAJOR_CONTENT = {
    RepairKind.LEAK: "楼道供热主管道爆裂,大量跑水,多户受影响",
    RepairKind.EQUIPMENT_FAULT: "小区换热站设备故障,整个小区停暖",
}
RESOLUTION = {
    Category.REPAIR: "已更换阀门并排气,暖气恢复正常",
    Category.TOO_COLD: "调节入户阀门并清洗过滤器,复测室温18.5度",
    Category.COMPLAINT: "已向住户说明情况并致歉,责任人已批评教育",
    Category.MISCONDUCT: "经核查已严肃处理相关人员,结果已告知举报人",
    Category.SUGGESTION: "建议已采纳,将在下一采暖季落实",
    Category.HEATING_APPLICATION: "已办理开通手续,安排上门开阀",
    Category.STOP_RESUME: "已办理,相关费用已按规定核算",
    Category.ENQUIRY: "已电话详细答复",
}
_DAY_HOURS = list(range(24))
_HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 8, 12, 12, 11, 10, 8, 8, 10, 10, 9, 8, 8, 9, 8, 6, 3, 2]


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _content(rng: random.Random, category: str, repair_kind: str) -> str:
    return rng.choice(CONTENT[(category, repair_kind)])


# ---------------------------------------------------------------------------------------------
# Demo tickets through the services
# ---------------------------------------------------------------------------------------------


@dataclass
class TicketSeedResult:
    created: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


@dataclass
class _Cast:
    """The demo staff who log and handle tickets."""

    agents: list
    heads: dict[int, object]  # station id → head
    workers: dict[int, object]  # station id → worker
    servicemen: dict[int, object]  # area id → serviceman
    inspector: object | None
    manager: object | None

    @classmethod
    def load(cls) -> "_Cast":
        profiles = list(Profile.objects.select_related("user").order_by("user__username"))
        users = {p.user_id: p.user for p in profiles}
        by_role: dict[str, list] = {}
        for p in profiles:
            by_role.setdefault(p.role, []).append(p)
        managers = [p.user for p in profiles if p.role in {Role.OPS_CHIEF, Role.MANAGER, Role.DEPUTY_CHIEF}]
        inspectors = by_role.get(Role.INSPECTOR, [])
        return cls(
            agents=[p.user for p in by_role.get(Role.AGENT, [])],
            heads={p.station_id: p.user for p in by_role.get(Role.STATION_HEAD, [])},
            workers={p.station_id: p.user for p in reversed(by_role.get(Role.WORKER, []))},
            servicemen={
                area_id: users[user_id]
                for area_id, user_id in Area.objects.exclude(serviceman=None).values_list("pk", "serviceman_id")
                if user_id in users
            },
            inspector=inspectors[0].user if inspectors else None,
            manager=managers[0] if managers else None,
        )


@dataclass
class _Plan:
    at: dt.datetime
    category: str
    household: Household | None
    actor: object
    repair_kind: str = ""
    severity: str = Severity.GENERAL
    channel: str = Channel.PHONE
    received_at: dt.datetime | None = None
    answered_on_spot: bool = False
    content: str = ""
    caller: tuple[str, str] | None = None
    stage: int | None = None  # how many lifecycle steps to take; None: decided by age
    satisfaction: str | None = None  # the return visit's answer; None: drawn at random


class _HouseholdPicker:
    """A random household by id range (an index probe, not OFFSET: cheap with a million rows)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        bounds = Household.objects.order_by("pk").values_list("pk", flat=True)
        self.low = bounds.first()
        self.high = bounds.last()

    def pick(self) -> Household | None:
        if self.low is None:
            return None
        probe = self.rng.randint(self.low, self.high)
        return Household.objects.filter(pk__gte=probe).order_by("pk").first()


def _random_time(rng: random.Random, now: dt.datetime, days: float) -> dt.datetime:
    """A moment in the last `days`, mostly in the daytime (Asia/Shanghai)."""
    at = (now - dt.timedelta(seconds=rng.uniform(600, days * 86400))).astimezone(SHANGHAI)
    if at.hour < 7 or at.hour >= 22:
        hour = rng.choices(_DAY_HOURS, weights=_HOUR_WEIGHTS)[0]
        at = at.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))
        if at >= now - dt.timedelta(minutes=10):
            at -= dt.timedelta(days=1)
    return at


def _caller(rng: random.Random, household: Household | None) -> tuple[str, str]:
    if household is not None and rng.random() < 0.8:
        return household.resident_name, household.phone
    if household is not None:
        return household.resident_name[0] + person_name(rng)[1:], mobile(rng)
    return person_name(rng), mobile(rng)


def _random_plan(rng: random.Random, now: dt.datetime, days: float, picker: _HouseholdPicker, cast: _Cast) -> _Plan:
    category = _weighted(rng, CATEGORY_WEIGHTS)
    repair_kind = _weighted(rng, REPAIR_KIND_WEIGHTS) if category == Category.REPAIR else ""
    at = _random_time(rng, now, days)
    household = picker.pick()
    plan = _Plan(at=at, category=category, household=household, actor=rng.choice(cast.agents))
    plan.repair_kind = repair_kind
    plan.content = _content(rng, category, repair_kind)
    if repair_kind in MAJOR_CONTENT and rng.random() < 0.06:
        plan.severity = Severity.MAJOR
        plan.content = MAJOR_CONTENT[repair_kind]
    roll = rng.random()
    if category in {Category.COMPLAINT, Category.SUGGESTION, Category.MISCONDUCT} and roll < 0.25:
        plan.channel = rng.choice([Channel.LETTER, Channel.SUGGESTION_BOX])
        plan.received_at = at - dt.timedelta(hours=rng.uniform(2, 48))
    elif roll < 0.10:
        plan.channel = Channel.WALK_IN
    elif roll < 0.16 and household is not None and cast.servicemen.get(household.area_id):
        plan.channel = Channel.PATROL
        plan.actor = cast.servicemen[household.area_id]
    if category == Category.ENQUIRY:
        plan.answered_on_spot = rng.random() < 0.7
    plan.caller = _caller(rng, household)
    return plan


def _resident_plans(rng: random.Random, now: dt.datetime, cast: _Cast) -> list[_Plan]:
    """Two tickets for each demo resident's household, at fixed ages and stages."""
    plans = []
    residents = {
        p.user.username: p
        for p in Profile.objects.select_related("user", "household").filter(
            role=Role.RESIDENT, user__username__in=["resident1", "resident2"]
        )
    }
    agent1 = cast.agents[0]
    agent2 = cast.agents[-1]
    r1 = residents.get("resident1")
    if r1 is not None:
        h = r1.household
        plans.append(
            _Plan(
                at=now - dt.timedelta(days=6, hours=3),
                category=Category.TOO_COLD,
                household=h,
                actor=agent1,
                content="室温只有15度,门窗关闭三小时以上",
                stage=99,
                satisfaction=Satisfaction.SATISFIED,
            )
        )
        plans.append(
            _Plan(
                at=now - dt.timedelta(hours=5),
                category=Category.REPAIR,
                repair_kind=RepairKind.GENERAL_FAULT,
                household=h,
                actor=r1.user,
                channel=Channel.WEB,
                content="卧室暖气片上热下凉,放气后仍不热",
                stage=1,
            )
        )
    r2 = residents.get("resident2")
    if r2 is not None:
        h = r2.household
        plans.append(
            _Plan(
                at=now - dt.timedelta(days=3, hours=2),
                category=Category.COMPLAINT,
                household=h,
                actor=agent2,
                content="维修人员约好上午上门但一直没来",
                stage=5,
            )
        )
        plans.append(
            _Plan(
                at=now - dt.timedelta(days=1, hours=4),
                category=Category.ENQUIRY,
                household=h,
                actor=agent2,
                content="咨询今年供暖收费标准",
                answered_on_spot=True,
            )
        )
    for plan in plans:
        plan.caller = (plan.household.resident_name, plan.household.phone)
    return plans


Step = tuple[Callable, object, tuple[float, float]]  # (action, actor, delay range in minutes)


def _steps(ticket: Ticket, plan: _Plan, cast: _Cast, rng: random.Random) -> list[Step]:
    """The lifecycle of DOMAIN.md §3 for this ticket, as (action, actor, delay) steps."""
    first = plan.actor if plan.actor.profile.role != Role.RESIDENT else rng.choice(cast.agents)
    feedback_by = plan.actor if first is plan.actor else (cast.manager or first)
    visitor = rng.choice(cast.agents)
    station_id = ticket.station_id
    worker = cast.workers.get(station_id) or cast.heads.get(station_id) or first
    head = cast.heads.get(station_id) or cast.manager or first
    note = RESOLUTION[ticket.category]
    tail: list[Step] = [
        (lambda **kw: services.ticket_feedback(**kw, note=note), feedback_by, (10, 180)),
        (_return_visit(rng, plan.satisfaction), visitor, (120, 1300)),
    ]
    resolve = lambda **kw: services.ticket_resolve(**kw, note=note)  # noqa: E731
    if ticket.category in {Category.REPAIR, Category.TOO_COLD}:
        steps = [] if ticket.repair_kind == RepairKind.LEAK else [(services.ticket_contact, worker, (5, 100))]
        return [*steps, (services.ticket_on_site, worker, (20, 150)), (resolve, worker, (30, 900)), *tail]
    if ticket.category == Category.ENQUIRY:
        return [(services.ticket_contact, first, (10, 300)), (resolve, first, (5, 60)), *tail]
    if ticket.category == Category.MISCONDUCT and cast.inspector is not None:
        target, handler = {"user": cast.inspector}, cast.inspector
    elif ticket.category == Category.SUGGESTION and cast.manager is not None:
        target, handler = {"user": cast.manager}, cast.manager
    elif ticket.household is not None:
        target, handler = {"station": ticket.household.station}, head
    else:
        target, handler = {"department": "客服中心"}, first
    transfer = lambda **kw: services.ticket_transfer(**kw, **target, note="请核实处理并联系住户")  # noqa: E731
    return [
        (transfer, first, (5, 50)),
        (services.ticket_accept, handler, (5, 40)),
        (services.ticket_contact, handler, (10, 100)),
        (resolve, handler, (30, 900)),
        *tail,
    ]


def _return_visit(rng: random.Random, satisfaction: str | None) -> Callable:
    drawn = rng.choices([Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.UNSATISFIED], weights=[80, 14, 6])[0]
    satisfaction = satisfaction or drawn
    return lambda **kw: services.ticket_return_visit(**kw, satisfaction=satisfaction)


def _stage_for(rng: random.Random, age: dt.timedelta, steps: int) -> int:
    hours = age.total_seconds() / 3600
    if hours > 72:
        return steps if rng.random() < 0.85 else rng.randint(1, steps)
    if hours > 24:
        return rng.randint(max(0, steps - 3), steps)
    if hours > 6:
        return rng.randint(0, max(0, steps - 2))
    return rng.randint(0, min(2, steps))


def seed_tickets(*, count: int, seed: int, now: dt.datetime, days: float = 10) -> TicketSeedResult:
    """Log `count` demo tickets received over the last `days`, the demo residents' households
    among them, through the services, and move each through part of its lifecycle."""
    result = TicketSeedResult()
    if count <= 0:
        return result
    cast = _Cast.load()
    if not cast.agents:
        raise ValueError("seed the demo accounts first: tickets need agents as first responders")
    rng = random.Random(f"tickets:{seed}")
    picker = _HouseholdPicker(rng)
    if picker.low is None:
        raise ValueError("seed households first: only enquiries may have no household")
    plans = _resident_plans(rng, now, cast)[:count]
    plans += [_random_plan(rng, now, days, picker, cast) for _ in range(count - len(plans))]
    plans.sort(key=lambda p: p.at)
    latest = now - dt.timedelta(minutes=1)
    # One outer transaction: each service's own atomic block becomes a savepoint, so a few
    # hundred tickets cost one commit (and one flush to disk) instead of a thousand.
    with transaction.atomic():
        for plan in plans:
            _log_and_advance(plan, rng=rng, cast=cast, now=now, latest=latest)
            result.created += 1
    counts = Ticket.objects.values("status").order_by("status").annotate(n=Count("pk"))
    result.by_status = {row["status"]: row["n"] for row in counts}
    return result


def _log_and_advance(plan: _Plan, *, rng: random.Random, cast: _Cast, now: dt.datetime, latest: dt.datetime) -> None:
    """Log one planned ticket at its receipt time and take it through its first `stage` steps."""
    caller_name, caller_phone = plan.caller
    data = services.TicketInput(
        category=plan.category,
        caller_name=caller_name,
        caller_phone=caller_phone,
        content=plan.content,
        channel=plan.channel,
        severity=plan.severity,
        repair_kind=plan.repair_kind,
        household=plan.household,
        received_at=plan.received_at,
        answered_on_spot=plan.answered_on_spot,
    )
    ticket, _created = services.ticket_create(actor=plan.actor, data=data, now=plan.at)
    if plan.answered_on_spot:
        return
    steps = _steps(ticket, plan, cast, rng)
    stage = plan.stage if plan.stage is not None else _stage_for(rng, now - plan.at, len(steps))
    at = plan.at
    for action, actor, (low, high) in steps[:stage]:
        at += dt.timedelta(minutes=rng.uniform(low, high))
        if at > latest:
            break
        action(ticket_id=ticket.pk, actor=actor, now=at)


# ---------------------------------------------------------------------------------------------
# Bulk history for benchmarks (PostgreSQL COPY)
# ---------------------------------------------------------------------------------------------

BULK_CHUNK = 20_000
PER_DAY = 2_400  # tickets a day in the bulk history: 1,000,000 tickets span about 14 months
HISTORY_GAP_DAYS = 6  # the history ends this long before `now`, so every closed timeline is in the past
HANDLED = frozenset({*clocks.HANDLED_CATEGORIES, Category.HEATING_APPLICATION})
ON_STATION = frozenset({Category.REPAIR, Category.TOO_COLD})
BULK_CHANNEL_WEIGHTS = {
    Channel.PHONE: 75,
    Channel.WALK_IN: 8,
    Channel.WEB: 7,
    Channel.PATROL: 4,
    Channel.LETTER: 3,
    Channel.SUGGESTION_BOX: 3,
}
TICKET_COLUMNS = (
    "id",
    "number",
    "channel",
    "category",
    "severity",
    "repair_kind",
    "household_id",
    "station_id",
    "caller_name",
    "caller_phone",
    "content",
    "received_at",
    "created_at",
    "updated_at",
    "first_responder_id",
    "handler_station_id",
    "handler_department",
    "handler_user_id",
    "status",
    "policy_id",
    "query_code",
    "awaiting_papers",
    "satisfaction",
    "cycle",
)
DEADLINE_COLUMNS = (
    "ticket_id",
    "kind",
    "cycle",
    "policy_id",
    "duration_value",
    "duration_unit",
    "started_at",
    "due_at",
    "warn_at",
    "calendar_confirmed",
    "state",
    "met_at",
    "warned_at",
    "overdue_at",
    "escalation_level",
    "paused_at",
    "extended",
    "appointment",
    "responsible_id",
    "responsible_station_id",
)
EVENT_COLUMNS = ("ticket_id", "seq", "kind", "at", "actor_id", "note", "data", "public")
NULL = "\\N"
# The event a met clock stands for, so that every met clock has its entry in the history.
EVENT_FOR_CLOCK = {
    clocks.TRANSFER: "transferred",
    clocks.CONTACT: "contacted",
    clocks.ON_SITE: "arrived_on_site",
    clocks.PROGRESS_REPORT: "progress_reported",
}
_EPOCH_DAY = dt.date(1970, 1, 1)
_LOCAL_OFFSET = 8 * 3600  # Asia/Shanghai has no daylight saving time


@dataclass
class BulkTicketsResult:
    tickets: int = 0
    deadlines: int = 0
    events: int = 0
    pending: int = 0
    days: int = 0
    seconds: float = 0.0


class _Picker:
    """rng.choices with the cumulative weights computed once (choices recomputes them per call)."""

    def __init__(self, weights: dict):
        self.keys = [str(k) for k in weights]
        total, acc, self.cum = sum(weights.values()), 0, []
        for value in weights.values():
            acc += value
            self.cum.append(acc / total)

    def __call__(self, rng: random.Random) -> str:
        return self.keys[bisect_right(self.cum, rng.random())]


class _Stamps:
    """Whole-second epoch → COPY timestamp text, and → the local (Asia/Shanghai) date, with the
    date part cached: much cheaper than datetime.isoformat for millions of values."""

    def __init__(self):
        self.utc_days: dict[int, str] = {}
        self.local_days: dict[int, dt.date] = {}

    def ts(self, epoch: int) -> str:
        day, sec = divmod(epoch, 86400)
        prefix = self.utc_days.get(day)
        if prefix is None:
            prefix = self.utc_days[day] = f"{_EPOCH_DAY + dt.timedelta(days=day)} "
        hours, rest = divmod(sec, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{prefix}{hours:02d}:{minutes:02d}:{seconds:02d}+00"

    def local_date(self, epoch: int) -> dt.date:
        day = (epoch + _LOCAL_OFFSET) // 86400
        date = self.local_days.get(day)
        if date is None:
            date = self.local_days[day] = _EPOCH_DAY + dt.timedelta(days=day)
        return date


def _households_arrays(page: int = 100_000) -> tuple[array, array]:
    """Household ids and stations in two compact arrays (16 bytes per household), read by keyset
    pages so that a million rows never sit in memory as Python objects."""
    ids, stations = array("q"), array("q")
    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT id, station_id FROM {Household._meta.db_table} WHERE id > %s ORDER BY id LIMIT %s",
                [last, page],
            )
            rows = cursor.fetchall()
            if not rows:
                return ids, stations
            for pk, station_id in rows:
                ids.append(pk)
                stations.append(station_id)
            last = rows[-1][0]


class _BulkHistory:
    """Generates the COPY lines of tickets, clocks and events; see `bulk_tickets`."""

    def __init__(self, *, rng: random.Random):
        self.rng = rng
        self.stamps = _Stamps()
        self.policy = policy_current()
        self.policy_id = self.policy.pk
        self.calendar = work_calendar()
        self.household_ids, self.household_stations = _households_arrays()
        if not self.household_ids:
            raise ValueError("bulk_tickets needs households: run seed_demo first")
        staff = Profile.objects.exclude(role=Role.RESIDENT)
        self.agents = list(staff.filter(role=Role.AGENT).values_list("user_id", flat=True)) or list(
            staff.values_list("user_id", flat=True)
        )
        if not self.agents:
            raise ValueError("bulk_tickets needs staff accounts: run seed_demo first")
        self.heads = dict(staff.filter(role=Role.STATION_HEAD).values_list("station_id", "user_id"))
        self.workers = dict(staff.filter(role=Role.WORKER).values_list("station_id", "user_id"))
        self.sequences = dict(TicketSequence.objects.values_list("day", "last"))
        self.days_used: set[dt.date] = set()
        self.plans: dict[tuple, list[tuple]] = {}
        self.working_due: dict[tuple, tuple[int, bool]] = {}
        self.share = float(self.policy.warning_share)
        self.contents = {(str(c), str(k)): [_text(t) for t in texts] for (c, k), texts in CONTENT.items()}
        self.channel_labels = {str(k): str(v) for k, v in Channel.choices}
        self.resolution = {str(k): _text(v) for k, v in RESOLUTION.items()}
        self.major_content = {str(k): _text(v) for k, v in MAJOR_CONTENT.items()}
        self.pick_category = _Picker(CATEGORY_WEIGHTS)
        self.pick_repair_kind = _Picker(REPAIR_KIND_WEIGHTS)
        self.pick_channel = _Picker(BULK_CHANNEL_WEIGHTS)
        self.backdatable = {str(c) for c in BACKDATABLE_CHANNELS}
        self.ids: list[int] = []
        self.tickets: list[str] = []
        self.deadlines: list[str] = []
        self.events: list[str] = []
        self.counts = {"tickets": 0, "deadlines": 0, "events": 0}
        self.copier: threading.Thread | None = None
        self.copy_error: BaseException | None = None

    # -- helpers ----------------------------------------------------------------------------

    def flush(self) -> None:
        """Hand the buffered chunk to a COPY thread, once the previous chunk's COPY has finished.

        PostgreSQL ingests one chunk while Python generates the next (psycopg2 lets go of the GIL
        while it waits for the server). Both use the one connection and its transaction, never at
        the same time: the ids of the next chunk are reserved here, before the thread starts."""
        self.wait()
        if not self.tickets:
            return
        payload = [
            (model._meta.db_table, columns, "".join(lines).encode())
            for model, columns, lines in (
                (Ticket, TICKET_COLUMNS, self.tickets),
                (Deadline, DEADLINE_COLUMNS, self.deadlines),
                (TicketEvent, EVENT_COLUMNS, self.events),
            )
        ]
        self.counts["tickets"] += len(self.tickets)
        self.counts["deadlines"] += len(self.deadlines)
        self.counts["events"] += len(self.events)
        self.tickets, self.deadlines, self.events = [], [], []
        reset_queries()
        self._reserve_ids()
        self.copier = threading.Thread(target=self._copy, args=(connection.connection, payload), daemon=True)
        self.copier.start()

    def _copy(self, raw_connection, payload: list[tuple[str, tuple, bytes]]) -> None:
        try:
            with raw_connection.cursor() as cursor:
                for table, columns, data in payload:
                    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", io.BytesIO(data), 1 << 20)
        except BaseException as exc:  # re-raised in the main thread by wait()
            self.copy_error = exc

    def wait(self) -> None:
        """Wait for the running COPY, and raise its error if it failed."""
        if self.copier is not None:
            self.copier.join()
            self.copier = None
        if self.copy_error is not None:
            error, self.copy_error = self.copy_error, None
            raise error

    def _reserve_ids(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [Ticket._meta.db_table, BULK_CHUNK],
            )
            self.ids = [row[0] for row in reversed(cursor.fetchall())]

    def next_id(self) -> int:
        if not self.ids:
            self.wait()  # the connection must be free
            self._reserve_ids()
        return self.ids.pop()

    def number(self, received: int) -> str:
        day = self.stamps.local_date(received)
        seq = self.sequences[day] = self.sequences.get(day, 0) + 1
        self.days_used.add(day)
        return f"GD{day:%Y%m%d}-{seq:04d}"

    def plan(self, category: str, severity: str, repair_kind: str) -> list[tuple]:
        """The clocks of DOMAIN.md §3 as (kind, value, unit, span in seconds or None for working days)."""
        key = (category, severity, repair_kind)
        if key not in self.plans:
            specs = clocks.clock_plan(category=category, severity=severity, repair_kind=repair_kind, policy=self.policy)
            self.plans[key] = [(s.kind, s.value, s.unit, self._span(s)) for s in specs]
        return self.plans[key]

    @staticmethod
    def _span(spec: clocks.ClockSpec) -> int | None:
        return {"minutes": 60, "hours": 3600}.get(spec.unit, 0) * spec.value or None

    def due(self, value: int, unit: str, span: int | None, start: int) -> tuple[int, bool]:
        if span is not None:
            return start + span, True
        day = self.stamps.local_date(start)
        key = (value, day)
        if key not in self.working_due:
            noon = dt.datetime.combine(day, dt.time(12), tzinfo=SHANGHAI)
            due = clocks.due_for(clocks.ClockSpec(clocks.REPLY, value, unit), noon, self.calendar)
            self.working_due[key] = (int(due.at.timestamp()), due.confirmed)
        return self.working_due[key]

    def when(self, start: int, due: int) -> int:
        """When a clock is met: mostly in time, about one in twelve late."""
        rng = self.rng
        share = rng.uniform(0.05, 0.95) if rng.random() > 0.08 else rng.uniform(1.02, 1.6)
        return start + int((due - start) * share)

    def deadline(self, ticket_id, kind, value, unit, span, start, met, responsible, station) -> None:
        """One clock, met (on time or late) at `met`, or pending when `met` is None."""
        ts = self.stamps.ts
        due, confirmed = self.due(value, unit, span, start)
        warn = start + int((due - start) * self.share)
        if met is None:
            state, met_s, warned, overdue, level = "pending", NULL, ts(warn), NULL, 0
        else:
            state, met_s = ("met_late" if met > due else "met"), ts(met)
            warned = ts(warn + 30) if met > warn + 30 else NULL
            overdue, level = (ts(due + 60), 1) if met > due + 60 else (NULL, 0)
        self.deadlines.append(
            f"{ticket_id}\t{kind}\t1\t{self.policy_id}\t{value}\t{unit}\t{ts(start)}\t{ts(due)}\t{ts(warn)}\t"
            f"{'t' if confirmed else 'f'}\t{state}\t{met_s}\t{warned}\t{overdue}\t{level}\t{NULL}\tf\tf\t"
            f"{responsible or NULL}\t{station or NULL}\n"
        )

    def received_data(self, received: int) -> str:
        at = dt.datetime.fromtimestamp(received, SHANGHAI).isoformat()
        return f'{{"received_at": "{at}", "policy_version": {self.policy.version}}}'

    # -- tickets ----------------------------------------------------------------------------

    def closed(self, received: int) -> None:
        """A ticket that went the whole way: received → … → resolved → fed back → return visit."""
        rng = self.rng
        category = self.pick_category(rng)
        repair_kind = self.pick_repair_kind(rng) if category == Category.REPAIR else ""
        major = repair_kind in self.major_content and rng.random() < 0.02
        severity = "major" if major else "general"
        channel = self.pick_channel(rng)
        index = int(rng.random() * len(self.household_ids))
        household, station = self.household_ids[index], self.household_stations[index]
        first = self.agents[int(rng.random() * len(self.agents))]
        handler_station = station if category in HANDLED or category in ON_STATION else None
        handler = (self.workers.get(station) if category in ON_STATION else None) or self.heads.get(station) or first
        ticket_id = self.next_id()
        created = received + (int(rng.uniform(600, 86400)) if channel in self.backdatable else 0)
        events = [("received", created, first, self.channel_labels[channel], self.received_data(received))]
        specs = self.plan(category, severity, repair_kind)
        if category == Category.ENQUIRY and rng.random() < 0.6:
            # Answered on the spot: the reply clock is met at intake and the ticket is closed.
            kind, value, unit, span = specs[0]
            self.deadline(ticket_id, kind, value, unit, span, received, created, first, None)
            events.append(("answered", created, first, "当场答复", "{}"))
            self.ticket(
                ticket_id,
                received,
                created,
                category,
                severity,
                repair_kind,
                channel,
                household,
                station,
                first,
                None,
                "closed",
                "",
                events,
            )
            return
        met: dict[str, int] = {}
        resolution = None
        for spec in specs:
            kind, value, unit, span = spec
            if kind == clocks.REPLY:
                continue
            due, _confirmed = self.due(value, unit, span, received)
            if kind in clocks.RESOLUTION_KINDS:
                resolution = due
                continue
            met[kind] = max(self.when(received, due), created + 60)
        if clocks.CONTACT in met and clocks.TRANSFER in met:
            met[clocks.CONTACT] = max(met[clocks.CONTACT], met[clocks.TRANSFER] + 60)
        if clocks.ON_SITE in met and clocks.CONTACT in met:
            met[clocks.ON_SITE] = max(met[clocks.ON_SITE], met[clocks.CONTACT] + 60)
        earliest = max([created, *met.values()]) + 300
        if resolution is not None:
            resolved = max(self.when(received, resolution), earliest)
        else:
            resolved = earliest + int(rng.uniform(600, 7200))
        fed_back = resolved + int(rng.uniform(300, 3 * 3600))
        for kind, at in sorted(met.items(), key=lambda item: item[1]):
            events.append((EVENT_FOR_CLOCK[kind], at, first if kind == clocks.TRANSFER else handler, "", "{}"))
        note = self.resolution[category]
        events.append(("resolved", resolved, handler, note, "{}"))
        events.append(("fed_back", fed_back, first, note, "{}"))
        for kind, value, unit, span in specs:
            if kind == clocks.REPLY:
                at, who, where = fed_back, first, None
            elif kind in clocks.RESOLUTION_KINDS:
                at, who, where = resolved, handler, handler_station
            elif kind == clocks.TRANSFER:
                at, who, where = met[kind], first, None
            else:
                at, who, where = met[kind], handler, handler_station
            self.deadline(ticket_id, kind, value, unit, span, received, at, who, where)
        visit = clocks.return_visit_spec(severity, self.policy)
        visited = self.when(fed_back, fed_back + visit.value * 60)
        self.deadline(ticket_id, visit.kind, visit.value, visit.unit, visit.value * 60, fed_back, visited, first, None)
        satisfaction = "satisfied" if rng.random() < 0.85 else "basically_satisfied"
        visitor = self.agents[int(rng.random() * len(self.agents))]
        events.append(("return_visited", visited, visitor, "", f'{{"satisfaction": "{satisfaction}"}}'))
        self.ticket(
            ticket_id,
            received,
            created,
            category,
            severity,
            repair_kind,
            channel,
            household,
            station,
            first,
            handler_station,
            "closed",
            satisfaction,
            events,
        )

    def open_overdue(self, due: int) -> None:
        """An enquiry whose one clock (`reply`) is pending and falls due at `due`; already warned."""
        rng = self.rng
        kind, value, unit, span = self.plan(Category.ENQUIRY, Severity.GENERAL, "")[0]
        received = due - (span or value * 86400)
        index = int(rng.random() * len(self.household_ids))
        household, station = self.household_ids[index], self.household_stations[index]
        first = self.agents[int(rng.random() * len(self.agents))]
        ticket_id = self.next_id()
        ts = self.stamps.ts
        warn = received + int((due - received) * self.share)
        self.deadlines.append(
            f"{ticket_id}\t{kind}\t1\t{self.policy_id}\t{value}\t{unit}\t{ts(received)}\t{ts(due)}\t{ts(warn)}\t"
            f"t\tpending\t{NULL}\t{ts(warn + 30)}\t{NULL}\t0\t{NULL}\tf\tf\t{first}\t{NULL}\n"
        )
        events = [("received", received, first, self.channel_labels["phone"], self.received_data(received))]
        self.ticket(
            ticket_id,
            received,
            received,
            "enquiry",
            "general",
            "",
            "phone",
            household,
            station,
            first,
            None,
            "received",
            "",
            events,
        )

    def ticket(
        self,
        ticket_id,
        received,
        created,
        category,
        severity,
        repair_kind,
        channel,
        household,
        station,
        first,
        handler_station,
        status,
        satisfaction,
        events,
    ) -> None:
        rng, ts = self.rng, self.stamps.ts
        for seq, (kind, at, actor, note, data) in enumerate(events, start=1):
            self.events.append(f"{ticket_id}\t{seq}\t{kind}\t{ts(at)}\t{actor or NULL}\t{note}\t{data}\tt\n")
        content = (
            self.major_content[repair_kind]
            if severity == "major"
            else rng.choice(self.contents[(category, repair_kind)])
        )
        self.tickets.append(
            f"{ticket_id}\t{self.number(received)}\t{channel}\t{category}\t{severity}\t{repair_kind}\t"
            f"{household}\t{station}\t{person_name(rng)}\t{mobile(rng)}\t{content}\t{ts(received)}\t{ts(created)}\t"
            f"{ts(events[-1][1])}\t{first}\t{handler_station or NULL}\t\t{NULL}\t{status}\t{self.policy_id}\t"
            f"{rng.randrange(1_000_000):06d}\tf\t{satisfaction}\t1\n"
        )
        if len(self.tickets) >= BULK_CHUNK:
            self.flush()


def _text(value: str) -> str:
    """A value for COPY's text format (our texts have no tabs or newlines; backslashes doubled)."""
    return str(value).replace("\\", "\\\\")


def bulk_tickets(*, count: int, pending_overdue: int = 0, now: dt.datetime, seed: int) -> BulkTicketsResult:
    """Write `count` tickets with their clocks and events straight into the tables (PostgreSQL COPY,
    BULK_CHUNK tickets at a time, one transaction), for benchmarks. Reproducible for a seed.

    `pending_overdue` of them are open enquiries whose one clock (`reply`) is pending and fell due
    in the minute before `now` (already warned): exactly what the next sweep marks overdue. The rest
    is closed history, about PER_DAY a day, ending HISTORY_GAP_DAYS before `now`: every clock met or
    met late (`met_at` against `due_at`), every met clock with its event, return visit done,
    events numbered 1…n. Ticket numbers continue each day's sequence and
    `TicketSequence` is brought up to date. Needs households and staff (run seed_demo first).
    """
    if connection.vendor != "postgresql":
        raise NotImplementedError("bulk_tickets writes with COPY and needs PostgreSQL")
    if not 0 <= pending_overdue <= count:
        raise ValueError("pending_overdue must be between 0 and count")
    started = time.monotonic()
    rng = random.Random(f"bulk:{seed}")
    history = count - pending_overdue
    days = max(1, math.ceil(history / PER_DAY)) if history else 0
    end = int(now.timestamp())
    with transaction.atomic():
        skip_foreign_key_checks()
        connection.ensure_connection()
        gen = _BulkHistory(rng=rng)
        try:
            last_day = now.astimezone(SHANGHAI).date() - dt.timedelta(days=HISTORY_GAP_DAYS)
            per_day = split_evenly(history, [rng.randint(70, 130) for _ in range(days)]) if days else []
            for offset, n in enumerate(per_day):
                day = last_day - dt.timedelta(days=days - 1 - offset)
                midnight = int(dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI).timestamp())
                hours = rng.choices(_DAY_HOURS, weights=_HOUR_WEIGHTS, k=n)
                for second in sorted(h * 3600 + rng.randrange(3600) for h in hours):
                    gen.closed(midnight + second)
            for due in sorted(end - rng.randint(1, 59) for _ in range(pending_overdue)):
                gen.open_overdue(due)
            gen.flush()
        finally:
            gen.wait()  # never leave a COPY running on the connection, error or not
        _save_sequences(gen.sequences, gen.days_used)
    with connection.cursor() as cursor:
        for model in (Ticket, Deadline, TicketEvent):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    return BulkTicketsResult(
        tickets=gen.counts["tickets"],
        deadlines=gen.counts["deadlines"],
        events=gen.counts["events"],
        pending=pending_overdue,
        days=len(gen.days_used),
        seconds=round(time.monotonic() - started, 1),
    )


def _save_sequences(sequences: dict[dt.date, int], days: set[dt.date]) -> None:
    table = TicketSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (day, last) VALUES (%s, %s) "
            f"ON CONFLICT (day) DO UPDATE SET last = GREATEST({table}.last, EXCLUDED.last)",
            [(day, sequences[day]) for day in sorted(days)],
        )
