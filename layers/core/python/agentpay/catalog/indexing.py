"""Turn catalog changes into search-index rows, idempotently.

A message names products (one, a batch), one organization, or all. For each live product
the text to embed is hashed with the model name: an unchanged hash skips the embedder; a
known text reuses the embedding cache; deleted or deactivated products leave the index.
Re-delivering a message is harmless.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from agentpay.catalog import graph_repository as graph_repo
from agentpay.catalog import index_repository as index_repo
from agentpay.catalog import lexemes_repository, terms_repository
from agentpay.catalog import repository as products_repo
from agentpay.db import Database

logger = logging.getLogger(__name__)

FANOUT_CHUNK = 100
MAX_IDS_PER_MESSAGE = 500
# A load of more products than this at once writes the store's vectors without its HNSW
# graph and builds the graph in one pass afterwards (migration 0022, ADR 0010): inserting
# one by one into a growing graph is what made a 100,000-product import take an hour.
BULK_THRESHOLD = 5_000
# The graph message waits until nothing is left to index and the store has not written a
# product for GRAPH_QUIET_SECONDS (an import sent through the API arrives in batches),
# checking again every GRAPH_RECHECK_SECONDS, at most GRAPH_MAX_WAITS times (about ten
# minutes); then it builds anyway, so a poisoned product cannot keep the store without
# its graph.
GRAPH_RECHECK_SECONDS = 2
GRAPH_QUIET_SECONDS = 3
GRAPH_MAX_WAITS = 300
# Through the API an import arrives in batches of up to 1,000: the store switches to a
# bulk load when its backlog of products waiting for indexing passes BULK_THRESHOLD, that
# is when the graph inserts cannot keep up with the batches. Batches that queue fewer than
# this many products (everyday updates) do not even check.
API_BULK_CHECK_MIN = 100
BULK_STALE_SECONDS = 60


class IndexMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["product", "products", "organization", "all", "graph"]
    organization_id: UUID | None = None
    product_id: UUID | None = None
    product_ids: list[UUID] = Field(default_factory=list, max_length=MAX_IDS_PER_MESSAGE)
    force: bool = False
    attempt: int = Field(default=0, ge=0)  # a "graph" message: how often it has waited

    @model_validator(mode="after")
    def _complete(self) -> IndexMessage:
        if self.type != "all" and self.organization_id is None:
            raise ValueError(f"a {self.type!r} message needs organization_id")
        if self.type == "product" and self.product_id is None:
            raise ValueError("a 'product' message needs product_id")
        if self.type == "products" and not self.product_ids:
            raise ValueError("a 'products' message needs product_ids")
        return self

    def ids(self) -> list[UUID]:
        return [self.product_id] if self.type == "product" else list(self.product_ids)


@dataclass
class IndexReport:
    embedded: int = 0
    cached: int = 0
    unchanged: int = 0
    removed: int = 0
    fanned_out: int = 0
    words_removed: int = 0
    missing: list[UUID] = field(default_factory=list)
    graph: Literal["built", "waiting", "none"] | None = None  # a "graph" message's outcome

    def add(self, other: IndexReport) -> None:
        self.embedded += other.embedded
        self.cached += other.cached
        self.unchanged += other.unchanged
        self.removed += other.removed
        self.fanned_out += other.fanned_out
        self.words_removed += other.words_removed
        self.missing += other.missing


def embedding_text(product: dict) -> str:
    """Short, title-like text: name, brand, category and colours.

    Descriptions are searched lexically; keeping them out of the vector keeps indexing
    fast and the vector focused on what the product is (see ADR 0003).
    """
    parts = [product["name"]]
    if product.get("brand"):
        parts.append(product["brand"])
    if product.get("category"):
        parts.append(product["category"])
    if product.get("colors"):
        parts.append(", ".join(product["colors"][:8]))
    return " | ".join(parts)


def bulk_wanted(conn, organization_id: UUID, queued: int) -> Literal["begin", "resend"] | None:
    """After an API batch that queued `queued` products: "begin" a bulk load when the
    store's indexing backlog is past BULK_THRESHOLD; "resend" the graph message of a bulk
    load no message has touched for BULK_STALE_SECONDS (it was lost: a queue outage, a
    crashed loader); None otherwise."""
    if queued < API_BULK_CHECK_MIN:
        return None
    load = graph_repo.bulk_load(conn, organization_id)
    if load is not None:
        return "resend" if load["idle_s"] > BULK_STALE_SECONDS else None
    backlog = products_repo.index_backlog(conn, organization_id)["pending"]
    return "begin" if backlog > BULK_THRESHOLD else None


def queue_index_work(conn, queue, organization_id: UUID, product_ids: list[UUID]) -> None:
    """Queue an API batch's products for indexing; when the store's import outruns the
    indexer, also its switch to a bulk load. The graph message goes out before the bulk
    load begins (a failed send leaves no store without its graph) and delayed (so it
    finds the load begun). Raises QueueUnavailable."""
    from agentpay.catalog.queue import product_messages

    bulk = bulk_wanted(conn, organization_id, len(product_ids))
    queue.send(product_messages(organization_id, product_ids))
    if bulk is None:
        return
    queue.send([graph_message(organization_id)], delay_seconds=GRAPH_RECHECK_SECONDS)
    with conn.transaction():
        if bulk == "begin":
            graph_repo.begin_bulk(conn, organization_id, len(product_ids))
            logger.info("bulk load begun", extra={"organization_id": str(organization_id)})
        else:
            graph_repo.touch_bulk(conn, organization_id)


def graph_message(organization_id: UUID, attempt: int = 0) -> dict:
    """The message that builds a store's graph once its bulk load is indexed."""
    return {"type": "graph", "organization_id": str(organization_id), "attempt": attempt}


