"""Every action on a ticket after intake (DOMAIN.md §2–3): one transaction each, the ticket row
locked first, the transition table checked, clocks met/moved/opened, exactly one event written."""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from complaints import clocks
from complaints.events import record_event
from complaints.models import (
    Assessment,
    Deadline,
    Extension,
    PapersRequest,
    Satisfaction,
    Status,
    Ticket,
)
from complaints.notifications import notify_resident, notify_staff
from complaints.services.core import (
    _check_transition,
    _close,
    _handler_responsible,
    _live,
    _lock,
    _meet,
    _open_clocks,
    _reassign_handler_clocks,
    _require,
    _require_worker,
    can_work_on,
)
from heatservice.errors import ActionNotAllowed, InvalidInput
from stations.calendar import SHANGHAI
from stations.models import Role, Station
from stations.selectors import is_manager, manager_user_ids, role_of, work_calendar

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
    event = record_event(ticket=ticket, kind="transferred", at=now, actor=actor, note=note, data={"to": to})
    who = _handler_responsible(ticket)
    notify_staff(
        user_ids=[who.user_id],
        kind="transferred",
        message=_("新转办工单 %(number)s:%(note)s") % {"number": ticket.number, "note": note or ticket.content[:60]},
        key=f"transferred:{ticket.pk}:{event.seq}",
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
    event = record_event(ticket=ticket, kind="sent_back", at=now, actor=actor, note=reason, public=False)
    notify_staff(
        user_ids=[ticket.first_responder_id],
        kind="sent_back",
        message=_("工单 %(number)s 被退回:%(reason)s") % {"number": ticket.number, "reason": reason},
        key=f"sent_back:{ticket.pk}:{event.seq}",
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
