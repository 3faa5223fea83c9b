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
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from complaints import clocks
from complaints.events import last_event_seqs
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
            .order_by("warn_at", "pk")
            .values_list("pk", "ticket_id", "ticket__number", "kind", "due_at", "responsible_id")[:batch]
        )
        if not rows:
            return 0
        Deadline.objects.filter(pk__in=[pk for pk, *_rest in rows], warned_at__isnull=True).update(warned_at=now)
        text, stamp = _("超期预警:工单 %(number)s 的“%(kind)s”时限将于 %(due)s 到期。"), now.isoformat()
        notices = [
            _notice(
                user_id=responsible_id,
                ticket_id=ticket_id,
                kind="deadline_warning",
                message=text % {"number": number, "kind": kind_label(kind), "due": _local(due_at)},
                key=f"warn:{pk}:{due_at:%Y%m%d%H%M}",
                stamp=stamp,
            )
            for pk, ticket_id, number, kind, due_at, responsible_id in rows
            if responsible_id
        ]
        insert_rows(Notification, notices, ignore_conflicts=True)
        result.warned += len(rows)
        return len(rows)


def _notice(*, user_id: int, ticket_id: int, kind: str, message: str, key: str, stamp: str) -> dict:
    """One inbox row for insert_rows (unread)."""
    return {
        "user_id": user_id,
        "ticket_id": ticket_id,
        "kind": kind,
        "message": message,
        "key": key,
        "created_at": stamp,
        "read_at": None,
    }


class TicketFacts(NamedTuple):
    """What the consequences of a miss need to know of its ticket."""

    number: str
    severity: str
    status: str
    station_id: int | None

    @classmethod
    def of(cls, ticket: Ticket) -> "TicketFacts":
        return cls(ticket.number, ticket.severity, ticket.status, ticket.station_id)


class Miss(NamedTuple):
    """A clock that ran out, read as one row (no model instance: the sweep reads thousands)."""

    id: int
    ticket_id: int
    kind: str
    due_at: dt.datetime
    responsible_id: int | None
    responsible_station_id: int | None
    extended: bool
    cycle: int
    duration_value: int
    duration_unit: str
    policy_id: int
    warning_share: Decimal
    escalation_minutes: int


MISS_FIELDS = (
    "pk",
    "ticket_id",
    "kind",
    "due_at",
    "responsible_id",
    "responsible_station_id",
    "extended",
    "cycle",
    "duration_value",
    "duration_unit",
    "policy_id",
    "policy__warning_share",
    "policy__manager_escalation_minutes",
)


def _overdue_batch(*, now: dt.datetime, batch: int, result: SweepResult, heads: dict, managers: list[int]) -> int:
    with transaction.atomic():
        candidate_tickets = set(
            Deadline.objects.filter(state=Deadline.State.PENDING, due_at__lte=now)
            .order_by("due_at", "pk")
            .values_list("ticket_id", flat=True)[:batch]
        )
        if not candidate_tickets:
            return 0
        # Claim the tickets: agents lock the ticket before touching its clocks, so holding it
        # makes the clock rows ours too; SKIP LOCKED means we never wait (no deadlock).
        tickets = {
            pk: TicketFacts(*facts)
            for pk, *facts in Ticket.objects.filter(pk__in=candidate_tickets)
            .select_for_update(skip_locked=True, no_key=True)
            .order_by("pk")
            .values_list("pk", "number", "severity", "status", "station_id")
        }
        if not tickets:
            return 0  # all busy: the next minute's sweep takes them
        _relax_commit()
        due = Deadline.objects.filter(ticket_id__in=list(tickets), state=Deadline.State.PENDING, due_at__lte=now)
        mark_overdue(tickets=tickets, due=due, now=now, result=result, heads=heads, managers=managers)
        return len(tickets)


