"""Which clocks a ticket gets, and when each is due (DOMAIN.md §1–3). Pure: no ORM, no clock.

`policy` is any object with the ServicePolicy field names (a model instance is fine: only its
attributes are read).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from stations.calendar import Due, WorkCalendar, due_after

REPLY = "reply"
TRANSFER = "transfer"
CONTACT = "contact"
ON_SITE = "on_site"
RESOLVE = "resolve"
RESTORE = "restore"
RETURN_VISIT = "return_visit"
PROGRESS_REPORT = "progress_report"

# Categories that go to a handler: transfer, contact and resolve clocks when of general severity.
HANDLED_CATEGORIES = frozenset({"complaint", "misconduct", "suggestion", "stop_resume"})
# Clocks the handler answers for; the others (reply, transfer, return visit) are the first responder's.
HANDLER_KINDS = frozenset({CONTACT, ON_SITE, RESOLVE, RESTORE, PROGRESS_REPORT})
# Clocks met when the matter is resolved.
RESOLUTION_KINDS = frozenset({RESOLVE, RESTORE})


@dataclass(frozen=True)
class ClockSpec:
    kind: str
    value: int
    unit: str  # "minutes", "hours" or "working_days"

    @property
    def label(self) -> str:
        return f"{self.value} {self.unit}"


def _minutes(kind: str, value: int) -> ClockSpec:
    return ClockSpec(kind, value, "minutes")


def reply_spec(category: str, policy) -> ClockSpec:
    """The `reply` clock: every ticket gets one (seed 000 第十二条)."""
    if category == "misconduct":
        return ClockSpec(REPLY, policy.misconduct_reply_value, policy.misconduct_reply_unit)
    if category == "heating_application":
        return ClockSpec(REPLY, policy.heating_application_value, policy.heating_application_unit)
    return ClockSpec(REPLY, policy.reply_value, policy.reply_unit)


def clock_plan(*, category: str, severity: str, repair_kind: str, policy) -> list[ClockSpec]:
    """The clocks started at receipt (or when the papers are complete), per DOMAIN.md §3's table."""
    specs = {REPLY: reply_spec(category, policy)}
    if category in HANDLED_CATEGORIES and severity == "general":
        specs[TRANSFER] = _minutes(TRANSFER, policy.transfer_minutes)
        specs[CONTACT] = _minutes(CONTACT, policy.contact_minutes)
        specs[RESOLVE] = _minutes(RESOLVE, policy.resolve_minutes)
    elif category == "repair":
        if repair_kind == "leak":
            specs[ON_SITE] = _minutes(ON_SITE, policy.leak_on_site_minutes)
            specs[RESOLVE] = _minutes(RESOLVE, policy.repair_finish_minutes)
        elif repair_kind == "general_fault":
            specs[CONTACT] = _minutes(CONTACT, policy.repair_contact_minutes)
            specs[ON_SITE] = _minutes(ON_SITE, policy.repair_on_site_minutes)
            specs[RESOLVE] = _minutes(RESOLVE, policy.general_fault_fix_minutes)
        elif repair_kind == "equipment_fault":
            specs[CONTACT] = _minutes(CONTACT, policy.repair_contact_minutes)
            specs[ON_SITE] = _minutes(ON_SITE, policy.repair_on_site_minutes)
            specs[RESTORE] = _minutes(RESTORE, policy.equipment_restore_minutes)
        else:
            raise ValueError(f"a repair needs a repair kind, got {repair_kind!r}")
    elif category == "too_cold":
        specs[ON_SITE] = _minutes(ON_SITE, policy.too_cold_dispatch_minutes)
    if severity == "major":
        # The emergency team's 30 minutes replace a longer on-site clock, never a shorter one.
        if ON_SITE not in specs or specs[ON_SITE].value > policy.major_on_site_minutes:
            specs[ON_SITE] = _minutes(ON_SITE, policy.major_on_site_minutes)
        specs[PROGRESS_REPORT] = _minutes(PROGRESS_REPORT, policy.progress_report_minutes)
    return list(specs.values())


def return_visit_spec(severity: str, policy) -> ClockSpec:
    """Started when the result is given to the resident: 24 h general, 48 h major."""
    minutes = policy.return_visit_major_minutes if severity == "major" else policy.return_visit_general_minutes
    return _minutes(RETURN_VISIT, minutes)


def progress_report_spec(policy) -> ClockSpec:
    return _minutes(PROGRESS_REPORT, policy.progress_report_minutes)


def due_for(spec: ClockSpec, start: dt.datetime, calendar: WorkCalendar) -> Due:
    return due_after(start, spec.value, spec.unit, calendar)


def warn_time(start: dt.datetime, due: dt.datetime, share: Decimal) -> dt.datetime:
    """The pre-breach warning (超期预警) fires at `share` of the clock's span, to the second."""
    span = (due - start).total_seconds()
    return start + dt.timedelta(seconds=int(span * float(share)))


def state_when_met(*, due_at: dt.datetime, met_at: dt.datetime) -> str:
    """Met by the due time counts as on time; a second later is `met_late` forever (DOMAIN.md §2)."""
    return "met" if met_at <= due_at else "met_late"
