"""What the database itself refuses (RELIABILITY.md D5, G1): code must never write these."""

import datetime as dt

import pytest
from django.db import IntegrityError, InternalError, connection, transaction

from complaints.models import Assessment, Deadline, TicketEvent
from tests.complaints.helpers import clocks_of, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(agent, household, now):
    return make_ticket(agent, household, now)


def refused(action, error=IntegrityError):
    with pytest.raises(error), transaction.atomic():
        action()


def test_event_log_is_append_only(ticket):
    event = ticket.events.get()
    refused(lambda: TicketEvent.objects.filter(pk=event.pk).update(note="edited"), InternalError)
    refused(lambda: TicketEvent.objects.filter(pk=event.pk).delete(), InternalError)
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'complaints_ticketevent'::regclass")
        assert ("complaints_event_append_only",) in cursor.fetchall()


def test_duplicate_event_seq_is_refused(ticket, now):
    refused(lambda: TicketEvent.objects.create(ticket=ticket, seq=1, kind="received", at=now))


def test_met_at_only_with_a_met_state(ticket, now):
    reply = clocks_of(ticket)["reply"]
    refused(lambda: Deadline.objects.filter(pk=reply.pk).update(met_at=now))
    refused(lambda: Deadline.objects.filter(pk=reply.pk).update(state="met"))


def test_overdue_needs_its_mark_time(ticket):
    reply = clocks_of(ticket)["reply"]
    refused(lambda: Deadline.objects.filter(pk=reply.pk).update(state="overdue"))


def test_one_live_clock_per_kind(ticket, now):
    reply = clocks_of(ticket)["reply"]
    reply.pk = None
    refused(reply.save)


def test_due_never_before_start(ticket, now):
    reply = clocks_of(ticket)["reply"]
    refused(lambda: Deadline.objects.filter(pk=reply.pk).update(due_at=now - dt.timedelta(seconds=1)))


def test_one_proposal_per_clock_rule_and_person(ticket, agent, now):
    transfer = clocks_of(ticket)["transfer"]
    fields = {"rule": "transfer_late", "staff": agent, "ticket": ticket, "deadline": transfer, "amount": "20.00"}
    Assessment.objects.create(**fields, facts="x", created_at=now)
    refused(lambda: Assessment.objects.create(**fields, facts="again", created_at=now))


@pytest.mark.parametrize(
    ("field", "value"),
    [("query_code", "12345"), ("query_code", "abcdef"), ("repair_kind", "leak"), ("status", "lost")],
    ids=["short-code", "letters-code", "repair-kind-on-complaint", "unknown-status"],
)
def test_ticket_rows_stay_valid(ticket, field, value):
    refused(lambda: type(ticket).objects.filter(pk=ticket.pk).update(**{field: value}))


def test_ticket_numbers_are_unique(agent, household, now):
    first = make_ticket(agent, household, now)
    second = make_ticket(agent, household, now)
    refused(lambda: type(first).objects.filter(pk=second.pk).update(number=first.number))
