"""Ticket intake and every action on a ticket (DOMAIN.md §2–3, API.md "Tickets").

Each action: one transaction, the ticket row locked first (`_lock`), the transition table
checked (`TRANSITIONS`), clocks met, moved or opened, and exactly one event written. A refused
action raises before anything is written, so it leaves no event.
"""

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints import clocks
from complaints.events import record_event
from complaints.models import (
    BACKDATABLE_CHANNELS,
    OPEN_STATUSES,
    Assessment,
    Category,
    Channel,
    Deadline,
    Extension,
    IdempotencyKey,
    PapersRequest,
    RepairKind,
    Satisfaction,
    Severity,
    Status,
    Ticket,
    TicketSequence,
)
from complaints.notifications import notify_resident, notify_staff
from heatservice.errors import ActionNotAllowed, InvalidInput, NotPermitted
from stations.calendar import SHANGHAI, WorkCalendar
from stations.models import Household, Role, ServicePolicy, Station
from stations.selectors import is_manager, manager_user_ids, policy_current, role_of, station_head_of, work_calendar

PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{7,8})$")
IDEMPOTENCY_WINDOW = dt.timedelta(hours=24)

# The transition table: action → (statuses it is allowed from, status it leads to; None keeps it).
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "transfer": (frozenset({Status.RECEIVED, Status.REOPENED}), Status.TRANSFERRED),
    "accept": (frozenset({Status.TRANSFERRED}), Status.ACCEPTED),
    "send_back": (frozenset({Status.TRANSFERRED}), Status.RECEIVED),
    "contact": (frozenset({Status.RECEIVED, Status.REOPENED, Status.ACCEPTED}), Status.CONTACTED),
    "on_site": (frozenset({Status.RECEIVED, Status.REOPENED, Status.ACCEPTED, Status.CONTACTED}), Status.ON_SITE),
    "appointment": (frozenset(OPEN_STATUSES - {Status.ON_SITE}), None),
    "report_progress": (frozenset(OPEN_STATUSES), None),
    "resolve": (
        frozenset({Status.RECEIVED, Status.REOPENED, Status.ACCEPTED, Status.CONTACTED, Status.ON_SITE}),
        Status.RESOLVED,
    ),
    "feedback": (frozenset({Status.RESOLVED}), Status.FED_BACK),
    "return_visit": (frozenset({Status.FED_BACK}), None),
    "reopen": (frozenset({Status.FED_BACK, Status.CLOSED}), Status.REOPENED),
    "request_papers": (frozenset(OPEN_STATUSES), None),
    "papers_complete": (frozenset(OPEN_STATUSES), None),
    "request_extension": (frozenset(OPEN_STATUSES | {Status.RESOLVED, Status.FED_BACK}), None),
    "decide_extension": (frozenset(OPEN_STATUSES | {Status.RESOLVED, Status.FED_BACK}), None),
}

ACTION_LABELS = {
    "transfer": gettext_lazy("转办"),
    "accept": gettext_lazy("签收"),
    "send_back": gettext_lazy("退单"),
    "contact": gettext_lazy("联系用户"),
    "on_site": gettext_lazy("到场"),
    "appointment": gettext_lazy("预约上门"),
    "report_progress": gettext_lazy("进展通报"),
    "resolve": gettext_lazy("办结"),
    "feedback": gettext_lazy("反馈结果"),
    "return_visit": gettext_lazy("回访"),
    "reopen": gettext_lazy("重办"),
    "request_papers": gettext_lazy("一次性告知"),
    "papers_complete": gettext_lazy("材料补齐"),
    "request_extension": gettext_lazy("申请延时"),
    "decide_extension": gettext_lazy("审批延时"),
}


def _check_transition(ticket: Ticket, action: str) -> str | None:
    allowed, target = TRANSITIONS[action]
    if ticket.status not in allowed:
        raise ActionNotAllowed(
            _("工单当前状态为“%(status)s”,不能执行“%(action)s”。")
            % {"status": ticket.get_status_display(), "action": ACTION_LABELS[action]},
            field="status",
        )
    return target


def _lock(ticket_id: int) -> Ticket:
    return Ticket.objects.select_for_update().select_related("policy").get(pk=ticket_id)


# ---------------------------------------------------------------------------------------------
# Who may act (DOMAIN.md §10)
# ---------------------------------------------------------------------------------------------


