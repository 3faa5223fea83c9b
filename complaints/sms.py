"""Delivery of outbound messages to residents.

Two channels: `sms`, whose gateway is not reachable here, so the backend records what would be
sent (the row gets `sent_at`, the text goes to the log with the number masked); and `email`,
through Django's mailer (console in development, SMTP in production, locmem in tests).
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from complaints.models import OutboundMessage

log = logging.getLogger(__name__)


def outbound_deliver(*, message_id: int) -> bool:
    """Deliver one queued message at most once: claimed with a conditional UPDATE, so a task that
    runs twice (beat's re-delivery, a redelivered message after a worker died) sends nothing twice."""
    claimed = OutboundMessage.objects.filter(pk=message_id, sent_at__isnull=True).update(sent_at=timezone.now())
    if not claimed:
        return False
    message = OutboundMessage.objects.get(pk=message_id)
    if message.channel == "email":
        send_mail("供热客服中心", message.body, settings.DEFAULT_FROM_EMAIL, [message.to])
    else:
        log.info("sms to %s****%s: %s", message.to[:3], message.to[-4:], message.body)
    return True
