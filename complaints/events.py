"""One writer for ticket history (API.md `events`). The caller holds the ticket's row lock, so
`seq` is gap-free and strictly increasing per ticket: the next one is read from the
(ticket, seq) unique index, and that index refuses a duplicate should a caller forget the lock."""

import datetime as dt

from django.db.models import Max

from complaints.models import Ticket, TicketEvent


def next_event_seq(ticket_id: int) -> int:
    last = TicketEvent.objects.filter(ticket_id=ticket_id).aggregate(last=Max("seq"))["last"]
    return (last or 0) + 1


def record_event(
    *,
    ticket: Ticket,
    kind: str,
    at: dt.datetime,
    actor=None,
    note: str = "",
    data: dict | None = None,
    public: bool = True,
) -> TicketEvent:
    """Append one event; the ticket row must be locked (select_for_update) by the caller."""
    return TicketEvent.objects.create(
        ticket=ticket,
        seq=next_event_seq(ticket.pk),
        kind=kind,
        at=at,
        actor=actor,
        note=note,
        data=data or {},
        public=public,
    )
