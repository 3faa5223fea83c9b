"""Ticket intake and every action on a ticket (DOMAIN.md §2–3, API.md "Tickets").

Each action: one transaction, the ticket row locked first (`_lock`), the transition table
checked (`TRANSITIONS`), clocks met, moved or opened, and exactly one event written. A refused
action raises before anything is written, so it leaves no event.

Split by concern: `core` (transition table, permissions, clock helpers), `intake` (ticket_create),
`tickets` (the actions). Import from this package: `from complaints import services`.
"""

from complaints.services.core import ACTION_LABELS, TRANSITIONS, can_work_on
from complaints.services.intake import TicketInput, ticket_create
from complaints.services.tickets import (
    ticket_accept,
    ticket_contact,
    ticket_decide_extension,
    ticket_feedback,
    ticket_on_site,
    ticket_papers_complete,
    ticket_reopen,
    ticket_report_progress,
    ticket_request_extension,
    ticket_request_papers,
    ticket_resolve,
    ticket_return_visit,
    ticket_send_back,
    ticket_set_appointment,
    ticket_transfer,
)

__all__ = [
    "ACTION_LABELS",
    "TRANSITIONS",
    "TicketInput",
    "can_work_on",
    "ticket_accept",
    "ticket_contact",
    "ticket_create",
    "ticket_decide_extension",
    "ticket_feedback",
    "ticket_on_site",
    "ticket_papers_complete",
    "ticket_reopen",
    "ticket_report_progress",
    "ticket_request_extension",
    "ticket_request_papers",
    "ticket_resolve",
    "ticket_return_visit",
    "ticket_send_back",
    "ticket_set_appointment",
    "ticket_transfer",
]
