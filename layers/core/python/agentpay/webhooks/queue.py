"""Nudging the sender once an outbox row is committed.

The row is the truth; the nudge only makes the first attempt prompt. Deployed, it is an
SQS message (``AGENTPAY_WEBHOOK_QUEUE_URL``) for the deliver_webhooks function, whose
schedule also sweeps every due row (retries, and any nudge that was lost). Without a
queue (the dev stack, tests), the row is sent on a background thread of this process.
A failed nudge is logged, never raised: the schedule sends the row anyway.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Protocol
from uuid import UUID

from agentpay.config import get_settings

logger = logging.getLogger(__name__)


class WebhookQueue(Protocol):
    def nudge(self, delivery_id: UUID) -> None: ...


class SqsWebhookQueue:
    def __init__(self, client, queue_url: str) -> None:
        self.client, self.queue_url = client, queue_url

    def nudge(self, delivery_id: UUID) -> None:
        self.client.send_message(QueueUrl=self.queue_url,
                                 MessageBody=json.dumps({"delivery_id": str(delivery_id)}))


class ThreadWebhookQueue:
    """Sends the row from this process, after the caller's reply is on its way."""

    def nudge(self, delivery_id: UUID) -> None:
        threading.Thread(target=self._send, args=(delivery_id,), daemon=True,
                         name="webhook-nudge").start()

    @staticmethod
    def _send(delivery_id: UUID) -> None:
        from agentpay.db import get_database
        from agentpay.webhooks.service import deliver

        try:
            deliver(get_database(), get_settings(), [delivery_id])
        except Exception:
            logger.exception("webhook delivery failed", extra={"delivery_id": str(delivery_id)})


_queue: WebhookQueue | None = None
_lock = threading.Lock()


def set_webhook_queue(queue: WebhookQueue | None) -> None:
    global _queue
    _queue = queue


def get_webhook_queue() -> WebhookQueue:
    global _queue
    with _lock:
        if _queue is None:
            settings = get_settings()
            if settings.webhook_queue_url:
                import boto3

                _queue = SqsWebhookQueue(boto3.client("sqs"), settings.webhook_queue_url)
            else:
                _queue = ThreadWebhookQueue()
        return _queue


def nudge(delivery_id: UUID) -> None:
    try:
        get_webhook_queue().nudge(delivery_id)
    except Exception:
        logger.warning("could not queue a webhook; the schedule will send it", exc_info=True,
                       extra={"delivery_id": str(delivery_id)})
