"""The deadline sweep (DOMAIN.md §2–3, §8; issue #4): run every minute by Celery beat and by
`manage.py sweep_deadlines`, the same code.

Dispatch + mark, in batches, each batch one transaction:
- warn: pending clocks past their warning time are marked `warned_at` once and the responsible
  person is told (超期预警);
- overdue: pending clocks past due turn `overdue` once, with an event, a notice to the
  responsible person and the station head (managers at once for major incidents), and the
  assessment proposals of DOMAIN.md §8; a missed progress report re-arms the next one;
- escalate: clocks overdue for longer than the policy's escalation time are reported to managers.

Safe when two sweeps run at once: tickets are claimed with SKIP LOCKED (a batch never waits for
another sweep or for an agent's action, so there is no deadlock), every mark is a conditional
UPDATE, and the proposals and notices have unique constraints. After downtime one pass catches up:
the loop runs until no candidate is left.
"""

import datetime as dt
import json
import logging
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from complaints import clocks
from complaints.models import OPEN_STATUSES, Assessment, Deadline, Notification, OutboundMessage, Ticket, TicketEvent
from complaints.notifications import enqueue_on_commit
from stations.calendar import SHANGHAI
from stations.models import Profile, Role
from stations.selectors import manager_user_ids

log = logging.getLogger(__name__)

BATCH = 500
# DOMAIN.md §8 amounts, proposed from clock facts: (clock kind) → (rule, amount in yuan).
CLOCK_RULES = {
    clocks.REPLY: (Assessment.Rule.NO_REPLY, Decimal("100.00")),
    clocks.TRANSFER: (Assessment.Rule.TRANSFER_LATE, Decimal("20.00")),
}


@dataclass
class SweepResult:
    warned: int = 0
    overdue: int = 0
    escalated: int = 0
    proposed: int = 0
    rearmed: int = 0
    redelivered: int = 0

    def as_dict(self) -> dict:
        return {
            "warned": self.warned,
            "overdue": self.overdue,
            "escalated": self.escalated,
            "proposed": self.proposed,
            "rearmed": self.rearmed,
            "redelivered": self.redelivered,
        }

    @property
    def changed(self) -> int:
        return self.warned + self.overdue + self.escalated + self.rearmed


def deadlines_sweep(*, now: dt.datetime, batch: int = BATCH) -> SweepResult:
    """Run every part of the sweep until nothing is left to do at `now`. Idempotent."""
    result = SweepResult()
    heads = dict(Profile.objects.filter(role=Role.STATION_HEAD).values_list("station_id", "user_id"))
    managers = manager_user_ids()
    while _warn_batch(now=now, batch=batch, result=result):
        pass
    while _overdue_batch(now=now, batch=batch, result=result, heads=heads, managers=managers):
        pass
    while _escalate_batch(now=now, batch=batch, result=result, managers=managers):
        pass
    result.redelivered = _redeliver_outbound(now=now)
    if result.changed:
        log.info("sweep at %s: %s", now.isoformat(), result.as_dict())
    return result


def _warn_batch(*, now: dt.datetime, batch: int, result: SweepResult) -> int:
    with transaction.atomic():
        rows = list(
            Deadline.objects.filter(
                state=Deadline.State.PENDING, warned_at__isnull=True, warn_at__lte=now, due_at__gt=now
            )
            .select_for_update(skip_locked=True, no_key=True, of=("self",))
            .select_related("ticket")
            .order_by("warn_at", "pk")[:batch]
        )
        if not rows:
            return 0
        Deadline.objects.filter(pk__in=[d.pk for d in rows], warned_at__isnull=True).update(warned_at=now)
        notices = [
            Notification(
                user_id=d.responsible_id,
                ticket_id=d.ticket_id,
                kind="deadline_warning",
                message=_("超期预警:工单 %(number)s 的“%(kind)s”时限将于 %(due)s 到期。")
                % {"number": d.ticket.number, "kind": kind_label(d.kind), "due": _local(d.due_at)},
                key=f"warn:{d.pk}:{d.due_at:%Y%m%d%H%M}",
            )
            for d in rows
            if d.responsible_id
        ]
        Notification.objects.bulk_create(notices, ignore_conflicts=True)
        result.warned += len(rows)
        return len(rows)


