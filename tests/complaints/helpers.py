"""Small builders for ticket tests."""

import datetime as dt

from complaints import services
from complaints.models import Deadline, Ticket


def make_ticket(actor, household, now: dt.datetime, **fields) -> Ticket:
    data = {
        "category": "complaint",
        "caller_name": "王建国",
        "caller_phone": "13912345678",
        "content": "暖气不热,室温只有14度",
        **fields,
    }
    if "household" not in data:
        data["household"] = household
    ticket, created = services.ticket_create(actor=actor, data=services.TicketInput(**data), now=now)
    assert created
    return ticket


def clocks_of(ticket: Ticket, **filters) -> dict[str, Deadline]:
    """The newest clock of each kind."""
    rows = Deadline.objects.filter(ticket=ticket, **filters).order_by("kind", "-cycle", "-due_at")
    found: dict[str, Deadline] = {}
    for row in rows:
        found.setdefault(row.kind, row)
    return found


def event_kinds(ticket: Ticket) -> list[str]:
    return list(ticket.events.order_by("seq").values_list("kind", flat=True))