def can_work_on(user, ticket: Ticket) -> bool:
    """Agents and managers work on any ticket; station staff on their station's (as its station or
    its handler); a named handler on theirs; residents on none."""
    role = role_of(user)
    if role in {None, Role.RESIDENT}:
        return False
    if role in {Role.AGENT, Role.MANAGER, Role.OPS_CHIEF, Role.DEPUTY_CHIEF}:
        return True
    if ticket.handler_user_id == user.pk or ticket.first_responder_id == user.pk:
        return True
    if role in {Role.STATION_HEAD, Role.SERVICEMAN, Role.WORKER, Role.INSPECTOR}:
        station_id = user.profile.station_id
        return station_id is not None and station_id in {ticket.station_id, ticket.handler_station_id}
    return False


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise NotPermitted(message)


def _require_worker(user, ticket: Ticket) -> None:
    _require(can_work_on(user, ticket), _("您无权办理此工单。"))


# ---------------------------------------------------------------------------------------------
# Clocks
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Responsible:
    user_id: int | None
    station_id: int | None


def _handler_responsible(ticket: Ticket) -> Responsible:
    """Who answers for the handler's clocks: a named handler, else the handling station's head,
    else (not yet transferred) the first responder (首问负责制)."""
    if ticket.handler_user_id:
        return Responsible(ticket.handler_user_id, ticket.handler_station_id)
    if ticket.handler_station_id:
        head = station_head_of(ticket.handler_station_id)
        return Responsible(head.pk if head else None, ticket.handler_station_id)
    return Responsible(ticket.first_responder_id, None)


def _new_deadline(
    *,
    ticket: Ticket,
    spec: clocks.ClockSpec,
    start: dt.datetime,
    calendar: WorkCalendar,
    policy: ServicePolicy,
    handler: Responsible,
) -> Deadline:
    due = clocks.due_for(spec, start, calendar)
    who = handler if spec.kind in clocks.HANDLER_KINDS else Responsible(ticket.first_responder_id, None)
    return Deadline(
        ticket=ticket,
        kind=spec.kind,
        cycle=ticket.cycle,
        policy=policy,
        duration_value=spec.value,
        duration_unit=spec.unit,
        started_at=start,
        due_at=due.at,
        warn_at=clocks.warn_time(start, due.at, policy.warning_share),
        calendar_confirmed=due.confirmed,
        responsible_id=who.user_id,
        responsible_station_id=who.station_id,
    )


def _open_clocks(ticket: Ticket, specs: list[clocks.ClockSpec], start: dt.datetime) -> list[Deadline]:
    calendar, handler = work_calendar(), _handler_responsible(ticket)
    rows = [
        _new_deadline(ticket=ticket, spec=s, start=start, calendar=calendar, policy=ticket.policy, handler=handler)
        for s in specs
    ]
    return Deadline.objects.bulk_create(rows)


def _live(ticket: Ticket, kind: str) -> Deadline | None:
    return ticket.deadlines.filter(kind=kind, state__in=[Deadline.State.PENDING, Deadline.State.PAUSED]).first()


def _meet(ticket: Ticket, kinds, at: dt.datetime) -> list[Deadline]:
    """Meet the pending clocks of `kinds`: `met` if by the due time, `met_late` after it. A clock
    already marked overdue by the sweep becomes `met_late`; the miss is never erased."""
    met = []
    for deadline in ticket.deadlines.filter(
        kind__in=list(kinds), state__in=[Deadline.State.PENDING, Deadline.State.OVERDUE]
    ):
        deadline.met_at = at
        deadline.state = clocks.state_when_met(due_at=deadline.due_at, met_at=at)
        deadline.save(update_fields=["met_at", "state"])
        met.append(deadline)
    return met


def _close(ticket: Ticket, kinds, at: dt.datetime) -> None:
    """Clocks that no longer apply: cancelled if not yet due; if already past due, they are
    misses and are marked overdue (never quietly cancelled)."""
    live = ticket.deadlines.filter(kind__in=list(kinds), state__in=[Deadline.State.PENDING, Deadline.State.PAUSED])
    live.filter(due_at__lt=at, state=Deadline.State.PENDING).update(state=Deadline.State.OVERDUE, overdue_at=at)
    live.update(state=Deadline.State.CANCELLED)