def _overdue_batch(*, now: dt.datetime, batch: int, result: SweepResult, heads: dict, managers: list[int]) -> int:
    with transaction.atomic():
        candidate_tickets = list(
            Deadline.objects.filter(state=Deadline.State.PENDING, due_at__lte=now)
            .order_by("due_at", "pk")
            .values_list("ticket_id", flat=True)[:batch]
        )
        if not candidate_tickets:
            return 0
        # Claim the tickets: agents lock the ticket before touching its clocks, so holding it
        # makes the clock rows ours too; SKIP LOCKED means we never wait (no deadlock).
        tickets = {
            t.pk: t
            for t in Ticket.objects.filter(pk__in=set(candidate_tickets))
            .select_for_update(skip_locked=True, no_key=True)
            .order_by("pk")
            .only(
                "pk", "number", "status", "severity", "station_id", "first_responder_id", "last_event_seq", "policy_id"
            )
        }
        if not tickets:
            return 0  # all busy: the next minute's sweep takes them
        due = list(
            Deadline.objects.filter(ticket_id__in=list(tickets), state=Deadline.State.PENDING, due_at__lte=now)
            .select_related("policy")
            .order_by("ticket_id", "due_at", "pk")
        )
        if not due:
            return len(tickets)  # raced with an action that met them; look again
        _relax_commit()
        mark_overdue(tickets=tickets, due=due, now=now, result=result, heads=heads, managers=managers)
        return len(tickets)


def mark_overdue(
    *,
    tickets: dict,
    due: list[Deadline],
    now: dt.datetime,
    result: SweepResult | None = None,
    heads: dict | None = None,
    managers: list[int] | None = None,
) -> None:
    """Mark missed clocks overdue, each with its event, notices and assessment proposals, and re-arm
    missed progress reports. The caller holds the row locks of `tickets` (id → Ticket) and passes
    only still-pending clocks past due; the sweep and a resolve that skips a missed step share this."""
    result = result if result is not None else SweepResult()
    if heads is None:
        heads = dict(Profile.objects.filter(role=Role.STATION_HEAD).values_list("station_id", "user_id"))
    if managers is None:
        managers = manager_user_ids()
    # The ticket lock makes these clocks ours: the conditional UPDATE marks each exactly once.
    by_delay = defaultdict(list)
    for d in due:
        level = 2 if tickets[d.ticket_id].severity == "major" else 1  # major incidents: managers at once
        by_delay[(level, d.policy.manager_escalation_minutes)].append(d.pk)
    for (level, minutes), ids in by_delay.items():
        Deadline.objects.filter(pk__in=ids, state=Deadline.State.PENDING).update(
            state=Deadline.State.OVERDUE,
            overdue_at=now,
            escalation_level=level,
            escalate_at=F("due_at") + dt.timedelta(minutes=minutes),
        )
    overdue_text = _("已超期:工单 %(number)s 的“%(kind)s”时限已于 %(due)s 到期。")
    facts_text = _("工单 %(number)s 的“%(kind)s”时限 %(due)s 到期未完成,且无批准的延时。")
    events, notices, proposals, rearm = [], [], [], []
    added: dict[int, int] = defaultdict(int)  # ticket → events added in this batch
    for d in due:
        ticket = tickets[d.ticket_id]
        ticket.last_event_seq += 1
        added[ticket.pk] += 1
        events.append(
            {
                "ticket_id": ticket.pk,
                "seq": ticket.last_event_seq,
                "kind": "deadline_missed",
                "at": now,
                "actor_id": None,
                "note": kind_label(d.kind),
                "data": {"kind": d.kind, "due_at": d.due_at.isoformat(), "deadline": d.pk},
                "public": False,
            }
        )
        message = overdue_text % {
            "number": ticket.number,
            "kind": kind_label(d.kind),
            "due": _local(d.due_at),
        }
        station_id = d.responsible_station_id or ticket.station_id
        told = {d.responsible_id, heads.get(station_id)}
        if ticket.severity == "major":
            told.update(managers)
        notices += [
            {
                "user_id": u,
                "ticket_id": ticket.pk,
                "kind": "deadline_overdue",
                "message": message,
                "key": f"overdue:{d.pk}",
                "created_at": now,
                "read_at": None,
            }
            for u in told
            if u
        ]
        proposals += _proposals_for(d, ticket, now, facts_text)
        if d.kind == clocks.PROGRESS_REPORT and ticket.status in OPEN_STATUSES:
            rearm.append(_next_progress_report(d))
    by_count: dict[int, list[int]] = defaultdict(list)
    for ticket_id, count in added.items():
        by_count[count].append(ticket_id)
    for count, ids in by_count.items():  # one UPDATE per distinct count, usually one in all
        Ticket.objects.filter(pk__in=ids).update(last_event_seq=F("last_event_seq") + count)
    insert_rows(TicketEvent, events)
    insert_rows(Notification, notices, ignore_conflicts=True)
    # Each clock is marked once, so each proposal is new; the unique constraint still guards it.
    insert_rows(Assessment, proposals, ignore_conflicts=True)
    result.proposed += len(proposals)
    Deadline.objects.bulk_create(rearm)
    result.overdue += len(due)
    result.rearmed += len(rearm)


