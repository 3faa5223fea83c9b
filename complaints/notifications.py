"""One small interface for telling people things (issue #4).

Staff get a database inbox (`Notification`), residents an outbound message (`OutboundMessage`,
SMS recorded by the SMS backend, which is not reachable here). Rows are written inside the
caller's transaction (an outbox); delivery runs in a Celery task enqueued on commit, and the sweep
re-delivers whatever a lost task left behind.
"""

import logging
from collections.abc import Iterable

from django.db import transaction

from complaints.models import Notification, OutboundMessage, Ticket

log = logging.getLogger(__name__)


def notify_staff(
    *, user_ids: Iterable[int | None], kind: str, message: str, key: str, ticket: Ticket | None = None
) -> int:
    """Put one message in each user's inbox, at most once per (user, key)."""
    rows = [
        Notification(user_id=uid, ticket=ticket, kind=kind, message=message, key=key)
        for uid in dict.fromkeys(u for u in user_ids if u)
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def notify_resident(*, ticket: Ticket, body: str, key: str) -> None:
    """Queue a text to the caller's phone, at most once per key; delivered after commit."""
    message, created = OutboundMessage.objects.get_or_create(
        key=key, defaults={"channel": "sms", "to": ticket.caller_phone, "body": body, "ticket": ticket}
    )
    if created:
        enqueue_on_commit("complaints.tasks.outbound_deliver_task", message.pk)


def enqueue_on_commit(task_name: str, *args) -> None:
    """Publish a task after commit. A broker outage must not fail a request that already
    committed (RELIABILITY.md §0.6): the error is logged and the sweep catches up."""

    def publish():
        from heatservice.celery import app

        try:
            app.send_task(task_name, args=args)
        except Exception:  # broker down: the outbox row stays unsent and the sweep retries it
            log.warning("could not enqueue %s%r; the sweep will catch up", task_name, args, exc_info=True)

    transaction.on_commit(publish)
