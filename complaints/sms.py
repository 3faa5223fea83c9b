"""SMS delivery. No SMS gateway is reachable here, so the default backend records what would be
sent (the OutboundMessage row gets `sent_at`) and logs it."""

import logging

from django.utils import timezone

from complaints.models import OutboundMessage

log = logging.getLogger(__name__)


def outbound_deliver(*, message_id: int) -> bool:
    """Deliver one queued message at most once: claimed with a conditional UPDATE."""
    claimed = OutboundMessage.objects.filter(pk=message_id, sent_at__isnull=True).update(sent_at=timezone.now())
    if claimed:
        message = OutboundMessage.objects.get(pk=message_id)
        log.info("sms to %s: %s", message.to[:3] + "****", message.body)
    return bool(claimed)
