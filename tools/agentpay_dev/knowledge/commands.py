"""`agentpay knowledge load`, and the demo store's articles for `agentpay dev`.

Loading takes the production path on one machine: upsert → SQS (the local stand-in) →
the real index_products handler, as `agentpay catalog load` does for products.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any
from uuid import UUID

from agentpay.catalog import repository as catalog_repository
from agentpay.db import Database
from agentpay.kit.errors import NotFound
from agentpay.knowledge import repository, service
from agentpay.knowledge.queue import knowledge_messages
from agentpay.knowledge.schemas import MAX_BATCH
from agentpay_dev.catalog.commands import read_jsonl

DEMO_ARTICLES = Path(__file__).with_name("demo_articles.jsonl")


def demo_articles() -> list[dict]:
    """The demo store's help pages (shipping, returns, sizing, payment, warranty,
    contact), written for its catalog."""
    return [json.loads(line) for line in DEMO_ARTICLES.read_text().splitlines()
            if line.strip()]


def upsert(db: Database, queue, organization_id: UUID, articles: list[Any]
           ) -> service.UpsertOutcome:
    """One batch written in one transaction, then its index work queued."""
    with db.transaction() as conn:
        outcome = service.upsert_articles(conn, organization_id, articles)
    queue.send(knowledge_messages(organization_id, outcome.to_index))
    return outcome


def load_articles(db: Database, organization_id: UUID, path: Path) -> dict[str, Any]:
    """A JSON-lines file of articles (one object a line), upserted in batches of 100 and
    indexed before this returns."""
    from agentpay.catalog.queue import SqsIndexQueue, set_index_queue
    from agentpay_dev.localstack.functions import LocalContext, load_function
    from agentpay_dev.localstack.sqs import SqsPoller, start_local_sqs

    with db.connection() as conn:
        if not catalog_repository.organization_exists(conn, organization_id):
            raise NotFound("organization not found", code="organization_not_found")
    started = time.perf_counter()
    queues = start_local_sqs(visibility_timeout=30)
    queue = SqsIndexQueue(queues.client(), queues.queue_url)
    set_index_queue(queue)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    rejected: list[dict[str, Any]] = []
    queued = 0
    try:
        with path.open() as handle:
            batch: list[tuple[int, Any]] = []
            for item in read_jsonl(handle):
                batch.append(item)
                if len(batch) == MAX_BATCH:
                    queued += _load_batch(db, queue, organization_id, batch, counts, rejected)
                    batch = []
            if batch:
                queued += _load_batch(db, queue, organization_id, batch, counts, rejected)
        SqsPoller(queues, load_function("index_products").handler,
                  LocalContext("index_products")).drain(timeout=600)
    finally:
        set_index_queue(None)
        queues.stop()
    with db.connection() as conn:
        pending = len(repository.ids_needing_index(conn, organization_id))
    return {"organization_id": str(organization_id), "accepted": sum(counts.values()),
            **counts, "rejected": len(rejected), "rejections": rejected[:20],
            "queued_articles": queued, "not_indexed": pending,
            "seconds": round(time.perf_counter() - started, 3)}


def _load_batch(db: Database, queue, organization_id: UUID, batch: list[tuple[int, Any]],
                counts: dict[str, int], rejected: list[dict[str, Any]]) -> int:
    good = [(n, item) for n, item in batch
            if not (isinstance(item, dict) and "__error__" in item)]
    rejected += [{"line": n, "errors": [{"msg": item["__error__"]}]} for n, item in batch
                 if isinstance(item, dict) and "__error__" in item]
    outcome = upsert(db, queue, organization_id, [item for _, item in good])
    for accepted in outcome.accepted:
        counts[accepted["status"]] += 1
    rejected += [{"line": good[r["index"]][0], "external_id": r["external_id"],
                  "errors": r["errors"]} for r in outcome.rejected]
    return len(outcome.to_index)
