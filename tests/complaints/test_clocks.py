"""Which clocks each ticket gets, for every preset (DOMAIN.md §1 table × §3 "Which clocks a ticket gets").

The expected figures are typed in from DOMAIN.md, not derived from the code under test.
"""

import datetime as dt
from types import SimpleNamespace

import pytest

from complaints.clocks import clock_plan, return_visit_spec, state_when_met, warn_time
from stations.presets import PRESETS

H = 60
WD = "working_days"
M = "minutes"
HOURS = "hours"

# DOMAIN.md §1, column by column.
FIGURES = {
    "juyuan": {
        "reply": (24, HOURS),
        "misconduct": (24, HOURS),
        "application": (3, WD),
        "general_fault": 4 * H,
        "leak_on_site": 1 * H,
        "repair_contact": 1 * H,
        "repair_on_site": 2 * H,
    },
    "lanyu": {
        "reply": (5, WD),
        "misconduct": (10, WD),
        "application": (3, WD),
        "general_fault": 24 * H,
        "leak_on_site": 1 * H,
        "repair_contact": 1 * H,
        "repair_on_site": 2 * H,
    },
    "changchun": {
        "reply": (24, HOURS),
        "misconduct": (24, HOURS),
        "application": (3, WD),
        "general_fault": 4 * H,
        "leak_on_site": 30,
        "repair_contact": 30,
        "repair_on_site": 30,
    },
}
# The same in all three presets.
COMMON = {
    "equipment_restore": 24 * H,
    "repair_finish": 24 * H,
    "too_cold_dispatch": 24 * H,
    "transfer": 1 * H,
    "contact": 2 * H,
    "resolve": 24 * H,
    "major_on_site": 30,
    "progress": 2 * H,
}


def expected(preset: str, category: str, severity: str, repair_kind: str) -> dict[str, tuple[int, str]]:
    f = {**FIGURES[preset], **COMMON}
    reply = {"misconduct": f["misconduct"], "heating_application": f["application"]}.get(category, f["reply"])
    clocks = {"reply": reply}
    if category in {"complaint", "misconduct", "suggestion", "stop_resume"} and severity == "general":
        clocks |= {"transfer": (f["transfer"], M), "contact": (f["contact"], M), "resolve": (f["resolve"], M)}
    if category == "repair" and repair_kind == "leak":
        clocks |= {"on_site": (f["leak_on_site"], M), "resolve": (f["repair_finish"], M)}
    if category == "repair" and repair_kind == "general_fault":
        clocks |= {
            "contact": (f["repair_contact"], M),
            "on_site": (f["repair_on_site"], M),
            "resolve": (f["general_fault"], M),
        }
    if category == "repair" and repair_kind == "equipment_fault":
        clocks |= {
            "contact": (f["repair_contact"], M),
            "on_site": (f["repair_on_site"], M),
            "restore": (f["equipment_restore"], M),
        }
    if category == "too_cold":
        clocks |= {"on_site": (f["too_cold_dispatch"], M)}
    if severity == "major":
        current = clocks.get("on_site", (10**9, M))[0]
        clocks["on_site"] = (min(current, f["major_on_site"]), M)
        clocks["progress_report"] = (f["progress"], M)
    return clocks


TICKET_SHAPES = [
    (category, severity, "")
    for category in [
        "enquiry",
        "too_cold",
        "complaint",
        "misconduct",
        "suggestion",
        "heating_application",
        "stop_resume",
    ]
    for severity in ["general", "major"]
] + [
    ("repair", severity, kind)
    for kind in ["leak", "general_fault", "equipment_fault"]
    for severity in ["general", "major"]
]

CASES = [(preset, *shape) for preset in ["juyuan", "lanyu", "changchun"] for shape in TICKET_SHAPES]


def policy(preset: str) -> SimpleNamespace:
    return SimpleNamespace(**PRESETS[preset])


@pytest.mark.parametrize(
    ("preset", "category", "severity", "repair_kind"), CASES, ids=["-".join(filter(None, c)) for c in CASES]
)
def test_clock_plan_matches_domain_table(preset, category, severity, repair_kind):
    plan = clock_plan(category=category, severity=severity, repair_kind=repair_kind, policy=policy(preset))
    got = {spec.kind: (spec.value, spec.unit) for spec in plan}
    assert got == expected(preset, category, severity, repair_kind)


@pytest.mark.parametrize(
    ("preset", "severity", "minutes"),
    [(p, "general", 24 * H) for p in PRESETS] + [(p, "major", 48 * H) for p in PRESETS],
)
def test_return_visit_is_24h_general_48h_major(preset, severity, minutes):
    spec = return_visit_spec(severity, policy(preset))
    assert (spec.kind, spec.value, spec.unit) == ("return_visit", minutes, "minutes")


def test_repair_without_kind_is_refused():
    with pytest.raises(ValueError, match="repair kind"):
        clock_plan(category="repair", severity="general", repair_kind="", policy=policy("juyuan"))


T0 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("met_after", "state"),
    [(dt.timedelta(0), "met"), (dt.timedelta(seconds=1), "met_late"), (-dt.timedelta(minutes=5), "met")],
    ids=["exactly-at-due-is-on-time", "one-second-late", "early"],
)
def test_met_on_time_or_late(met_after, state):
    assert state_when_met(due_at=T0, met_at=T0 + met_after) == state


@pytest.mark.parametrize(
    ("minutes", "share", "after"),
    [
        (60, "0.75", dt.timedelta(minutes=45)),
        (1440, "0.75", dt.timedelta(hours=18)),
        (120, "0.50", dt.timedelta(hours=1)),
    ],
)
def test_warning_at_share_of_span(minutes, share, after):
    from decimal import Decimal

    assert warn_time(T0, T0 + dt.timedelta(minutes=minutes), Decimal(share)) == T0 + after
