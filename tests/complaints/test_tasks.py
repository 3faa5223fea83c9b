"""Tasks through a real Celery worker and the real Redis broker (no eager mode, no mocks)."""

import datetime as dt
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection
from django.utils import timezone

from complaints.models import Deadline, OutboundMessage
from complaints.tasks import deadlines_sweep_task
from heatservice.celery import app
from tests.complaints.helpers import make_ticket

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def wait_for(predicate, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def worker():
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "make test runs the suite against Redis"
    assert connection.vendor == "postgresql"
    app.control.purge()
    with start_worker(app, pool="threads", concurrency=1, perform_ping_check=False, shutdown_timeout=10) as running:
        yield running


def test_beat_task_marks_a_back_dated_letters_reply_overdue(worker, agent, household):
    now = timezone.now()
    ticket = make_ticket(agent, household, now, channel="letter", received_at=now - dt.timedelta(hours=25))
    deadlines_sweep_task.delay()
    reply = Deadline.objects.filter(ticket=ticket, kind="reply")
    assert wait_for(lambda: reply.get().state == "overdue")
    assert set(ticket.assessments.values_list("rule", flat=True)) == {"no_reply", "transfer_late"}


def test_resident_text_is_sent_by_a_task_after_commit(worker, agent, household):
    ticket = make_ticket(agent, household, timezone.now())
    message = OutboundMessage.objects.get(ticket=ticket)
    assert wait_for(lambda: OutboundMessage.objects.get(pk=message.pk).sent_at is not None)


def test_nothing_is_enqueued_when_the_transaction_rolls_back(agent, household, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                make_ticket(agent, household, timezone.now())
                raise RuntimeError("validation failed later in the request")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not OutboundMessage.objects.exists()


@pytest.mark.django_db
def test_outbound_delivery_is_at_most_once_per_message(agent, household, mailoutbox):
    from complaints.sms import outbound_deliver

    ticket = make_ticket(agent, household, timezone.now())
    sms = OutboundMessage.objects.get(ticket=ticket)
    assert outbound_deliver(message_id=sms.pk) is True
    assert outbound_deliver(message_id=sms.pk) is False
    email = OutboundMessage.objects.create(channel="email", to="wang@example.com", body="您的工单已办结", key="e1")
    assert outbound_deliver(message_id=email.pk)
    assert not outbound_deliver(message_id=email.pk)
    assert [m.to for m in mailoutbox] == [["wang@example.com"]]