def _reassign_handler_clocks(ticket: Ticket) -> None:
    who = _handler_responsible(ticket)
    ticket.deadlines.filter(
        kind__in=list(clocks.HANDLER_KINDS), state__in=[Deadline.State.PENDING, Deadline.State.PAUSED]
    ).update(responsible_id=who.user_id, responsible_station_id=who.station_id)


# ---------------------------------------------------------------------------------------------
# Intake
# ---------------------------------------------------------------------------------------------


def _next_number(day: dt.date) -> str:
    """GDyyyymmdd-NNNN from a per-day counter bumped with one UPSERT (no duplicate under
    concurrent intake; the row lock is held to commit, so the sequence has no gaps)."""
    table = TicketSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, last) VALUES (%s, 1) "
            f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [day],
        )
        (seq,) = cursor.fetchone()
    return f"GD{day:%Y%m%d}-{seq:04d}"


@dataclass
class TicketInput:
    category: str
    caller_name: str
    caller_phone: str
    content: str
    channel: str = Channel.PHONE
    severity: str = Severity.GENERAL
    repair_kind: str = ""
    household: Household | None = None
    received_at: dt.datetime | None = None
    answered_on_spot: bool = False


def _validate_intake(data: TicketInput, *, actor, now: dt.datetime) -> None:
    errors: dict[str, list[str]] = {}
    if data.category == Category.REPAIR and data.repair_kind not in RepairKind.values:
        errors["repair_kind"] = [_("报修须选择报修类型:跑冒滴漏、一般用热故障或设备故障。")]
    if data.category != Category.REPAIR and data.repair_kind:
        errors["repair_kind"] = [_("只有报修工单填写报修类型。")]
    if data.category != Category.ENQUIRY and data.household is None:
        errors["household"] = [_("除咨询外,工单须关联住户。")]
    if not PHONE_RE.match(data.caller_phone or ""):
        errors["caller_phone"] = [_("请输入有效的电话号码(手机11位,或座机号码)。")]
    if not (data.caller_name or "").strip():
        errors["caller_name"] = [_("请填写来电人姓名。")]
    if not (data.content or "").strip():
        errors["content"] = [_("请填写反映的内容。")]
    if data.received_at is not None:
        if data.received_at > now:
            errors["received_at"] = [_("受理时间不能晚于现在。")]
        elif data.channel not in BACKDATABLE_CHANNELS:
            errors["received_at"] = [_("只有信函和意见箱的来件可以补录受理时间。")]
    if data.answered_on_spot and data.category != Category.ENQUIRY:
        errors["answered_on_spot"] = [_("只有咨询可以当场答复办结。")]
    if role_of(actor) == Role.RESIDENT:
        if data.received_at is not None:
            errors["received_at"] = [_("住户不能指定受理时间。")]
        if data.household is not None and data.household.pk != actor.profile.household_id:
            errors["household"] = [_("只能为本户提交。")]
    if errors:
        raise InvalidInput.many(errors)


def ticket_create(*, actor, data: TicketInput, now: dt.datetime, idempotency_key: str = "") -> tuple[Ticket, bool]:
    """Log a ticket; `actor` is the first responder, forever (首问负责制). Returns (ticket, created).

    A resident's own ticket is the web channel for their household. With `idempotency_key`, the
    same key from the same user within 24 h returns the first ticket (created=False).
    """
    if role_of(actor) == Role.RESIDENT:
        data.channel = Channel.WEB
        data.household = data.household or actor.profile.household
    _validate_intake(data, actor=actor, now=now)
    try:
        with transaction.atomic():
            if idempotency_key:
                earlier = _idempotent_replay(actor=actor, key=idempotency_key, now=now)
                if earlier is not None:
                    return earlier, False
            ticket = _ticket_insert(actor=actor, data=data, now=now)
            if idempotency_key:
                IdempotencyKey.objects.create(user=actor, key=idempotency_key, ticket=ticket, created_at=now)
            return ticket, True
    except IntegrityError:
        # A concurrent request with the same key committed first: answer with its ticket.
        if idempotency_key:
            earlier = _idempotent_replay(actor=actor, key=idempotency_key, now=now)
            if earlier is not None:
                return earlier, False
        raise


def _idempotent_replay(*, actor, key: str, now: dt.datetime) -> Ticket | None:
    found = IdempotencyKey.objects.select_related("ticket").filter(user=actor, key=key).first()
    if found is None:
        return None
    if found.created_at < now - IDEMPOTENCY_WINDOW:
        found.delete()
        return None
    return found.ticket


