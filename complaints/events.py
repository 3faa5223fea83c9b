"""One writer for ticket history (API.md `events`). The caller holds the ticket's row lock, so
`seq` is gap-free and strictly increasing per ticket: the next one is read from the
(ticket, seq) unique index, and that index refuses a duplicate should a caller forget the lock."""

import datetime as dt

from django.db.models import Max

from complaints.models import Ticket, TicketEvent


def last_event_seqs(ticket_ids) -> dict[int, int]:
    """Ticket id → the seq of its newest event (tickets without events are absent): one query, read
    from the (ticket, seq) unique index. The caller holds the tickets' row locks."""
    return dict(
        TicketEvent.objects.filter(ticket_id__in=ticket_ids)
        .values("ticket_id")
        .annotate(last=Max("seq"))
        .values_list("ticket_id", "last")
    )


def next_event_seq(ticket_id: int) -> int:
    return last_event_seqs([ticket_id]).get(ticket_id, 0) + 1


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
