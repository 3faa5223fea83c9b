"""One writer for ticket history (API.md `events`). The caller holds the ticket's row lock, so
`seq` is gap-free and strictly increasing per ticket."""

import datetime as dt

from complaints.models import Ticket, TicketEvent


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
    ticket.last_event_seq += 1
    Ticket.objects.filter(pk=ticket.pk).update(last_event_seq=ticket.last_event_seq)
    return TicketEvent.objects.create(
        ticket=ticket,
        seq=ticket.last_event_seq,
        kind=kind,
        at=at,
        actor=actor,
        note=note,
        data=data or {},
        public=public,
    )
