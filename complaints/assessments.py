"""Services of the staff assessment ledger (考核, DOMAIN.md §8). The sweep proposes entries from
clock facts (complaints.sweep); managers add entries by hand and confirm or dismiss each one."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from complaints.models import Assessment, Ticket
from heatservice.errors import ActionNotAllowed, InvalidInput, NotPermitted
from stations.models import Role
from stations.selectors import is_manager, profile_of, role_of, station_head_of

# The amounts of seed 000 (DOMAIN.md §8): yuan, or points for falsified measurements.
RULE_AMOUNTS: dict[str, tuple[Decimal | None, int | None]] = {
    Assessment.Rule.STALLING: (Decimal("50.00"), None),
    Assessment.Rule.TRANSFER_LATE: (Decimal("20.00"), None),
    Assessment.Rule.RUDENESS: (Decimal("100.00"), None),
    Assessment.Rule.NO_REPLY: (Decimal("100.00"), None),
    Assessment.Rule.FALSIFIED_MEASUREMENT: (None, 5),
}


@transaction.atomic
def assessment_add(*, actor, rule: str, staff, facts: str, now: dt.datetime, ticket: Ticket | None = None, deputy=None):
    """A manager records an entry by hand (e.g. rudeness, 100 元). Falsified measurement records are
    5 points, and the station head and the deputy chief in charge are jointly liable: one entry each."""
    if not is_manager(actor):
        raise NotPermitted(_("只有管理人员可以录入考核。"))
    if rule not in RULE_AMOUNTS:
        raise InvalidInput(_("未知的考核条款。"), field="rule")
    if role_of(staff) in {None, Role.RESIDENT}:
        raise InvalidInput(_("考核对象必须是工作人员。"), field="staff")
    if not facts.strip():
        raise InvalidInput(_("请写明事实。"), field="facts")
    amount, points = RULE_AMOUNTS[rule]
    people = [(staff, False)]
    if rule == Assessment.Rule.FALSIFIED_MEASUREMENT:
        profile = profile_of(staff)
        head = station_head_of(profile.station_id) if profile and profile.station_id else None
        if deputy is None or role_of(deputy) != Role.DEPUTY_CHIEF:
            raise InvalidInput(_("测温弄虚作假须指定负连带责任的分管副科长。"), field="deputy")
        people += [(p, True) for p in (head, deputy) if p is not None and p.pk != staff.pk]
    return [
        Assessment.objects.create(
            rule=rule,
            staff=person,
            ticket=ticket,
            amount=amount,
            points=points,
            jointly_liable=joint,
            facts=facts,
            created_at=now,
            created_by=actor,
        )
        for person, joint in people
    ]


@transaction.atomic
def assessment_decide(*, assessment_id: int, actor, confirm: bool, reason: str, now: dt.datetime) -> Assessment:
    """Confirm or dismiss a proposed entry, once; nothing is charged silently. Locks the row."""
    if not is_manager(actor):
        raise NotPermitted(_("只有管理人员可以审核考核。"))
    entry = Assessment.objects.select_for_update().get(pk=assessment_id)
    if entry.state != Assessment.State.PROPOSED:
        raise ActionNotAllowed(_("该考核已审核(%(state)s)。") % {"state": entry.get_state_display()}, field="state")
    if not reason.strip():
        raise InvalidInput(_("请写明审核理由。"), field="reason")
    entry.state = Assessment.State.CONFIRMED if confirm else Assessment.State.DISMISSED
    entry.decided_by = actor
    entry.decided_at = now
    entry.decision_reason = reason
    entry.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])
    return entry
