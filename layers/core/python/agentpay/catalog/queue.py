"""Index work goes to SQS (SendMessageBatch, grouped); without a queue it runs inline.

Locally the dev stack and `agentpay catalog load` install an `SqsIndexQueue` on their
moto SQS stand-in (`set_index_queue`), so this is the production path on one machine.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable
from typing import Protocol
from uuid import UUID

logger = logging.getLogger(__name__)

IDS_PER_MESSAGE = 100
SQS_BATCH = 10


class QueueUnavailable(RuntimeError):
    pass


class IndexQueue(Protocol):
    def send(self, messages: list[dict], delay_seconds: int = 0) -> None: ...


class SqsIndexQueue:
    def __init__(self, client, queue_url: str) -> None:
        self.client = client
        self.queue_url = queue_url

    def send(self, messages: list[dict], delay_seconds: int = 0) -> None:
        """`delay_seconds`: hidden that long first (a graph message checking back)."""
        for start in range(0, len(messages), SQS_BATCH):
            entries = [
                {"Id": str(i), "MessageBody": json.dumps(m, separators=(",", ":")),
                 **({"DelaySeconds": delay_seconds} if delay_seconds else {})}
                for i, m in enumerate(messages[start:start + SQS_BATCH])
            ]
            self._send_batch(entries)

    def _send_batch(self, entries: list[dict]) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        pending = entries
        for _ in range(3):  # SendMessageBatch can fail per entry; retry just those
            try:
                response = self.client.send_message_batch(QueueUrl=self.queue_url,
                                                          Entries=pending)
            except (BotoCoreError, ClientError) as exc:
                raise QueueUnavailable(str(exc)) from exc
            failed = {f["Id"] for f in response.get("Failed", [])}
            pending = [e for e in pending if e["Id"] in failed]
            if not pending:
                return
        raise QueueUnavailable(f"{len(pending)} index messages could not be queued")


class InlineIndexQueue:
    """No queue configured: index in the caller's process (simple setups, scripts)."""

    def send(self, messages: list[dict], delay_seconds: int = 0) -> None:
        from agentpay.catalog.indexing import Indexer, IndexMessage
        from agentpay.db import get_database
        from agentpay.embeddings import get_embedder
        from agentpay.knowledge import indexing as knowledge

        indexer = Indexer(get_database(), get_embedder())
        for message in messages:
            if knowledge.is_knowledge(message):
                knowledge.handle_message(message)
            else:
                indexer.handle(IndexMessage.model_validate(message))


def product_messages(organization_id: UUID, product_ids: Iterable[UUID]) -> list[dict]:
    ids = [str(i) for i in product_ids]
    return [
        {"type": "products", "organization_id": str(organization_id),
         "product_ids": ids[start:start + IDS_PER_MESSAGE]}
        for start in range(0, len(ids), IDS_PER_MESSAGE)
    ]


_queue: IndexQueue | None = None
_lock = threading.Lock()


def get_index_queue() -> IndexQueue:
    global _queue
    if _queue is None:
        with _lock:
            if _queue is None:
                from agentpay.config import get_settings

                url = get_settings().index_queue_url
                if url:
                    import boto3

                    _queue = SqsIndexQueue(boto3.client("sqs"), url)
                else:
                    _queue = InlineIndexQueue()
    return _queue


def set_index_queue(queue: IndexQueue | None) -> None:
    global _queue
    _queue = queue


