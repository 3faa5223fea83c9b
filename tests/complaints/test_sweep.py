"""The deadline sweep (issue #4): marks once, proposes once, warns once, catches up, and is safe
when two sweeps run at once."""

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections

from complaints import services
from complaints.models import Assessment, Deadline, Notification, TicketEvent
from complaints.sweep import deadlines_sweep
from stations.services import policy_edit
from tests.complaints.helpers import clocks_of, event_kinds, make_ticket
from tests.factories import station

pytestmark = pytest.mark.django_db


def test_sweep_marks_overdue_once_and_second_sweep_changes_nothing(agent, station_head, household, now):
    ticket = make_ticket(agent, household, now)
    later = now + dt.timedelta(minutes=61)  # the 1 h transfer clock has run out
    first = deadlines_sweep(now=later)
    assert (first.overdue, first.proposed) == (1, 1)
    transfer = clocks_of(ticket)["transfer"]
    assert (transfer.state, transfer.overdue_at, transfer.escalation_level) == ("overdue", later, 1)
    assert event_kinds(ticket) == ["received", "deadline_missed"]
    entry = Assessment.objects.get()
    assert (entry.rule, entry.staff, str(entry.amount), entry.deadline) == ("transfer_late", agent, "20.00", transfer)
    told = set(
        Notification.objects.filter(kind="deadline_overdue", ticket=ticket).values_list("user__username", flat=True)
    )
    assert told == {"agent1", "head1"}  # the responsible first responder and the station's head

    second = deadlines_sweep(now=later)
    assert (second.warned, second.overdue, second.escalated, second.proposed, second.rearmed) == (0, 0, 0, 0, 0)
    assert TicketEvent.objects.filter(ticket=ticket).count() == 2
    assert Assessment.objects.count() == 1


def test_missed_reply_proposes_100_yuan_to_the_first_responder(agent, household, now):
    ticket = make_ticket(agent, household, now, category="enquiry")
    deadlines_sweep(now=now + dt.timedelta(hours=24, seconds=1))
    entry = Assessment.objects.get(ticket=ticket)
    assert (entry.rule, entry.staff, str(entry.amount), entry.state) == ("no_reply", agent, "100.00", "proposed")


def test_missed_clock_with_an_approved_extension_proposes_nothing(agent, manager, household, now):
    ticket = make_ticket(agent, household, now, category="enquiry")
    services.ticket_request_extension(
        ticket_id=ticket.pk, actor=agent, now=now, kind="reply", due_at=now + dt.timedelta(hours=30), reason="需调查"
    )
    services.ticket_decide_extension(ticket_id=ticket.pk, actor=manager, now=now, approve=True)
    result = deadlines_sweep(now=now + dt.timedelta(hours=31))
    assert result.overdue == 1
    assert not Assessment.objects.exists()


def test_extension_approved_after_the_sweep_dismisses_the_proposal(agent, manager, household, now):
    ticket = make_ticket(agent, household, now, category="enquiry")
    services.ticket_request_extension(
        ticket_id=ticket.pk, actor=agent, now=now, kind="reply", due_at=now + dt.timedelta(hours=48), reason="需调查"
    )
    deadlines_sweep(now=now + dt.timedelta(hours=25))
    services.ticket_decide_extension(ticket_id=ticket.pk, actor=manager, now=now + dt.timedelta(hours=26), approve=True)
    assert Assessment.objects.get().state == "dismissed"
    assert clocks_of(ticket)["reply"].state == "pending"


@pytest.mark.parametrize(("share", "minutes"), [("0.75", 45), ("0.50", 30)], ids=["default-75pct", "policy-50pct"])
def test_warning_fires_once_at_the_configured_share(agent, household, now, share, minutes):
    if share != "0.75":
        policy_edit(changes={"warning_share": share})
    ticket = make_ticket(agent, household, now)
    assert deadlines_sweep(now=now + dt.timedelta(minutes=minutes - 1)).warned == 0
    assert deadlines_sweep(now=now + dt.timedelta(minutes=minutes)).warned == 1  # the transfer clock
    assert deadlines_sweep(now=now + dt.timedelta(minutes=minutes + 5)).warned == 0
    transfer = clocks_of(ticket)["transfer"]
    assert transfer.warned_at == now + dt.timedelta(minutes=minutes)
    assert Notification.objects.filter(user=agent, kind="deadline_warning").count() == 1