def _ticket_insert(*, actor, data: TicketInput, now: dt.datetime) -> Ticket:
    policy = policy_current()
    received_at = data.received_at or now
    household = data.household
    station_id = household.station_id if household else None
    ticket = Ticket(
        number=_next_number(now.astimezone(SHANGHAI).date()),
        channel=data.channel,
        category=data.category,
        severity=data.severity,
        repair_kind=data.repair_kind if data.category == Category.REPAIR else "",
        household=household,
        station_id=station_id,
        caller_name=data.caller_name.strip(),
        caller_phone=data.caller_phone,
        content=data.content.strip(),
        received_at=received_at,
        created_at=now,
        first_responder=actor,
        policy=policy,
        query_code=f"{secrets.randbelow(10**6):06d}",
    )
    if data.category in {Category.REPAIR, Category.TOO_COLD} and station_id:
        # Repairs and too-cold reports go straight to the household's station (DOMAIN.md §4).
        ticket.handler_station_id = station_id
    ticket.save()
    specs = clocks.clock_plan(
        category=ticket.category, severity=ticket.severity, repair_kind=ticket.repair_kind, policy=policy
    )
    _open_clocks(ticket, specs, received_at)
    record_event(
        ticket=ticket,
        kind="received",
        at=now,
        actor=actor,
        note=ticket.get_channel_display(),
        data={"received_at": received_at.isoformat(), "policy_version": policy.version},
    )
    if data.answered_on_spot:
        _meet(ticket, [clocks.REPLY], now)
        ticket.status = Status.CLOSED
        ticket.save(update_fields=["status", "updated_at"])
        record_event(ticket=ticket, kind="answered", at=now, actor=actor, note=_("当场答复"))
    if ticket.severity == Severity.MAJOR:
        notify_staff(
            user_ids=manager_user_ids(),
            kind="major_received",
            message=_("重大事件:%(number)s %(content)s") % {"number": ticket.number, "content": ticket.content[:60]},
            key=f"major:{ticket.pk}",
            ticket=ticket,
        )
    notify_resident(
        ticket=ticket,
        body=_("您的工单 %(number)s 已受理,提取码 %(code)s。") % {"number": ticket.number, "code": ticket.query_code},
        key=f"received:{ticket.pk}",
    )
    return ticket


# ---------------------------------------------------------------------------------------------
# Actions
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def ticket_transfer(
    *,
    ticket_id: int,
    actor,
    now: dt.datetime,
    station: Station | None = None,
    user=None,
    department: str = "",
    note: str = "",
) -> Ticket:
    """Pass the ticket to a station, a person or a department (转办), saying what to do. The first
    responder stays the owner. Meets the `transfer` clock; the handler's clocks move to the handler."""
    ticket = _lock(ticket_id)
    _require(can_work_on(actor, ticket) and role_of(actor) not in {Role.WORKER}, _("您无权转办此工单。"))
    target = _check_transition(ticket, "transfer")
    if not (station or user or department):
        raise InvalidInput(_("请选择承办的供热所、部门或人员。"), field="station")
    if user is not None and role_of(user) in {None, Role.RESIDENT}:
        raise InvalidInput(_("承办人必须是工作人员。"), field="user")
    ticket.handler_station = station or (user.profile.station if user is not None else None)
    ticket.handler_user = user
    ticket.handler_department = department
    ticket.status = target
    ticket.save(update_fields=["handler_station", "handler_user", "handler_department", "status", "updated_at"])
    _meet(ticket, [clocks.TRANSFER], now)
    _reassign_handler_clocks(ticket)
    to = str(station or "") or (user.get_username() if user else "") or department
    record_event(ticket=ticket, kind="transferred", at=now, actor=actor, note=note, data={"to": to}, public=True)
    who = _handler_responsible(ticket)
    notify_staff(
        user_ids=[who.user_id],
        kind="transferred",
        message=_("新转办工单 %(number)s:%(note)s") % {"number": ticket.number, "note": note or ticket.content[:60]},
        key=f"transferred:{ticket.pk}:{ticket.last_event_seq}",
        ticket=ticket,
    )
    return ticket


