"""Bodies of `agentpay catalog load` and `agentpay search`."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any
from uuid import UUID

from agentpay.catalog import graph_repository, indexing, repository, service
from agentpay.catalog.queue import SqsIndexQueue, product_messages, set_index_queue
from agentpay.catalog.schemas import MAX_BATCH
from agentpay.catalog.search import search
from agentpay.db import Database
from agentpay.kit.errors import NotFound
from agentpay_dev.catalog.shopper_query import parse_shopper_query


def read_jsonl(lines: Iterable[str]) -> Iterator[tuple[int, Any]]:
    """(line number, parsed object or an error marker) for each non-blank line."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, {"__error__": f"line {number}: not JSON ({exc.msg})"}


def load_catalog(db: Database, organization_id: UUID, path: Path,
                 visibility_timeout: int = 30, workers: int | None = None) -> dict[str, Any]:
    """Upsert → SQS (local stand-in) → the real index_products handler → searchable.

    More than one batch of messages is consumed by several handler processes at once
    (`workers`, default one per core), as the deployed event source mapping does.
    """
    from agentpay_dev.localstack.sqs import start_local_sqs
    from agentpay_dev.localstack.sqs_workers import drain_queue

    with db.connection() as conn:
        if not repository.organization_exists(conn, organization_id):
            raise NotFound("organization not found", code="organization_not_found")
    started = time.perf_counter()
    queues = start_local_sqs(visibility_timeout=visibility_timeout)
    queue = SqsIndexQueue(queues.client(), queues.queue_url)
    set_index_queue(queue)
    # A large file loads in bulk: vectors without the graph, the graph built at the end.
    with path.open() as handle:
        lines = sum(1 for line in handle if line.strip())
    bulk = lines > indexing.BULK_THRESHOLD
    if bulk:
        with db.transaction() as conn:
            graph_repository.begin_bulk(conn, organization_id, lines)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    rejected: list[dict[str, Any]] = []
    queued = 0
    consumers = 0
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
        if bulk:  # behind the products: it waits for them, then builds the graph
            queue.send([indexing.graph_message(organization_id)])
        upserted = time.perf_counter()
        waiting = int(queues.client().get_queue_attributes(
            QueueUrl=queues.queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]["ApproximateNumberOfMessages"])
        consumers = drain_queue(queues, messages=waiting, workers=workers)
        dead = int(queues.client().get_queue_attributes(
            QueueUrl=queues.dlq_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]["ApproximateNumberOfMessages"])
    finally:
        set_index_queue(None)
        queues.stop()
    done = time.perf_counter()
    with db.connection() as conn:
        pending = len(repository.ids_needing_index(conn, organization_id))
        loading = graph_repository.bulk_load(conn, organization_id) is not None
    accepted = sum(counts.values())
    return {
        "organization_id": str(organization_id), "accepted": accepted, **counts,
        "rejected": len(rejected), "rejections": rejected[:20], "queued_products": queued,
        "dead_lettered_messages": dead, "not_indexed": pending,
        "upsert_seconds": round(upserted - started, 3),
        "index_seconds": round(done - upserted, 3),
        "products_per_second": round(queued / (done - upserted), 1) if queued else None,
        "consumers": consumers,
        # bulk: vectors written without the graph, which was built once at the end;
        # search: "hybrid" once the store has its graph, "full_text" until then
        "bulk": bulk, "search": "full_text" if loading else "hybrid",
    }


def _load_batch(db: Database, queue: SqsIndexQueue, organization_id: UUID,
                batch: list[tuple[int, Any]], counts: dict[str, int],
                rejected: list[dict[str, Any]]) -> int:
    good = [(n, item) for n, item in batch if not (isinstance(item, dict) and "__error__" in item)]
    for n, item in batch:
        if isinstance(item, dict) and "__error__" in item:
            rejected.append({"line": n, "errors": [{"msg": item["__error__"]}]})
    with db.transaction() as conn:
        outcome = service.upsert_products(conn, organization_id, [item for _, item in good])
    for accepted in outcome.accepted:
        counts[accepted["status"]] += 1
    for rejection in outcome.rejected:
        rejected.append({"line": good[rejection["index"]][0],
                         "external_id": rejection["external_id"],
                         "errors": rejection["errors"]})
    queue.send(product_messages(organization_id, outcome.to_index))
    return len(outcome.to_index)


def search_lines(db: Database, organization_id: UUID, queries: Iterable[str], k: int,
                 out: IO[str]) -> int:
    count = 0
    with db.connection() as conn:
        for query in queries:
            query = query.rstrip("\n")
            if not query.strip():
                continue
            words, filters = parse_shopper_query(query)
            hits = search(conn, organization_id, words, k=k, filters=filters)
            out.write(json.dumps({"query": query, "results": [
                {"external_id": h.product["external_id"], "score": round(h.score, 6),
                 "name": h.product["name"], "matched": h.matched} for h in hits
            ]}) + "\n")
            out.flush()
            count += 1
    return count
