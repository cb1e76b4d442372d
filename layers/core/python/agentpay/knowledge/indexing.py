"""`knowledge` index messages: articles into passages with full text and vectors.

Rides the catalog's queue and handler (`catalog/index_handler.py`), so it shares its
batching, partial failures and DLQ. Idempotent: an article whose indexed version is its
current text, made by the current embedder, is left alone; a redelivered message finds
nothing to do. A passage's text already embedded (by any store) reuses the embedding
cache. An article changed while it was being embedded is skipped: its own message follows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from agentpay.catalog import index_repository
from agentpay.catalog.indexing import text_hash
from agentpay.db import Database
from agentpay.knowledge import passages_repository, repository
from agentpay.knowledge.chunking import passages

logger = logging.getLogger(__name__)

MESSAGE_TYPE = "knowledge"


class KnowledgeMessage(BaseModel):
    """Articles to index; none named: every article of the store that needs it (all of
    them with `force`, e.g. after a change of embedder)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["knowledge"]
    organization_id: UUID
    article_ids: list[UUID] = Field(default_factory=list, max_length=500)
    force: bool = False


@dataclass
class KnowledgeReport:
    articles: int = 0
    passages: int = 0
    embedded: int = 0
    cached: int = 0
    unchanged: int = 0
    removed: int = 0


def is_knowledge(body: object) -> bool:
    return isinstance(body, dict) and body.get("type") == MESSAGE_TYPE


class KnowledgeIndexer:
    def __init__(self, db: Database, embedder) -> None:
        self.db = db
        self.embedder = embedder

    def handle(self, message: KnowledgeMessage) -> KnowledgeReport:
        org = message.organization_id
        report = KnowledgeReport()
        model = self.embedder.name
        with self.db.connection() as conn:
            ids = message.article_ids or repository.ids_needing_index(conn, org, message.force)
            articles = repository.get_many(conn, org, ids)
            models = passages_repository.indexed_models(conn, org, [a["id"] for a in articles])
        gone = [a["id"] for a in articles if a["deleted_at"] is not None]
        stale = [a for a in articles if a["deleted_at"] is None and (
            message.force or a["indexed_hash"] != a["content_hash"]
            or models.get(a["id"], {model}) != {model})]
        report.unchanged = len(articles) - len(gone) - len(stale)
        made = {a["id"]: self._passages(a, report) for a in stale}
        with self.db.transaction() as conn:
            report.removed = passages_repository.remove(conn, org, gone)
            live = passages_repository.lock_live_hashes(conn, org, list(made))
            for article in stale:
                if live.get(article["id"]) != article["content_hash"]:
                    continue  # changed or deleted since it was read: its own message follows
                passages_repository.replace(conn, org, article["id"], article["content_hash"],
                                            made[article["id"]])
                report.articles += 1
                report.passages += len(made[article["id"]])
        return report

    def _passages(self, article: dict, report: KnowledgeReport) -> list[dict]:
        """The article's passages with their vectors, from the cache where it has them."""
        model = self.embedder.name
        cut = passages(article["title"], article["body"])
        hashes = [text_hash(model, p.text) for p in cut]
        with self.db.connection() as conn:
            cached = index_repository.cached_vectors(conn, model, list(set(hashes)))
        missing = list(dict.fromkeys(h for h in hashes if h not in cached))
        texts = {h: p.text for h, p in zip(hashes, cut, strict=True)}
        fresh = dict(zip(missing, self.embedder.embed([texts[h] for h in missing]),
                         strict=True)) if missing else {}
        if fresh:
            with self.db.transaction() as conn:
                index_repository.store_cache(conn, model, list(fresh.items()))
        report.embedded += len(fresh)
        report.cached += len(hashes) - len(fresh)
        return [{"ordinal": p.ordinal, "heading": p.heading, "body": p.body, "model": model,
                 "text_hash": h, "embedding": fresh.get(h, cached.get(h))}
                for p, h in zip(cut, hashes, strict=True)]


def handle_message(body: dict, db: Database | None = None, embedder=None) -> KnowledgeReport:
    """One `knowledge` message (a dict from the queue), with the process's database and
    embedder unless given."""
    from agentpay.db import get_database
    from agentpay.embeddings import get_embedder

    message = KnowledgeMessage.model_validate(body)
    return KnowledgeIndexer(db or get_database(), embedder or get_embedder()).handle(message)