@transaction.atomic
def ticket_accept(*, ticket_id: int, actor, now: dt.datetime, note: str = "") -> Ticket:
    """The handler signs for the ticket (签收); a station staff member becomes its named handler."""
    ticket = _lock(ticket_id)
    _require_worker(actor, ticket)
    target = _check_transition(ticket, "accept")
    if role_of(actor) in {Role.STATION_HEAD, Role.SERVICEMAN, Role.WORKER} or ticket.handler_user_id is None:
        ticket.handler_user = actor
    ticket.status = target
    ticket.save(update_fields=["handler_user", "status", "updated_at"])
    _reassign_handler_clocks(ticket)
    record_event(ticket=ticket, kind="accepted", at=now, actor=actor, note=note)
    return ticket


@transaction.atomic
def ticket_send_back(*, ticket_id: int, actor, now: dt.datetime, reason: str) -> Ticket:
    """The handler returns a ticket that is not theirs (退单), with a reason; it goes back to the
    first responder, who must transfer it again."""
    ticket = _lock(ticket_id)
    _require_worker(actor, ticket)
    target = _check_transition(ticket, "send_back")
    if not reason.strip():
        raise InvalidInput(_("退单须说明理由。"), field="reason")
    ticket.handler_station = None
    ticket.handler_user = None
    ticket.handler_department = ""
    ticket.status = target
    ticket.save(update_fields=["handler_station", "handler_user", "handler_department", "status", "updated_at"])
    _reassign_handler_clocks(ticket)
    record_event(ticket=ticket, kind="sent_back", at=now, actor=actor, note=reason, public=False)
    notify_staff(
        user_ids=[ticket.first_responder_id],
        kind="sent_back",
        message=_("工单 %(number)s 被退回:%(reason)s") % {"number": ticket.number, "reason": reason},
        key=f"sent_back:{ticket.pk}:{ticket.last_event_seq}",
        ticket=ticket,
    )
    return ticket


@transaction.atomic
def ticket_contact(*, ticket_id: int, actor, now: dt.datetime, note: str = "") -> Ticket:
    """The handler has contacted the resident: meets `contact`, and `reply` (a first clear answer)."""
    ticket = _lock(ticket_id)
    _require_worker(actor, ticket)
    ticket.status = _check_transition(ticket, "contact")
    ticket.save(update_fields=["status", "updated_at"])
    _meet(ticket, [clocks.CONTACT, clocks.REPLY], now)
    record_event(ticket=ticket, kind="contacted", at=now, actor=actor, note=note)
    return ticket


@transaction.atomic
def ticket_set_appointment(*, ticket_id: int, actor, now: dt.datetime, at: dt.datetime, note: str = "") -> Ticket:
    """A visit time agreed with the resident replaces the default `on_site` due time (DOMAIN.md §3)."""
    ticket = _lock(ticket_id)
    _require_worker(actor, ticket)
    _check_transition(ticket, "appointment")
    deadline = _live(ticket, clocks.ON_SITE)
    if deadline is None or deadline.state != Deadline.State.PENDING:
        raise ActionNotAllowed(_("此工单没有计时中的到场时限。"), field="at")
    if at <= now:
        raise InvalidInput(_("预约时间须晚于现在。"), field="at")
    deadline.due_at = at
    deadline.warn_at = clocks.warn_time(deadline.started_at, at, ticket.policy.warning_share)
    deadline.warned_at = None
    deadline.appointment = True
    deadline.save(update_fields=["due_at", "warn_at", "warned_at", "appointment"])
    record_event(ticket=ticket, kind="appointment_made", at=now, actor=actor, note=note, data={"at": at.isoformat()})
    return ticket


@transaction.atomic
def ticket_on_site(*, ticket_id: int, actor, now: dt.datetime, note: str = "") -> Ticket:
    ticket = _lock(ticket_id)
    _require_worker(actor, ticket)
    ticket.status = _check_transition(ticket, "on_site")
    ticket.save(update_fields=["status", "updated_at"])
    _meet(ticket, [clocks.ON_SITE], now)
    record_event(ticket=ticket, kind="arrived_on_site", at=now, actor=actor, note=note)
    return ticket