def mark_overdue(
    *,
    tickets: dict[int, TicketFacts],
    due,
    now: dt.datetime,
    result: SweepResult | None = None,
    heads: dict | None = None,
    managers: list[int] | None = None,
) -> int:
    """Mark the missed clocks in `due` (a Deadline queryset of pending clocks past due) overdue,
    each with its event, notices and assessment proposals, and re-arm missed progress reports.

    The caller holds the row locks of `tickets` (id → TicketFacts), which makes their clocks and
    event numbering ours; the sweep and a resolve that skips a missed step share this."""
    result = result if result is not None else SweepResult()
    misses = [Miss(*row) for row in due.order_by("ticket_id", "due_at", "pk").values_list(*MISS_FIELDS)]
    if not misses:
        return 0
    if heads is None:
        heads = dict(Profile.objects.filter(role=Role.STATION_HEAD).values_list("station_id", "user_id"))
    if managers is None:
        managers = manager_user_ids()
    # Mark, and schedule the managers' escalation (major incidents: at once).
    by_delay = defaultdict(list)
    for m in misses:
        level = 2 if tickets[m.ticket_id].severity == "major" else 1
        by_delay[(level, m.escalation_minutes)].append(m.id)
    for (level, minutes), ids in by_delay.items():
        Deadline.objects.filter(pk__in=ids, state=Deadline.State.PENDING).update(
            state=Deadline.State.OVERDUE,
            overdue_at=now,
            escalation_level=level,
            escalate_at=F("due_at") + dt.timedelta(minutes=minutes),
        )
    # Events continue each ticket's numbering (gap-free: the ticket locks are ours).
    last_seq = last_event_seqs({m.ticket_id for m in misses})
    labels = {kind: kind_label(kind) for kind in Deadline.Kind.values}
    overdue_text = _("已超期:工单 %(number)s 的“%(kind)s”时限已于 %(due)s 到期。")
    facts_text = _("工单 %(number)s 的“%(kind)s”时限 %(due)s 到期未完成,且无批准的延时。")
    stamp = now.isoformat()  # rows hold only JSON-native values: json.dumps stays on its C path
    events, notices, proposals, rearm = [], [], [], []
    for m in misses:
        ticket = tickets[m.ticket_id]
        seq = last_seq[m.ticket_id] = last_seq.get(m.ticket_id, 0) + 1
        label, due_text = labels[m.kind], _local(m.due_at)
        events.append(
            {
                "ticket_id": m.ticket_id,
                "seq": seq,
                "kind": "deadline_missed",
                "at": stamp,
                "actor_id": None,
                "note": label,
                "data": {"kind": m.kind, "due_at": m.due_at.isoformat(), "deadline": m.id},
                "public": False,
            }
        )
        told = {m.responsible_id, heads.get(m.responsible_station_id or ticket.station_id)}
        if ticket.severity == "major":
            told.update(managers)
        told.discard(None)
        message = overdue_text % {"number": ticket.number, "kind": label, "due": due_text}
        notices += [
            _notice(
                user_id=user_id,
                ticket_id=m.ticket_id,
                kind="deadline_overdue",
                message=message,
                key=f"overdue:{m.id}",
                stamp=stamp,
            )
            for user_id in sorted(told)
        ]
        # DOMAIN.md §8: a missed reply without an approved extension (100 元) and a missed
        # transfer (20 元) are proposed to the person responsible, once (unique per clock).
        if m.kind in CLOCK_RULES and not m.extended and m.responsible_id:
            rule, amount = CLOCK_RULES[m.kind]
            proposals.append(
                {
                    "rule": rule,
                    "staff_id": m.responsible_id,
                    "ticket_id": m.ticket_id,
                    "deadline_id": m.id,
                    "amount": str(amount),
                    "points": None,
                    "jointly_liable": False,
                    "state": Assessment.State.PROPOSED,
                    "facts": facts_text % {"number": ticket.number, "kind": label, "due": due_text},
                    "created_at": stamp,
                    "created_by_id": None,
                    "decided_by_id": None,
                    "decided_at": None,
                    "decision_reason": "",
                }
            )
        if m.kind == clocks.PROGRESS_REPORT and ticket.status in OPEN_STATUSES:
            rearm.append(_next_progress_report(m))
    insert_rows(TicketEvent, events)
    insert_rows(Notification, notices, ignore_conflicts=True)
    # Each clock is marked once, so each proposal is new; the unique constraint still guards it.
    insert_rows(Assessment, proposals, ignore_conflicts=True)
    Deadline.objects.bulk_create(rearm)
    result.proposed += len(proposals)
    result.overdue += len(misses)
    result.rearmed += len(rearm)
    return len(misses)


