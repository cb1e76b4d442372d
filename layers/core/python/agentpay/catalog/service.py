"""Catalog rules: per-item validation, idempotent upserts, what needs indexing.

The caller owns the transaction and enqueues index work after it commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import psycopg
from pydantic import ValidationError

from agentpay.catalog import repository
from agentpay.catalog.normalize import product_row
from agentpay.catalog.schemas import ProductIn
from agentpay.kit.errors import NotFound
from agentpay.kit.pagination import decode_cursor, encode_cursor
from agentpay.kit.text import utf8_encodable


@dataclass
class UpsertOutcome:
    accepted: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    to_index: list[UUID] = field(default_factory=list)
    removed: list[UUID] = field(default_factory=list)


def _errors(exc: ValidationError) -> list[dict[str, Any]]:
    return [{"loc": list(e["loc"]), "type": e["type"], "msg": e["msg"]} for e in exc.errors()]


def upsert_products(conn: psycopg.Connection, organization_id: UUID,
                    items: list[Any]) -> UpsertOutcome:
    """Validate each item on its own; write the good ones; a bad one loses only itself."""
    outcome = UpsertOutcome()
    rows: list[tuple[int, dict[str, Any]]] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        external_id = item.get("external_id") if isinstance(item, dict) else None
        # echoed in the answer: only if it can be (an unpaired surrogate cannot)
        external_id = external_id if isinstance(external_id, str) and utf8_encodable(
            external_id) else None
        try:
            product = ProductIn.model_validate(item)
        except ValidationError as exc:
            outcome.rejected.append({"index": index, "external_id": external_id,
                                     "errors": _errors(exc)})
            continue
        if product.external_id in seen:
            outcome.rejected.append({"index": index, "external_id": product.external_id,
                                     "errors": [{"loc": ["external_id"], "type": "duplicate",
                                                 "msg": "external_id repeated in this batch"}]})
            continue
        seen.add(product.external_id)
        rows.append((index, product_row(product)))

    before = repository.existing_by_external_id(conn, organization_id,
                                                [r["external_id"] for _, r in rows])
    changed = []
    for _, row in rows:
        prior = before.get(row["external_id"])
        if prior is None or prior["deleted_at"] is not None \
                or prior["content_hash"] != row["content_hash"]:
            changed.append(row)
    ids = repository.upsert_many(conn, organization_id, changed)
    for index, row in rows:
        prior = before.get(row["external_id"])
        if row["external_id"] in ids:
            product_id = ids[row["external_id"]]
            status = "created" if prior is None or prior["deleted_at"] is not None else "updated"
        else:
            product_id, status = prior["id"], "unchanged"
        outcome.accepted.append({"index": index, "external_id": row["external_id"],
                                 "id": product_id, "status": status})
        if not row["active"]:
            outcome.removed.append(product_id)
        # Changed products, and unchanged ones whose indexing never finished (a lost
        # enqueue), go (back) on the queue: retrying a PUT heals the index.
        if status != "unchanged" or (row["active"]
                                     and prior["indexed_hash"] != row["content_hash"]):
            outcome.to_index.append(product_id)
    # Deactivated products leave search at once, not when the queue gets to them.
    repository.remove_from_index(conn, organization_id, outcome.removed)
    return outcome


def delete_product(conn: psycopg.Connection, organization_id: UUID, external_id: str) -> UUID:
    product_id = repository.soft_delete(conn, organization_id, external_id)
    if product_id is None:
        raise NotFound("product not found", code="product_not_found")
    repository.remove_from_index(conn, organization_id, [product_id])
    return product_id


def get_product(conn: psycopg.Connection, organization_id: UUID, external_id: str) -> dict:
    product = repository.get_by_external_id(conn, organization_id, external_id)
    if product is None:
        raise NotFound("product not found", code="product_not_found")
    return product


def list_products(conn: psycopg.Connection, organization_id: UUID, limit: int,
                  cursor: str | None) -> tuple[list[dict], str | None]:
    rows = repository.list_page(conn, organization_id, limit + 1, decode_cursor(cursor))
    page = rows[:limit]
    more = len(rows) > limit
    return page, (encode_cursor(page[-1]["created_at"], page[-1]["id"]) if more else None)


def to_out(row: dict) -> dict:
    """Storage names → API names (price in minor units under the API's field names)."""
    return {**row, "price": row["price_minor"], "compare_at_price": row["compare_at_minor"]}