@transaction.atomic
def ticket_report_progress(*, ticket_id: int, actor, now: dt.datetime, note: str) -> Ticket:
    """A major incident's progress told to the resident; the next report is due 2 h later."""
    ticket = _lock(ticket_id)
    _require_worker(actor, ticket)
    _check_transition(ticket, "report_progress")
    if not note.strip():
        raise InvalidInput(_("请填写进展情况。"), field="note")
    current = _live(ticket, clocks.PROGRESS_REPORT)
    if current is None:
        raise ActionNotAllowed(_("只有重大事件需要进展通报。"), field="status")
    _meet(ticket, [clocks.PROGRESS_REPORT], now)
    _open_clocks(ticket, [clocks.progress_report_spec(current.policy)], now)
    record_event(ticket=ticket, kind="progress_reported", at=now, actor=actor, note=note)
    return ticket


@transaction.atomic
def ticket_resolve(*, ticket_id: int, actor, now: dt.datetime, note: str = "") -> Ticket:
    """The matter is dealt with (办结): meets `resolve`/`restore`; stops progress reports; clocks of
    steps that were skipped are closed (cancelled, or overdue if already missed)."""
    ticket = _lock(ticket_id)
    _require_worker(actor, ticket)
    ticket.status = _check_transition(ticket, "resolve")
    ticket.save(update_fields=["status", "updated_at"])
    _meet(ticket, clocks.RESOLUTION_KINDS, now)
    _close(ticket, [clocks.TRANSFER, clocks.CONTACT, clocks.ON_SITE, clocks.PROGRESS_REPORT], now)
    record_event(ticket=ticket, kind="resolved", at=now, actor=actor, note=note)
    if ticket.handler_user_id and ticket.handler_user_id != ticket.first_responder_id:
        notify_staff(
            user_ids=[ticket.first_responder_id],
            kind="resolved",
            message=_("工单 %(number)s 已办结,请反馈住户。") % {"number": ticket.number},
            key=f"resolved:{ticket.pk}:{ticket.cycle}",
            ticket=ticket,
        )
    return ticket


@transaction.atomic
def ticket_feedback(*, ticket_id: int, actor, now: dt.datetime, note: str) -> Ticket:
    """The first responder gives the result to the resident (反馈). Meets `reply`; starts the
    return-visit clock (24 h general, 48 h major)."""
    ticket = _lock(ticket_id)
    _require(actor.pk == ticket.first_responder_id or is_manager(actor), _("反馈须由首问责任人办理。"))
    ticket.status = _check_transition(ticket, "feedback")
    if not note.strip():
        raise InvalidInput(_("请填写反馈给住户的结果。"), field="note")
    ticket.save(update_fields=["status", "updated_at"])
    _meet(ticket, [clocks.REPLY], now)
    _open_clocks(ticket, [clocks.return_visit_spec(ticket.severity, ticket.policy)], now)
    record_event(ticket=ticket, kind="fed_back", at=now, actor=actor, note=note)
    return ticket


@transaction.atomic
def ticket_return_visit(*, ticket_id: int, actor, now: dt.datetime, satisfaction: str, note: str = "") -> Ticket:
    """Record the return visit (回访) with the resident's satisfaction; 不满意 reopens the ticket."""
    ticket = _lock(ticket_id)
    _require(
        role_of(actor) in {Role.AGENT, Role.MANAGER, Role.OPS_CHIEF, Role.DEPUTY_CHIEF},
        _("回访须由客服或管理人员办理。"),
    )
    _check_transition(ticket, "return_visit")
    if satisfaction not in Satisfaction.values:
        raise InvalidInput(_("满意度须为 满意、基本满意 或 不满意。"), field="satisfaction")
    _meet(ticket, [clocks.RETURN_VISIT], now)
    ticket.satisfaction = satisfaction
    ticket.status = Status.CLOSED
    ticket.save(update_fields=["satisfaction", "status", "updated_at"])
    record_event(
        ticket=ticket, kind="return_visited", at=now, actor=actor, note=note, data={"satisfaction": satisfaction}
    )
    if satisfaction == Satisfaction.UNSATISFIED:
        _reopen(ticket, actor=actor, now=now, reason=_("回访不满意"))
    return ticket


@transaction.atomic
def ticket_reopen(*, ticket_id: int, actor, now: dt.datetime, reason: str) -> Ticket:
    ticket = _lock(ticket_id)
    _require(role_of(actor) in {Role.AGENT, Role.MANAGER, Role.OPS_CHIEF, Role.DEPUTY_CHIEF}, _("您无权重办此工单。"))
    _check_transition(ticket, "reopen")
    if not reason.strip():
        raise InvalidInput(_("重办须说明理由。"), field="reason")
    _reopen(ticket, actor=actor, now=now, reason=reason)
    return ticket


