"""Article rules: per-item validation, idempotent upserts by external id, what to index.

The caller owns the transaction and enqueues index work after it commits.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import psycopg
from pydantic import ValidationError

from agentpay.kit.errors import NotFound
from agentpay.kit.pagination import decode_cursor, encode_cursor
from agentpay.kit.text import utf8_encodable
from agentpay.knowledge import passages_repository, repository
from agentpay.knowledge.schemas import ArticleIn


@dataclass
class UpsertOutcome:
    accepted: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    to_index: list[UUID] = field(default_factory=list)


def content_hash(article: ArticleIn) -> str:
    """What the passages are made from: an unchanged article is neither written nor
    indexed again."""
    payload = json.dumps([article.title, article.body, article.url, article.tags],
                         ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def _errors(exc: ValidationError) -> list[dict[str, Any]]:
    return [{"loc": list(e["loc"]), "type": e["type"], "msg": e["msg"]} for e in exc.errors()]


def _validated(items: list[Any], outcome: UpsertOutcome) -> list[tuple[int, ArticleIn]]:
    """Each item on its own: a bad one is rejected with its reasons, the rest go on."""
    good: list[tuple[int, ArticleIn]] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        external_id = item.get("external_id") if isinstance(item, dict) else None
        # echoed in the answer only if it can be (an unpaired surrogate cannot)
        if not (isinstance(external_id, str) and utf8_encodable(external_id)):
            external_id = None
        try:
            article = ArticleIn.model_validate(item)
        except ValidationError as exc:
            outcome.rejected.append({"index": index, "external_id": external_id,
                                     "errors": _errors(exc)})
            continue
        if article.external_id in seen:
            outcome.rejected.append({"index": index, "external_id": article.external_id,
                                     "errors": [{"loc": ["external_id"], "type": "duplicate",
                                                 "msg": "external_id repeated in this batch"}]})
            continue
        seen.add(article.external_id)
        good.append((index, article))
    return good


def upsert_articles(conn: psycopg.Connection, organization_id: UUID,
                    items: list[Any]) -> UpsertOutcome:
    """Write new and changed articles; a retried PUT changes nothing but re-queues any
    article whose indexing never finished (a lost enqueue)."""
    outcome = UpsertOutcome()
    good = _validated(items, outcome)
    rows = {a.external_id: {**a.model_dump(), "content_hash": content_hash(a)}
            for _, a in good}
    before = repository.existing(conn, organization_id, list(rows))
    changed = [row for key, row in rows.items()
               if key not in before or before[key]["deleted_at"] is not None
               or before[key]["content_hash"] != row["content_hash"]]
    ids = repository.upsert_many(conn, organization_id, changed)
    for index, article in good:
        key, prior = article.external_id, before.get(article.external_id)
        if key in ids:
            article_id = ids[key]
            status = "created" if prior is None or prior["deleted_at"] is not None \
                else "updated"
        else:
            article_id, status = prior["id"], "unchanged"
        outcome.accepted.append({"index": index, "external_id": key, "id": article_id,
                                 "status": status})
        if status != "unchanged" or prior["indexed_hash"] != rows[key]["content_hash"]:
            outcome.to_index.append(article_id)
    return outcome


def delete_article(conn: psycopg.Connection, organization_id: UUID, external_id: str) -> UUID:
    """Gone from answers at once, not when the queue gets to it."""
    article_id = repository.soft_delete(conn, organization_id, external_id)
    if article_id is None:
        raise NotFound("article not found", code="article_not_found")
    passages_repository.remove(conn, organization_id, [article_id])
    return article_id


def get_article(conn: psycopg.Connection, organization_id: UUID, external_id: str) -> dict:
    article = repository.get_by_external_id(conn, organization_id, external_id)
    if article is None:
        raise NotFound("article not found", code="article_not_found")
    return article


def list_articles(conn: psycopg.Connection, organization_id: UUID, limit: int,
                  cursor: str | None) -> tuple[list[dict], str | None]:
    rows = repository.list_page(conn, organization_id, limit + 1, decode_cursor(cursor))
    page = rows[:limit]
    more = len(rows) > limit
    return page, (encode_cursor(page[-1]["created_at"], page[-1]["id"]) if more else None)
