"""Celery tasks: each fetches nothing, calls one service, and is safe to run twice (STYLE.md rule 12)."""

from celery import shared_task
from django.utils import timezone


@shared_task(acks_late=True, ignore_result=True)
def deadlines_sweep_task() -> dict:
    """Beat runs this every minute (heatservice/celery.py)."""
    from complaints.sweep import deadlines_sweep

    return deadlines_sweep(now=timezone.now()).as_dict()


@shared_task(acks_late=True, ignore_result=True)
def outbound_deliver_task(message_id: int) -> bool:
    from complaints.sms import outbound_deliver

    return outbound_deliver(message_id=message_id)
