"""Races that matter, on two real PostgreSQL connections (RELIABILITY.md D1, D3)."""

import threading

import pytest
from django.db import connection, connections

from complaints import services
from complaints.models import Ticket, TicketEvent
from heatservice.errors import ActionNotAllowed
from tests.complaints.helpers import make_ticket
from tests.factories import station

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def run_together(*calls):
    """Start every call at the same moment, each on its own thread and database connection."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            outcomes[i] = ("ok", call())
        except Exception as exc:
            outcomes[i] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_two_agents_transfer_one_ticket_at_once(agent, agent2, household, now):
    assert connection.vendor == "postgresql"
    for _ in range(5):
        ticket = make_ticket(agent, household, now)
        outcomes = run_together(
            lambda t=ticket: services.ticket_transfer(ticket_id=t.pk, actor=agent, now=now, station=station(1)),
            lambda t=ticket: services.ticket_transfer(ticket_id=t.pk, actor=agent2, now=now, station=station(2)),
        )
        kinds = sorted(kind for kind, _ in outcomes)
        assert kinds == ["error", "ok"]
        error = next(value for kind, value in outcomes if kind == "error")
        assert isinstance(error, ActionNotAllowed)
        winner = next(value for kind, value in outcomes if kind == "ok")
        ticket.refresh_from_db()
        assert ticket.handler_station == winner.handler_station
        assert list(ticket.events.values_list("kind", "seq")) == [("received", 1), ("transferred", 2)]
        assert ticket.deadlines.get(kind="transfer").state == "met"


def test_concurrent_intake_gets_distinct_gap_free_numbers(agent, agent2, household, now):
    assert connection.vendor == "postgresql"
    calls = [lambda a=(agent if i % 2 else agent2): make_ticket(a, household, now) for i in range(8)]
    outcomes = run_together(*calls)
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    numbers = sorted(Ticket.objects.values_list("number", flat=True))
    assert numbers == [f"GD20261207-{n:04d}" for n in range(1, 9)]
    assert TicketEvent.objects.filter(kind="received").count() == 8


def test_same_idempotency_key_twice_at_once_creates_one_ticket(agent, household, now):
    def create():
        data = services.TicketInput(
            category="complaint", caller_name="王建国", caller_phone="13912345678", content="x", household=household
        )
        return services.ticket_create(actor=agent, data=data, now=now, idempotency_key="retry-1")

    outcomes = run_together(create, create)
    assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
    assert sorted(created for _, (_, created) in outcomes) == [False, True]
    assert Ticket.objects.count() == 1