def text_hash(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\n{text}".encode()).hexdigest()


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


class Indexer:
    def __init__(self, db: Database, embedder, enqueue=None) -> None:
        """`enqueue(messages)` fans large rebuilds out to the queue; None indexes inline."""
        self.db = db
        self.embedder = embedder
        self.enqueue = enqueue

    def handle(self, message: IndexMessage) -> IndexReport:
        if message.type in ("product", "products"):
            return self.index_products(message.organization_id, message.ids(), message.force)
        if message.type == "graph":
            return self.finish_bulk(message.organization_id, message.attempt)
        if message.type == "organization":
            return self.rebuild_organization(message.organization_id, message.force)
        report = IndexReport()
        with self.db.connection() as conn:
            orgs = products_repo.organization_ids(conn)
        for org_id in orgs:
            if self.enqueue is not None:
                self.enqueue([{"type": "organization", "organization_id": str(org_id),
                               "force": message.force}])
                report.fanned_out += 1
            else:
                report.add(self.rebuild_organization(org_id, message.force))
        return report

    def rebuild_organization(self, organization_id: UUID, force: bool) -> IndexReport:
        """Index what needs it (everything if `force`) and make the store's vocabulary and
        term statistics again, which only a rebuild clears of deleted products' words.
        Statistics first: a product write locks them before the words (its trigger)."""
        with self.db.transaction() as conn:
            lexemes_repository.refresh_lexemes(conn, organization_id)
            report = IndexReport(words_removed=products_repo.refresh_words(conn,
                                                                          organization_id))
            terms_repository.refresh_terms(conn, organization_id)
            index_repo.sweep_store_vectors(conn, organization_id)
        with self.db.connection() as conn:
            ids = (products_repo.all_product_ids(conn, organization_id) if force
                   else products_repo.ids_needing_index(conn, organization_id))
        bulk = len(ids) > BULK_THRESHOLD
        if bulk:
            self.begin_bulk(organization_id, len(ids))
        for chunk in _chunks(ids, FANOUT_CHUNK):
            if self.enqueue is not None:
                self.enqueue([{"type": "products", "organization_id": str(organization_id),
                               "product_ids": [str(i) for i in chunk], "force": force}])
                report.fanned_out += 1
            else:
                report.add(self.index_products(organization_id, chunk, force))
        if bulk:
            self.end_bulk(organization_id)
        return report

    def begin_bulk(self, organization_id: UUID, products: int) -> None:
        """Before `products` are queued at once: drop the store's graph (search goes on
        through full text) so their vectors are written without per-row graph inserts."""
        with self.db.transaction() as conn:
            graph_repo.begin_bulk(conn, organization_id, products)

    def end_bulk(self, organization_id: UUID) -> None:
        """After the last of a bulk load is queued: the graph message, queued behind it
        (inline: the graph is built now)."""
        if self.enqueue is not None:
            self.enqueue([graph_message(organization_id)])
        else:
            self.finish_bulk(organization_id, GRAPH_MAX_WAITS)

    def _check_back(self, organization_id: UUID, attempt: int) -> IndexReport:
        """The graph message again, GRAPH_RECHECK_SECONDS from now."""
        self.enqueue([graph_message(organization_id, attempt + 1)],
                     delay_seconds=GRAPH_RECHECK_SECONDS)
        return IndexReport(graph="waiting")

    def finish_bulk(self, organization_id: UUID, attempt: int) -> IndexReport:
        """Build the store's graph once its bulk load is indexed and quiet; until then the
        message comes back after GRAPH_RECHECK_SECONDS."""
        with self.db.connection() as conn:
            if graph_repo.bulk_load(conn, organization_id) is None:
                return IndexReport(graph="none")
            backlog = products_repo.index_backlog(conn, organization_id)
        busy = backlog["pending"] > 0 or backlog["idle_s"] < GRAPH_QUIET_SECONDS
        if busy and attempt < GRAPH_MAX_WAITS and self.enqueue is not None:
            report = self._check_back(organization_id, attempt)
            with self.db.transaction() as conn:
                graph_repo.touch_bulk(conn, organization_id)  # a message is alive
            return report
        with self.db.transaction() as conn:
            if not graph_repo.claim_build(conn, organization_id):
                # Another consumer is building it (this is the same message, delivered
                # again after its visibility timeout). Check back: if that build dies,
                # this message builds the graph instead. (No touch: the builder holds
                # the row.)
                if self.enqueue is not None:
                    return self._check_back(organization_id, attempt)
                return IndexReport(graph="none")
            graph_repo.build_graph(conn, organization_id)
        logger.info("vector graph built", extra={"organization_id": str(organization_id),
                                                 "checks": attempt + 1,
                                                 "left_unindexed": backlog["pending"]})
        return IndexReport(graph="built")

    def index_products(self, organization_id: UUID, product_ids: list[UUID],
                       force: bool = False) -> IndexReport:
        report = IndexReport()
        model = self.embedder.name
        with self.db.connection() as conn:
            products = products_repo.get_many(conn, organization_id, product_ids)
            live = [p for p in products if p["deleted_at"] is None and p["active"]]
            found = {p["id"] for p in products}
            report.missing = [pid for pid in product_ids if pid not in found]
            current = index_repo.current_index(conn, organization_id, [p["id"] for p in live])
            texts = {p["id"]: embedding_text(p) for p in live}
            hashes = {pid: text_hash(model, text) for pid, text in texts.items()}
            stale = [p for p in live if force or current.get(p["id"], {}).get("content_hash")
                     != hashes[p["id"]]]
            cached = index_repo.cached_vectors(conn, model,
                                               list({hashes[p["id"]] for p in stale}))
        misses = list(dict.fromkeys(hashes[p["id"]] for p in stale
                                    if hashes[p["id"]] not in cached))
        if misses:
            by_hash = {hashes[p["id"]]: texts[p["id"]] for p in stale}
            vectors = self.embedder.embed([by_hash[h] for h in misses])
            fresh = dict(zip(misses, vectors, strict=True))
        else:
            fresh = {}
        report.embedded = len(misses)
        report.cached = len(stale) - len([p for p in stale if hashes[p["id"]] in fresh])
        stale_ids = {p["id"] for p in stale}
        report.unchanged = len(live) - len(stale)

        with self.db.transaction() as conn:
            still = index_repo.lock_current_hashes(conn, organization_id,
                                                   [p["id"] for p in live])
            # A product changed or vanished since we read it: its own message will follow.
            current_live = [p for p in live if still.get(p["id"]) == p["content_hash"]]
            index_repo.store_cache(conn, model, list(fresh.items()))
            rows = []
            for p in current_live:
                h = hashes[p["id"]]
                rows.append({
                    "product_id": p["id"], "model": model, "text_hash": h,
                    "embedding": fresh.get(h, cached.get(h)), "price_minor": p["price_minor"],
                    "currency": p["currency"], "in_stock": p["in_stock"],
                    "category": p["category"], "colors": p["colors"], "sizes": p["sizes"],
                    "product_hash": p["content_hash"],
                })
            changed = [r for r in rows if r["product_id"] in stale_ids]
            same_text = [r for r in rows if r["product_id"] not in stale_ids]
            index_repo.upsert_vectors(conn, organization_id, changed)
            index_repo.refresh_filters(conn, organization_id, same_text)
            # the points: new texts' vectors, and every point's span widened to its rows
            index_repo.upsert_store_vectors(
                conn, organization_id,
                changed + [{**r, "embedding": None} for r in same_text])
            gone = [p["id"] for p in products if p["id"] not in still]
            report.removed = products_repo.remove_from_index(conn, organization_id, gone)
        return report
