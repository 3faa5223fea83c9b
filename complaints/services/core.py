"""What every ticket action shares: the transition table, who may act, and clock handling."""

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints import clocks
from complaints.models import (
    OPEN_STATUSES,
    Deadline,
    Status,
    Ticket,
)
from heatservice.errors import ActionNotAllowed, NotPermitted
from stations.calendar import WorkCalendar
from stations.models import Role, ServicePolicy
from stations.selectors import role_of, station_head_of, work_calendar

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
    """Clocks that no longer apply: cancelled if not yet due; if already past due, they are misses,
    marked overdue exactly as the sweep does (event, notices, assessment proposal), never quietly
    cancelled. The ticket row is locked by the caller."""
    from complaints.sweep import TicketFacts, mark_overdue

    live = ticket.deadlines.filter(kind__in=list(kinds), state__in=[Deadline.State.PENDING, Deadline.State.PAUSED])
    missed = live.filter(due_at__lt=at, state=Deadline.State.PENDING)
    mark_overdue(tickets={ticket.pk: TicketFacts.of(ticket)}, due=missed, now=at)
    live.update(state=Deadline.State.CANCELLED)


def _reassign_handler_clocks(ticket: Ticket) -> None:
    who = _handler_responsible(ticket)
    ticket.deadlines.filter(
        kind__in=list(clocks.HANDLER_KINDS), state__in=[Deadline.State.PENDING, Deadline.State.PAUSED]
    ).update(responsible_id=who.user_id, responsible_station_id=who.station_id)
