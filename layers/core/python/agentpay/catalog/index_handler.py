"""The SQS side of indexing: one record at a time, partial batch failures.

A record that cannot be parsed or indexed fails alone; SQS redelivers it after the
visibility timeout and, after the queue's maxReceiveCount, moves it to the DLQ.
"""

from __future__ import annotations

import json
import logging

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from agentpay.catalog.indexing import Indexer, IndexMessage
from agentpay.catalog.queue import InlineIndexQueue, get_index_queue
from agentpay.knowledge import indexing as knowledge

logger = logging.getLogger(__name__)
processor = BatchProcessor(event_type=EventType.SQS)


def _indexer() -> Indexer:
    from agentpay.db import get_database
    from agentpay.embeddings import get_embedder

    queue = get_index_queue()
    enqueue = None if isinstance(queue, InlineIndexQueue) else queue.send
    return Indexer(get_database(), get_embedder(), enqueue)


def record_handler(record: SQSRecord) -> dict:
    body = json.loads(record.body)
    if knowledge.is_knowledge(body):  # a store's help articles (agentpay/knowledge)
        done = knowledge.handle_message(body)
        logger.info("indexed knowledge", extra={"articles": done.articles,
                                                "passages": done.passages,
                                                "embedded": done.embedded,
                                                "unchanged": done.unchanged,
                                                "removed": done.removed})
        from agentpay.observability import metrics

        metrics.add_metric(name="PassagesEmbedded", unit=MetricUnit.Count, value=done.embedded)
        return {"embedded": done.embedded, "removed": done.removed}
    message = IndexMessage.model_validate(body)
    report = _indexer().handle(message)
    logger.info("indexed", extra={"message_type": message.type, "embedded": report.embedded,
                                  "cached": report.cached, "unchanged": report.unchanged,
                                  "removed": report.removed, "fanned_out": report.fanned_out,
                                  "words_removed": report.words_removed,
                                  **({"graph": report.graph} if report.graph else {})})
    from agentpay.observability import metrics

    metrics.add_metric(name="ProductsEmbedded", unit=MetricUnit.Count, value=report.embedded)
    metrics.add_metric(name="ProductsFromCache", unit=MetricUnit.Count, value=report.cached)
    metrics.add_metric(name="ProductsRemovedFromIndex", unit=MetricUnit.Count,
                       value=report.removed)
    return {"embedded": report.embedded, "removed": report.removed}