def _reopen(ticket: Ticket, *, actor, now: dt.datetime, reason: str) -> None:
    """重办: a new cycle with fresh clocks under the ticket's pinned policy version."""
    _close(ticket, [k.value for k in Deadline.Kind], now)
    ticket.cycle += 1
    ticket.status = Status.REOPENED
    ticket.satisfaction = ""
    ticket.save(update_fields=["cycle", "status", "satisfaction", "updated_at"])
    specs = clocks.clock_plan(
        category=ticket.category, severity=ticket.severity, repair_kind=ticket.repair_kind, policy=ticket.policy
    )
    _open_clocks(ticket, specs, now)
    record_event(ticket=ticket, kind="reopened", at=now, actor=actor, note=reason, data={"cycle": ticket.cycle})


@transaction.atomic
def ticket_request_papers(*, ticket_id: int, actor, now: dt.datetime, items: list[str]) -> tuple[Ticket, bool]:
    """一次性告知: all missing papers told at once; the live clocks pause until they are complete.

    Returns (ticket, accepted). A second request is refused (accepted=False) but the violation is
    recorded, as an event and a stalling (拖延) assessment proposal, and committed.
    """
    ticket = _lock(ticket_id)
    _require_worker(actor, ticket)
    _check_transition(ticket, "request_papers")
    items = [i.strip() for i in items if i and i.strip()]
    if not items:
        raise InvalidInput(_("请列出所缺的全部材料。"), field="items")
    if PapersRequest.objects.filter(ticket=ticket).exists():
        record_event(ticket=ticket, kind="papers_rerequested", at=now, actor=actor, data={"items": items}, public=False)
        Assessment.objects.bulk_create(
            [
                Assessment(
                    rule=Assessment.Rule.STALLING,
                    staff=actor,
                    ticket=ticket,
                    amount="50.00",
                    facts=_("工单 %(number)s 第二次要求补充材料:%(items)s")
                    % {"number": ticket.number, "items": "、".join(items)},
                    created_at=now,
                )
            ],
            ignore_conflicts=True,
        )
        return ticket, False
    PapersRequest.objects.create(ticket=ticket, items=items, requested_by=actor, requested_at=now)
    ticket.deadlines.filter(state=Deadline.State.PENDING).exclude(kind=clocks.RETURN_VISIT).update(
        state=Deadline.State.PAUSED, paused_at=now
    )
    ticket.awaiting_papers = True
    ticket.save(update_fields=["awaiting_papers", "updated_at"])
    record_event(
        ticket=ticket, kind="papers_requested", at=now, actor=actor, note="、".join(items), data={"items": items}
    )
    return ticket, True


@transaction.atomic
def ticket_papers_complete(*, ticket_id: int, actor, now: dt.datetime, note: str = "") -> Ticket:
    """The papers are complete: each paused clock starts afresh from now (DOMAIN.md §3: "the clock
    starts when the papers are complete")."""
    ticket = _lock(ticket_id)
    _require_worker(actor, ticket)
    _check_transition(ticket, "papers_complete")
    if not ticket.awaiting_papers:
        raise ActionNotAllowed(_("此工单没有待补的材料。"), field="status")
    calendar = work_calendar()
    for deadline in ticket.deadlines.filter(state=Deadline.State.PAUSED).select_related("policy"):
        spec = clocks.ClockSpec(deadline.kind, deadline.duration_value, deadline.duration_unit)
        due = clocks.due_for(spec, now, calendar)
        deadline.state = Deadline.State.PENDING
        deadline.started_at = now
        deadline.due_at = due.at
        deadline.calendar_confirmed = due.confirmed
        deadline.warn_at = clocks.warn_time(now, due.at, deadline.policy.warning_share)
        deadline.warned_at = None
        deadline.save(update_fields=["state", "started_at", "due_at", "calendar_confirmed", "warn_at", "warned_at"])
    PapersRequest.objects.filter(ticket=ticket).update(completed_at=now)
    ticket.awaiting_papers = False
    ticket.save(update_fields=["awaiting_papers", "updated_at"])
    record_event(ticket=ticket, kind="papers_completed", at=now, actor=actor, note=note)
    return ticket