def insert_rows(model, rows: list[dict], *, ignore_conflicts: bool = False) -> None:
    """Insert many rows given as {column: value} without building model instances.

    On PostgreSQL one `INSERT … SELECT FROM json_to_recordset(…)` statement per table and batch:
    the rows travel as one JSON document, which the server parses far faster than thousands of
    bound literals (the sweep writes thousands of rows a minute after an outage); elsewhere plain
    bulk_create. Every column of the table must be given."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows], ignore_conflicts=ignore_conflicts)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in fields)
    record = ", ".join(f"{quote(f.column)} {_column_type(f)}" for f in fields)
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    payload = json.dumps(rows, ensure_ascii=False, default=_json_value)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({names}) "
            f"SELECT {names} FROM json_to_recordset(%s::json) AS r({record}){conflict}",
            [payload],
        )


def _json_value(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _column_type(field) -> str:
    kind = field.get_internal_type()
    if kind in {"CharField", "TextField"}:
        return "text"
    if kind == "JSONField":
        return "jsonb"
    return field.db_type(connection)


def _relax_commit() -> None:
    """The sweep's writes are recomputed by the next sweep if a crash loses them, so its commits
    need not wait for the WAL flush (PostgreSQL only; the transaction stays atomic)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _next_progress_report(m: Miss) -> Deadline:
    """Progress reports re-arm every interval until resolved, counted from the missed due time."""
    start = m.due_at
    due = start + dt.timedelta(minutes=m.duration_value)
    return Deadline(
        ticket_id=m.ticket_id,
        kind=m.kind,
        cycle=m.cycle,
        policy_id=m.policy_id,
        duration_value=m.duration_value,
        duration_unit=m.duration_unit,
        started_at=start,
        due_at=due,
        warn_at=clocks.warn_time(start, due, m.warning_share),
        responsible_id=m.responsible_id,
        responsible_station_id=m.responsible_station_id,
    )


def _escalate_batch(*, now: dt.datetime, batch: int, result: SweepResult, managers: list[int]) -> int:
    """Overdue clocks still unmet `manager_escalation_minutes` after their due time go to managers."""
    with transaction.atomic():
        rows = list(
            Deadline.objects.filter(state=Deadline.State.OVERDUE, escalation_level__lt=2, escalate_at__lte=now)
            .select_for_update(skip_locked=True, no_key=True, of=("self",))
            .order_by("escalate_at", "pk")
            .values_list("pk", "ticket_id", "ticket__number", "kind", "due_at")[:batch]
        )
        if not rows:
            return 0
        Deadline.objects.filter(pk__in=[pk for pk, *_rest in rows], escalation_level__lt=2).update(escalation_level=2)
        text, stamp = _("超期上报:工单 %(number)s 的“%(kind)s”时限已于 %(due)s 到期,仍未完成。"), now.isoformat()
        notices = [
            _notice(
                user_id=user_id,
                ticket_id=ticket_id,
                kind="deadline_escalated",
                message=text % {"number": number, "kind": kind_label(kind), "due": _local(due_at)},
                key=f"escalated:{pk}",
                stamp=stamp,
            )
            for pk, ticket_id, number, kind, due_at in rows
            for user_id in managers
        ]
        insert_rows(Notification, notices, ignore_conflicts=True)
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