def insert_rows(model, rows: list[dict], *, ignore_conflicts: bool = False) -> None:
    """Insert many rows given as {column: value} without building model instances.

    On PostgreSQL one `INSERT … SELECT FROM unnest(arrays)` statement per table and batch (the
    sweep writes thousands of rows a minute after an outage); elsewhere plain bulk_create. Every
    column of the table must be given, as in the model's field order."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows], ignore_conflicts=ignore_conflicts)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    arrays = []
    for f in fields:
        values = [row[f.column] for row in rows]
        if f.get_internal_type() == "JSONField":
            values = [json.dumps(v, ensure_ascii=False) for v in values]
        arrays.append(values)
    casts = ", ".join(f"%s::{_array_type(f)}" for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) SELECT * FROM unnest({casts}){conflict}", arrays)


def _array_type(field) -> str:
    kind = field.get_internal_type()
    if kind in {"CharField", "TextField"}:
        return "text[]"
    if kind == "JSONField":
        return "jsonb[]"
    return f"{field.db_type(connection)}[]"


def _relax_commit() -> None:
    """The sweep's writes are recomputed by the next sweep if a crash loses them, so its commits
    need not wait for the WAL flush (PostgreSQL only; the transaction stays atomic)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _proposals_for(d: Deadline, ticket: Ticket, now: dt.datetime, facts_text: str) -> list[dict]:
    """DOMAIN.md §8: a missed reply without an approved extension (100 元) and a missed transfer
    (20 元) are proposed to the person responsible, once (unique per clock, rule and person)."""
    if d.kind not in CLOCK_RULES or d.extended or not d.responsible_id:
        return []
    rule, amount = CLOCK_RULES[d.kind]
    return [
        {
            "rule": rule,
            "staff_id": d.responsible_id,
            "ticket_id": ticket.pk,
            "deadline_id": d.pk,
            "amount": amount,
            "points": None,
            "jointly_liable": False,
            "state": Assessment.State.PROPOSED,
            "facts": facts_text % {"number": ticket.number, "kind": kind_label(d.kind), "due": _local(d.due_at)},
            "created_at": now,
            "created_by_id": None,
            "decided_by_id": None,
            "decided_at": None,
            "decision_reason": "",
        }
    ]


def _next_progress_report(d: Deadline) -> Deadline:
    """Progress reports re-arm every interval until resolved, counted from the missed due time."""
    start = d.due_at
    due = start + dt.timedelta(minutes=d.duration_value)
    return Deadline(
        ticket_id=d.ticket_id,
        kind=d.kind,
        cycle=d.cycle,
        policy=d.policy,
        duration_value=d.duration_value,
        duration_unit=d.duration_unit,
        started_at=start,
        due_at=due,
        warn_at=clocks.warn_time(start, due, d.policy.warning_share),
        responsible_id=d.responsible_id,
        responsible_station_id=d.responsible_station_id,
    )


def _escalate_batch(*, now: dt.datetime, batch: int, result: SweepResult, managers: list[int]) -> int:
    """Overdue clocks still unmet `manager_escalation_minutes` after their due time go to managers."""
    with transaction.atomic():
        rows = list(
            Deadline.objects.filter(state=Deadline.State.OVERDUE, escalation_level__lt=2, escalate_at__lte=now)
            .select_related("ticket")
            .select_for_update(skip_locked=True, no_key=True, of=("self",))
            .order_by("escalate_at", "pk")[:batch]
        )
        if not rows:
            return 0
        Deadline.objects.filter(pk__in=[d.pk for d in rows], escalation_level__lt=2).update(escalation_level=2)
        notices = [
            Notification(
                user_id=u,
                ticket_id=d.ticket_id,
                kind="deadline_escalated",
                message=_("超期上报:工单 %(number)s 的“%(kind)s”时限已于 %(due)s 到期,仍未完成。")
                % {"number": d.ticket.number, "kind": kind_label(d.kind), "due": _local(d.due_at)},
                key=f"escalated:{d.pk}",
            )
            for d in rows
            for u in managers
        ]
        Notification.objects.bulk_create(notices, ignore_conflicts=True)
        result.escalated += len(rows)
        return len(rows)


def _redeliver_outbound(*, now: dt.datetime) -> int:
    """Messages whose delivery task was lost (broker down at commit, worker killed) go out again."""
    stale = list(
        OutboundMessage.objects.filter(sent_at__isnull=True, created_at__lte=now - dt.timedelta(minutes=1))
        .order_by("pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    for pk in stale:
        enqueue_on_commit("complaints.tasks.outbound_deliver_task", pk)
    return len(stale)


def kind_label(kind: str) -> str:
    """The clock kind's label in the active language, without a lazy-string lookup per row."""
    key = (get_language(), kind)
    if key not in _KIND_LABELS:
        _KIND_LABELS[key] = str(Deadline.Kind(kind).label)
    return _KIND_LABELS[key]


_KIND_LABELS: dict[tuple[str | None, str], str] = {}


def _local(value: dt.datetime) -> str:
    return value.astimezone(SHANGHAI).strftime("%m-%d %H:%M")
