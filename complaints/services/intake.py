"""Ticket intake (DOMAIN.md §3): numbers, validation, clocks opened at receipt, idempotent create."""

import datetime as dt
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from complaints import clocks
from complaints.events import record_event
from complaints.models import (
    BACKDATABLE_CHANNELS,
    Category,
    Channel,
    IdempotencyKey,
    RepairKind,
    Severity,
    Status,
    Ticket,
    TicketSequence,
)
from complaints.notifications import notify_resident, notify_staff
from complaints.services.core import (
    IDEMPOTENCY_WINDOW,
    PHONE_RE,
    _meet,
    _open_clocks,
)
from heatservice.errors import InvalidInput
from stations.calendar import SHANGHAI
from stations.models import Household, Role
from stations.selectors import manager_user_ids, policy_current, role_of

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
