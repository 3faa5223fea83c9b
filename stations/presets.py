"""The three service-policy presets of DOMAIN.md §1, as plain data.

Every figure is a field of stations.models.ServicePolicy; durations are minutes unless a
`*_unit` says working days. Where seed 000 is silent, `juyuan` takes seed 001's repair times and
seed 004's complaint times (DOMAIN.md §1).
"""

import datetime as dt
from decimal import Decimal

H = 60  # minutes in an hour

_COMMON = {
    "season_start_month": 11,
    "season_start_day": 15,
    "season_end_month": 3,
    "season_end_day": 15,
    "season_days": 120,
    "promised_temperature": Decimal("18.0"),
    "too_cold_threshold": Decimal("16.0"),
    "reply_value": 24,
    "reply_unit": "hours",
    "misconduct_reply_value": 24,
    "misconduct_reply_unit": "hours",
    "heating_application_value": 3,
    "heating_application_unit": "working_days",
    "general_fault_fix_minutes": 4 * H,
    "leak_on_site_minutes": 1 * H,
    "repair_contact_minutes": 1 * H,
    "repair_on_site_minutes": 2 * H,
    "equipment_restore_minutes": 24 * H,
    "repair_finish_minutes": 24 * H,
    "too_cold_dispatch_minutes": 24 * H,
    "outage_notice_minutes": 48 * H,
    "unplanned_outage_notice_after_minutes": 8 * H,
    "transfer_minutes": 1 * H,
    "contact_minutes": 2 * H,
    "resolve_minutes": 24 * H,
    "return_visit_general_minutes": 24 * H,
    "return_visit_major_minutes": 48 * H,
    "major_on_site_minutes": 30,
    "progress_report_minutes": 2 * H,
    "warning_share": Decimal("0.75"),
    "manager_escalation_minutes": 2 * H,
    "call_window_start": dt.time(7, 0),
    "call_window_end": dt.time(22, 0),
    "quiet_periods": [["11:30", "14:30"], ["17:30", "19:00"]],
    "patrol_days": [5, 15, 25],
    "patrol_share": Decimal("0.10"),
}

PRESETS: dict[str, dict] = {
    # 曲阜聚源供热, seed 000: the default.
    "juyuan": dict(_COMMON),
    # 蓝煜热力, seed 001: replies in working days; misconduct in 10 working days (DOMAIN.md Decision).
    "lanyu": {
        **_COMMON,
        "promised_temperature": Decimal("16.0"),
        "reply_value": 5,
        "reply_unit": "working_days",
        "misconduct_reply_value": 10,
        "misconduct_reply_unit": "working_days",
        "general_fault_fix_minutes": 24 * H,
    },
    # 长春热力, seed 002: a longer season and 30-minute arrival.
    "changchun": {
        **_COMMON,
        "season_start_month": 10,
        "season_start_day": 25,
        "season_end_month": 4,
        "season_end_day": 10,
        "season_days": 168,
        "leak_on_site_minutes": 30,
        "repair_contact_minutes": 30,
        "repair_on_site_minutes": 30,
    },
}

DEFAULT_PRESET = "juyuan"


def preset_values(name: str) -> dict:
    """A fresh copy of a preset's field values; KeyError for an unknown name."""
    values = PRESETS[name]
    return {key: (list(map(list, value)) if key == "quiet_periods" else value) for key, value in values.items()}