def test_catch_up_after_a_three_hour_outage_in_one_pass(agent, manager, household, now):
    ticket = make_ticket(agent, household, now, category="repair", repair_kind="leak", severity="major")
    result = deadlines_sweep(now=now + dt.timedelta(hours=3))
    # on_site (30 min) missed; progress reports due at +2 h (missed, re-armed at +4 h).
    assert (result.overdue, result.rearmed) == (2, 1)
    progress = list(Deadline.objects.filter(ticket=ticket, kind="progress_report").order_by("due_at"))
    assert [(d.state, d.due_at - now) for d in progress] == [
        ("overdue", dt.timedelta(hours=2)),
        ("pending", dt.timedelta(hours=4)),
    ]
    assert deadlines_sweep(now=now + dt.timedelta(hours=3)).changed == 0


def test_missed_clocks_continue_the_ticket_history_gap_free(agent, manager, station_head, household, now):
    ticket = make_ticket(agent, household, now, category="repair", repair_kind="leak", severity="major")
    later = now + dt.timedelta(hours=3)
    deadlines_sweep(now=later)  # two clocks missed in one batch: on_site (+30 min), progress report (+2 h)
    services.ticket_transfer(ticket_id=ticket.pk, actor=agent, now=later, station=station(1))

    history = list(ticket.events.order_by("seq").values_list("seq", "kind", "data__kind"))
    assert history == [
        (1, "received", None),
        (2, "deadline_missed", "on_site"),
        (3, "deadline_missed", "progress_report"),
        (4, "transferred", None),
    ]
    notice = Notification.objects.get(kind="transferred")
    assert notice.key == f"transferred:{ticket.pk}:4"


def test_major_incident_goes_to_managers_at_once(agent, manager, household, now):
    make_ticket(agent, household, now, category="repair", repair_kind="leak", severity="major")
    deadlines_sweep(now=now + dt.timedelta(minutes=31))
    assert Notification.objects.filter(user=manager, kind="deadline_overdue").count() == 1


def test_overdue_escalates_to_managers_after_the_escalation_time(agent, station_head, manager, household, now):
    ticket = make_ticket(agent, household, now)
    services.ticket_transfer(ticket_id=ticket.pk, actor=agent, now=now, station=station(1))
    deadlines_sweep(now=now + dt.timedelta(hours=2, minutes=1))  # contact missed: head told
    assert Notification.objects.filter(user=station_head, kind="deadline_overdue").exists()
    assert not Notification.objects.filter(user=manager, kind="deadline_escalated").exists()
    result = deadlines_sweep(now=now + dt.timedelta(hours=4))  # 2 h after due: managers
    assert result.escalated == 1
    assert Notification.objects.filter(user=manager, kind="deadline_escalated").count() == 1
    assert deadlines_sweep(now=now + dt.timedelta(hours=5)).escalated == 0


def test_met_after_overdue_becomes_met_late_forever(agent, household, now):
    ticket = make_ticket(agent, household, now)
    deadlines_sweep(now=now + dt.timedelta(hours=2))
    services.ticket_transfer(ticket_id=ticket.pk, actor=agent, now=now + dt.timedelta(hours=3), station=station(1))
    transfer = clocks_of(ticket)["transfer"]
    assert (transfer.state, transfer.overdue_at) == ("met_late", now + dt.timedelta(hours=2))


def test_management_command_runs_the_same_sweep(agent, household, now, capsys):
    make_ticket(agent, household, now)
    call_command("sweep_deadlines", "--now", (now + dt.timedelta(hours=25)).isoformat())
    assert "overdue=4" in capsys.readouterr().out
    call_command("sweep_deadlines", "--now", (now + dt.timedelta(hours=25)).isoformat())
    assert "overdue=0" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_in_parallel_produce_no_duplicates(agent, household, now):
    assert connection.vendor == "postgresql"
    tickets = [make_ticket(agent, household, now, category="enquiry") for _ in range(60)]
    later = now + dt.timedelta(hours=25)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(deadlines_sweep(now=later, batch=7))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(r.overdue for r in results) == 60
    assert Deadline.objects.filter(state="overdue").count() == 60
    assert TicketEvent.objects.filter(kind="deadline_missed").count() == 60
    assert Assessment.objects.count() == 60
    for ticket in tickets:
        seqs = list(ticket.events.order_by("seq").values_list("seq", flat=True))
        assert seqs == [1, 2]
    assert deadlines_sweep(now=later).overdue == 0


@pytest.mark.parametrize("tickets", [3, 15])
def test_sweep_query_count_does_not_grow_with_the_clocks_it_marks(
    agent, station_head, household, now, django_assert_max_num_queries, tickets
):
    for _ in range(tickets):
        make_ticket(agent, household, now)  # four clocks each, all missed below
    with django_assert_max_num_queries(40):
        result = deadlines_sweep(now=now + dt.timedelta(hours=25))
    assert result.overdue == 4 * tickets