@transaction.atomic
def ticket_request_extension(
    *, ticket_id: int, actor, now: dt.datetime, kind: str, due_at: dt.datetime, reason: str
) -> Extension:
    """延时办理: ask a manager to move one clock, with a reason; only before the clock has run out."""
    ticket = _lock(ticket_id)
    _require_worker(actor, ticket)
    _check_transition(ticket, "request_extension")
    if not reason.strip():
        raise InvalidInput(_("申请延时须说明理由。"), field="reason")
    deadline = _live(ticket, kind)
    if deadline is None or deadline.state != Deadline.State.PENDING:
        raise ActionNotAllowed(_("此工单没有计时中的“%(kind)s”时限。") % {"kind": kind}, field="kind")
    if deadline.due_at <= now:
        raise ActionNotAllowed(_("时限已过,不能再申请延时。"), field="kind")
    if due_at <= deadline.due_at:
        raise InvalidInput(_("延至时间须晚于原到期时间。"), field="due_at")
    if deadline.extensions.filter(state=Extension.State.REQUESTED).exists():
        raise ActionNotAllowed(_("该时限已有待审批的延时申请。"), field="kind")
    extension = Extension.objects.create(
        deadline=deadline,
        reason=reason,
        requested_due_at=due_at,
        requested_by=actor,
        requested_at=now,
        original_due_at=deadline.due_at,
    )
    record_event(
        ticket=ticket,
        kind="extension_requested",
        at=now,
        actor=actor,
        note=reason,
        data={"kind": kind, "due_at": due_at.isoformat(), "extension": extension.pk},
        public=False,
    )
    notify_staff(
        user_ids=manager_user_ids(),
        kind="extension_requested",
        message=_("工单 %(number)s 申请延时:%(reason)s") % {"number": ticket.number, "reason": reason},
        key=f"extension:{extension.pk}",
        ticket=ticket,
    )
    return extension


@transaction.atomic
def ticket_decide_extension(*, ticket_id: int, actor, now: dt.datetime, approve: bool, note: str = "") -> Extension:
    """A manager approves or rejects the open extension request. Approval moves the clock (not a
    violation), dismisses any proposal the sweep made meanwhile, and tells the resident the reason."""
    ticket = _lock(ticket_id)
    _require(is_manager(actor), _("延时须由管理人员审批。"))
    _check_transition(ticket, "decide_extension")
    extension = (
        Extension.objects.select_for_update()
        .select_related("deadline")
        .filter(deadline__ticket=ticket, state=Extension.State.REQUESTED)
        .first()
    )
    if extension is None:
        raise ActionNotAllowed(_("此工单没有待审批的延时申请。"), field="status")
    extension.state = Extension.State.APPROVED if approve else Extension.State.REJECTED
    extension.decided_by = actor
    extension.decided_at = now
    extension.save(update_fields=["state", "decided_by", "decided_at"])
    deadline = extension.deadline
    if approve:
        if deadline.state in {Deadline.State.PENDING, Deadline.State.OVERDUE}:
            deadline.state = Deadline.State.PENDING
            deadline.overdue_at = None
            deadline.escalation_level = 0
        deadline.due_at = extension.requested_due_at
        deadline.warn_at = clocks.warn_time(deadline.started_at, deadline.due_at, ticket.policy.warning_share)
        deadline.warned_at = None
        deadline.extended = True
        deadline.save()
        Assessment.objects.filter(deadline=deadline, state=Assessment.State.PROPOSED).update(
            state=Assessment.State.DISMISSED, decided_by=actor, decided_at=now, decision_reason=_("延时已批准")
        )
        record_event(
            ticket=ticket,
            kind="extension_approved",
            at=now,
            actor=actor,
            note=extension.reason,
            data={"kind": deadline.kind, "due_at": deadline.due_at.isoformat()},
        )
        notify_resident(
            ticket=ticket,
            body=_("您的工单 %(number)s 需延时办理,原因:%(reason)s,预计 %(due)s 前办结。")
            % {
                "number": ticket.number,
                "reason": extension.reason,
                "due": deadline.due_at.astimezone(SHANGHAI).strftime("%m-%d %H:%M"),
            },
            key=f"extension_approved:{extension.pk}",
        )
    else:
        record_event(ticket=ticket, kind="extension_rejected", at=now, actor=actor, note=note, public=False)
    return extension
