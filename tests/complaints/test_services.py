"""The ticket lifecycle, its clocks and its history (DOMAIN.md §2–3), on PostgreSQL."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from complaints import services
from complaints.models import Assessment, Deadline, OutboundMessage, Status, Ticket
from complaints.sweep import deadlines_sweep
from heatservice.errors import ActionNotAllowed, InvalidInput, NotPermitted
from stations.models import CalendarDay
from stations.services import policy_edit, policy_switch_preset
from tests.complaints.helpers import clocks_of, event_kinds, make_ticket
from tests.factories import station

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


def test_intake_numbers_pins_policy_and_opens_clocks(agent, household, now):
    ticket = make_ticket(agent, household, now)
    assert ticket.number == "GD20261207-0001"
    assert ticket.first_responder == agent
    assert len(ticket.query_code) == 6
    assert ticket.query_code.isdigit()
    assert ticket.policy.version == 1
    due = {kind: d.due_at for kind, d in clocks_of(ticket).items()}
    assert due == {
        "reply": now + dt.timedelta(hours=24),
        "transfer": now + dt.timedelta(hours=1),
        "contact": now + dt.timedelta(hours=2),
        "resolve": now + dt.timedelta(hours=24),
    }
    assert event_kinds(ticket) == ["received"]
    assert make_ticket(agent, household, now).number == "GD20261207-0002"
    assert OutboundMessage.objects.filter(ticket=ticket, body__contains=ticket.query_code).exists()


def test_editing_the_policy_never_moves_an_existing_deadline(agent, household, now):
    ticket = make_ticket(agent, household, now)
    before = clocks_of(ticket)["transfer"].due_at
    policy_edit(changes={"transfer_minutes": 30})
    assert clocks_of(ticket)["transfer"].due_at == before
    later = make_ticket(agent, household, now)
    assert clocks_of(later)["transfer"].due_at == now + dt.timedelta(minutes=30)
    assert later.policy.version == 2
    assert ticket.policy.version == 1


def test_back_dated_letter_runs_its_clocks_from_receipt(agent, household, now):
    received = now - dt.timedelta(days=2)
    ticket = make_ticket(agent, household, now, channel="letter", received_at=received)
    assert ticket.received_at == received
    assert clocks_of(ticket)["reply"].due_at == received + dt.timedelta(hours=24)


@pytest.mark.parametrize(
    ("channel", "offset", "message"),
    [
        ("letter", dt.timedelta(minutes=1), "受理时间不能晚于现在。"),
        ("phone", -dt.timedelta(hours=1), "只有信函和意见箱的来件可以补录受理时间。"),
    ],
    ids=["future-refused", "phone-cannot-backdate"],
)
def test_back_dating_rules(agent, household, now, channel, offset, message):
    with pytest.raises(InvalidInput) as caught:
        make_ticket(agent, household, now, channel=channel, received_at=now + offset)
    assert caught.value.as_dict() == {"received_at": [message]}
    assert not Ticket.objects.exists()


# Working-day clocks across National Day 2026 (Oct 1–7 off, Sat Oct 10 a make-up working day).
@pytest.mark.parametrize(
    ("category", "received", "due"),
    [
        ("complaint", at(2026, 9, 30, 10, 0), at(2026, 10, 14)),  # 5 wd: 8, 9, 10(Sat), 12, 13
        ("misconduct", at(2026, 9, 30, 10, 0), at(2026, 10, 21)),  # 10 wd
        ("heating_application", at(2026, 9, 30, 23, 59), at(2026, 10, 11)),  # 3 wd: 8, 9, 10
        ("complaint", at(2026, 10, 9, 0, 0), at(2026, 10, 16)),  # from Fri 9: 10(Sat), 12, 13, 14, 15
    ],
    ids=["lanyu-reply-5wd", "lanyu-misconduct-10wd", "application-3wd-late-evening", "day-of-receipt-not-counted"],
)
def test_working_day_clocks_across_national_day_2026(agent, household, category, received, due):
    policy_switch_preset(preset="lanyu")
    ticket = make_ticket(
        agent, household, received + dt.timedelta(days=200), category=category, channel="letter", received_at=received
    )
    reply = clocks_of(ticket)["reply"]
    assert reply.due_at == due
    assert reply.calendar_confirmed


def test_deadline_into_2027_falls_back_and_is_marked_unconfirmed(agent, household):
    policy_switch_preset(preset="lanyu")
    received = at(2026, 12, 28, 9, 0)
    ticket = make_ticket(agent, household, received)
    reply = clocks_of(ticket)["reply"]
    assert (reply.due_at, reply.calendar_confirmed) == (at(2027, 1, 5), False)  # Mon–Fri fallback
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), kind="holiday", note="元旦")
    second = make_ticket(agent, household, received)
    assert clocks_of(second)["reply"].due_at == at(2027, 1, 6)


def _walk(ticket, manager, now, *steps):
    for step in steps:
        now += dt.timedelta(minutes=10)
        if step == "transfer":
            services.ticket_transfer(ticket_id=ticket.pk, actor=manager, now=now, station=station(1), note="请处理")
        elif step == "feedback":
            services.ticket_feedback(ticket_id=ticket.pk, actor=manager, now=now, note="已处理")
        elif step == "return_visit":
            services.ticket_return_visit(ticket_id=ticket.pk, actor=manager, now=now, satisfaction="satisfied")
        else:
            getattr(services, f"ticket_{step}")(ticket_id=ticket.pk, actor=manager, now=now)
    return now


def test_complaint_lifecycle_meets_every_clock(agent, station_head, household, now):
    ticket = make_ticket(agent, household, now)
    services.ticket_transfer(ticket_id=ticket.pk, actor=agent, now=now + dt.timedelta(minutes=20), station=station(1))
    assert clocks_of(ticket)["contact"].responsible == station_head
    services.ticket_accept(ticket_id=ticket.pk, actor=station_head, now=now + dt.timedelta(minutes=30))
    services.ticket_contact(ticket_id=ticket.pk, actor=station_head, now=now + dt.timedelta(minutes=50))
    services.ticket_resolve(ticket_id=ticket.pk, actor=station_head, now=now + dt.timedelta(hours=5))
    with pytest.raises(NotPermitted):
        services.ticket_feedback(ticket_id=ticket.pk, actor=station_head, now=now + dt.timedelta(hours=6), note="x")
    services.ticket_feedback(ticket_id=ticket.pk, actor=agent, now=now + dt.timedelta(hours=6), note="已修好")
    assert clocks_of(ticket)["return_visit"].due_at == now + dt.timedelta(hours=30)
    services.ticket_return_visit(
        ticket_id=ticket.pk, actor=agent, now=now + dt.timedelta(hours=8), satisfaction="satisfied"
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert ticket.satisfaction == "satisfied"
    assert {k: d.state for k, d in clocks_of(ticket).items()} == dict.fromkeys(
        ["reply", "transfer", "contact", "resolve", "return_visit"], "met"
    )
    assert event_kinds(ticket) == [
        "received", "transferred", "accepted", "contacted", "resolved", "fed_back", "return_visited",
    ]  # fmt: skip
    assert list(ticket.events.values_list("seq", flat=True)) == list(range(1, 8))


def test_late_transfer_stays_met_late(agent, household, now):
    ticket = make_ticket(agent, household, now)
    services.ticket_transfer(ticket_id=ticket.pk, actor=agent, now=now + dt.timedelta(minutes=61), station=station(1))
    transfer = clocks_of(ticket)["transfer"]
    assert (transfer.state, transfer.met_at) == ("met_late", now + dt.timedelta(minutes=61))


def test_unsatisfied_return_visit_reopens_with_fresh_clocks(agent, manager, household, now):
    ticket = make_ticket(agent, household, now)
    t = _walk(ticket, manager, now, "transfer", "accept", "contact", "resolve", "feedback")
    services.ticket_return_visit(ticket_id=ticket.pk, actor=agent, now=t, satisfaction="unsatisfied", note="还是冷")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.cycle) == (Status.REOPENED, 2)
    fresh = clocks_of(ticket, cycle=2)
    assert {k: d.due_at - t for k, d in fresh.items()} == {
        "reply": dt.timedelta(hours=24),
        "transfer": dt.timedelta(hours=1),
        "contact": dt.timedelta(hours=2),
        "resolve": dt.timedelta(hours=24),
    }
    assert Deadline.objects.filter(ticket=ticket, cycle=1, state="met").count() == 5
    assert event_kinds(ticket)[-2:] == ["return_visited", "reopened"]


def test_enquiry_answered_on_the_spot_meets_reply_at_intake(agent, now):
    ticket = make_ticket(agent, None, now, category="enquiry", answered_on_spot=True)
    assert ticket.status == Status.CLOSED
    reply = clocks_of(ticket)["reply"]
    assert (reply.state, reply.met_at) == ("met", now)


def test_missing_papers_pause_then_start_afresh(agent, household, now):
    ticket = make_ticket(agent, household, now, category="heating_application")
    _, accepted = services.ticket_request_papers(ticket_id=ticket.pk, actor=agent, now=now, items=["房产证", "身份证"])
    assert accepted
    assert clocks_of(ticket)["reply"].state == "paused"
    done = now + dt.timedelta(days=10)
    services.ticket_papers_complete(ticket_id=ticket.pk, actor=agent, now=done)
    reply = clocks_of(ticket)["reply"]
    # 3 working days counted from the completion day (Thu 17 Dec): Fri 18, Mon 21, Tue 22.
    assert (reply.state, reply.started_at, reply.due_at) == ("pending", done, at(2026, 12, 23))


def test_second_papers_request_is_refused_and_recorded_as_stalling(agent, household, now):
    ticket = make_ticket(agent, household, now)
    services.ticket_request_papers(ticket_id=ticket.pk, actor=agent, now=now, items=["身份证"])
    _, accepted = services.ticket_request_papers(ticket_id=ticket.pk, actor=agent, now=now, items=["缴费单"])
    assert not accepted
    assert event_kinds(ticket)[-1] == "papers_rerequested"
    entry = Assessment.objects.get(ticket=ticket)
    assert (entry.rule, entry.staff, str(entry.amount), entry.state) == ("stalling", agent, "50.00", "proposed")


def test_approved_extension_moves_the_clock_and_tells_the_resident(agent, manager, household, now):
    ticket = make_ticket(agent, household, now)
    new_due = now + dt.timedelta(days=3)
    services.ticket_request_extension(
        ticket_id=ticket.pk, actor=agent, now=now, kind="resolve", due_at=new_due, reason="需更换主管道阀门"
    )
    with pytest.raises(NotPermitted):
        services.ticket_decide_extension(ticket_id=ticket.pk, actor=agent, now=now, approve=True)
    services.ticket_decide_extension(ticket_id=ticket.pk, actor=manager, now=now, approve=True)
    resolve = clocks_of(ticket)["resolve"]
    assert (resolve.due_at, resolve.extended, resolve.state) == (new_due, True, "pending")
    assert OutboundMessage.objects.filter(ticket=ticket, body__contains="需更换主管道阀门").exists()
    assert event_kinds(ticket)[-2:] == ["extension_requested", "extension_approved"]


def test_extension_cannot_be_asked_after_the_clock_ran_out(agent, household, now):
    ticket = make_ticket(agent, household, now)
    with pytest.raises(ActionNotAllowed, match="时限已过"):
        services.ticket_request_extension(
            ticket_id=ticket.pk, actor=agent, now=now + dt.timedelta(hours=2), kind="transfer",
            due_at=now + dt.timedelta(hours=5), reason="忙",
        )  # fmt: skip


def test_send_back_returns_the_ticket_to_the_first_responder(agent, station_head, household, now):
    ticket = make_ticket(agent, household, now)
    services.ticket_transfer(ticket_id=ticket.pk, actor=agent, now=now, station=station(1))
    services.ticket_send_back(ticket_id=ticket.pk, actor=station_head, now=now, reason="不属于本所")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.handler_station) == (Status.RECEIVED, None)
    assert clocks_of(ticket)["contact"].responsible == agent


def test_major_incident_gets_emergency_clocks_and_progress_reports(agent, manager, household, now):
    ticket = make_ticket(agent, household, now, category="repair", repair_kind="leak", severity="major")
    assert clocks_of(ticket)["on_site"].due_at == now + dt.timedelta(minutes=30)
    services.ticket_report_progress(ticket_id=ticket.pk, actor=agent, now=now + dt.timedelta(hours=1), note="抢修中")
    progress = Deadline.objects.filter(ticket=ticket, kind="progress_report").order_by("due_at")
    assert [(d.state, d.due_at - now) for d in progress] == [
        ("met", dt.timedelta(hours=2)),
        ("pending", dt.timedelta(hours=3)),
    ]
    services.ticket_resolve(ticket_id=ticket.pk, actor=agent, now=now + dt.timedelta(hours=2))
    assert progress.last().state == "cancelled"


def test_resolving_skips_steps_but_never_erases_a_miss(agent, household, now):
    ticket = make_ticket(agent, household, now)
    services.ticket_resolve(ticket_id=ticket.pk, actor=agent, now=now + dt.timedelta(minutes=90))
    states = {k: d.state for k, d in clocks_of(ticket).items()}
    assert states == {"reply": "pending", "transfer": "overdue", "contact": "cancelled", "resolve": "met"}
    # The miss is recorded as the sweep would have: event and the 20 元 proposal, once.
    assert event_kinds(ticket) == ["received", "deadline_missed", "resolved"]
    assert list(Assessment.objects.filter(ticket=ticket).values_list("rule", "staff__username")) == [
        ("transfer_late", "agent1")
    ]
    assert deadlines_sweep(now=now + dt.timedelta(hours=2)).proposed == 0


def test_resident_cannot_act_on_their_own_ticket(resident, household, now):
    ticket = make_ticket(resident, household, now)
    assert ticket.channel == "web"
    with pytest.raises(NotPermitted):
        services.ticket_resolve(ticket_id=ticket.pk, actor=resident, now=now)
