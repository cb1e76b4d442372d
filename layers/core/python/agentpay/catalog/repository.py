"""SQL for products and their index rows. Every statement is scoped to one organization."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

from agentpay.catalog import terms_repository

_PRODUCT_FIELDS = ("id", "external_id", "name", "description", "price_minor", "currency",
                   "compare_at_minor", "category", "brand", "attributes", "variants",
                   "image_url", "url", "active", "in_stock", "colors", "sizes", "content_hash",
                   "created_at", "updated_at")
# Read with `_FROM`: the index row is joined on the organization too, so the planner reads
# only that organization's partition of product_embeddings (migration 0006).
_COLUMNS = ", ".join(f"p.{c}" for c in _PRODUCT_FIELDS) + ", e.product_hash AS indexed_hash"
_FROM = """products p LEFT JOIN product_embeddings e
              ON e.organization_id = p.organization_id AND e.product_id = p.id"""


def existing_by_external_id(conn: psycopg.Connection, organization_id: UUID,
                            external_ids: list[str]) -> dict[str, dict[str, Any]]:
    rows = conn.execute(
        f"""SELECT p.id, p.external_id, p.content_hash, e.product_hash AS indexed_hash,
                  p.deleted_at, p.active
             FROM {_FROM}
            WHERE p.organization_id = %s AND p.external_id = ANY(%s)""",
        (organization_id, external_ids),
    ).fetchall()
    return {r["external_id"]: r for r in rows}


_UPSERT_COLUMNS = ("external_id", "name", "description", "price_minor", "currency",
                   "compare_at_minor", "category", "brand", "attributes", "variants",
                   "image_url", "url", "active", "in_stock", "colors", "sizes",
                   "attribute_text", "content_hash")


def upsert_many(conn: psycopg.Connection, organization_id: UUID,
                rows: list[dict[str, Any]]) -> dict[str, UUID]:
    """Insert or update by external id (also revives soft-deleted products)."""
    if not rows:
        return {}
    # One statement for the whole batch (rows as a JSON array, typed by the products row):
    # the statement triggers that count the store's lexemes (migration 0023) then run once
    # per batch, not once per product.
    org = str(organization_id)
    records = Jsonb([{**{c: r[c] for c in _UPSERT_COLUMNS}, "organization_id": org}
                     for r in rows])
    cursor = conn.execute(
        f"""
        INSERT INTO products (organization_id, {", ".join(_UPSERT_COLUMNS)})
        SELECT organization_id, {", ".join(_UPSERT_COLUMNS)}
          FROM jsonb_populate_recordset(NULL::products, %s)
        ON CONFLICT (organization_id, external_id) DO UPDATE SET
            {", ".join(f"{c} = EXCLUDED.{c}" for c in _UPSERT_COLUMNS if c != "external_id")},
            deleted_at = NULL, updated_at = now()
        RETURNING id, external_id
        """,
        (records,),
    )
    ids: dict[str, UUID] = {row["external_id"]: row["id"] for row in cursor.fetchall()}
    add_words(conn, organization_id, list(ids.values()))
    terms_repository.add_terms(conn, organization_id, list(ids.values()))
    return ids


_WORDS = """SELECT DISTINCT p.organization_id, w
               FROM products p,
                    agentpay_catalog_words(p.name, p.brand, p.category, p.attribute_text) w
              WHERE p.organization_id = %(org)s"""


def refresh_words(conn: psycopg.Connection, organization_id: UUID) -> int:
    """The store's vocabulary made again from its live products: words that only deleted
    or renamed products had go (add_words never removes one). Returns how many went.
    One statement: the live products' words are read once for both halves."""
    return conn.execute(
        f"""WITH live AS MATERIALIZED ({_WORDS} AND p.deleted_at IS NULL),
                 added AS (
                     INSERT INTO catalog_words (organization_id, word)
                     SELECT organization_id, w FROM live ORDER BY w ON CONFLICT DO NOTHING),
                 gone AS (
                     DELETE FROM catalog_words c
                      WHERE c.organization_id = %(org)s
                        AND c.word NOT IN (SELECT w FROM live) RETURNING 1)
            SELECT count(*) AS n FROM gone""",
        {"org": organization_id}).fetchone()["n"]


def add_words(conn: psycopg.Connection, organization_id: UUID,
              product_ids: list[UUID]) -> None:
    """The products' words into the store's vocabulary (migration 0011), which spelling
    correction reads: in the same transaction as the products, so a product that can be
    found by its words can also be found by a misspelling of them."""
    if product_ids:
        conn.execute(
            f"""INSERT INTO catalog_words (organization_id, word)
                {_WORDS} AND p.id = ANY(%(ids)s)
                ORDER BY 2 ON CONFLICT DO NOTHING""",
            {"org": organization_id, "ids": product_ids},
        )


def remove_from_index(conn: psycopg.Connection, organization_id: UUID,
                      product_ids: list[UUID]) -> int:
    if not product_ids:
        return 0
    cur = conn.execute(
        "DELETE FROM product_embeddings WHERE organization_id = %s AND product_id = ANY(%s)",
        (organization_id, product_ids),
    )
    return cur.rowcount


def soft_delete(conn: psycopg.Connection, organization_id: UUID,
                external_id: str) -> UUID | None:
    row = conn.execute(
        """UPDATE products SET deleted_at = now(), active = false, updated_at = now()
            WHERE organization_id = %s AND external_id = %s AND deleted_at IS NULL
            RETURNING id""",
        (organization_id, external_id),
    ).fetchone()
    return row["id"] if row else None


def get_by_external_id(conn: psycopg.Connection, organization_id: UUID,
                       external_id: str) -> dict[str, Any] | None:
    return conn.execute(
        f"""SELECT {_COLUMNS} FROM {_FROM}
             WHERE p.organization_id = %s AND p.external_id = %s AND p.deleted_at IS NULL""",
        (organization_id, external_id),
    ).fetchone()


def get_many(conn: psycopg.Connection, organization_id: UUID,
             product_ids: list[UUID]) -> list[dict[str, Any]]:
    return conn.execute(
        f"""SELECT {_COLUMNS}, p.deleted_at FROM {_FROM}
             WHERE p.organization_id = %s AND p.id = ANY(%s)""",
        (organization_id, product_ids),
    ).fetchall()


def list_page(conn: psycopg.Connection, organization_id: UUID, limit: int,
              after: tuple[datetime, UUID] | None) -> list[dict[str, Any]]:
    if after is None:
        return conn.execute(
            f"""SELECT {_COLUMNS} FROM {_FROM}
                 WHERE p.organization_id = %s AND p.deleted_at IS NULL
                 ORDER BY p.created_at DESC, p.id DESC LIMIT %s""",
            (organization_id, limit),
        ).fetchall()
    return conn.execute(
        f"""SELECT {_COLUMNS} FROM {_FROM}
             WHERE p.organization_id = %s AND p.deleted_at IS NULL
               AND (p.created_at, p.id) < (%s, %s)
             ORDER BY p.created_at DESC, p.id DESC LIMIT %s""",
        (organization_id, after[0], after[1], limit),
    ).fetchall()


def ids_needing_index(conn: psycopg.Connection, organization_id: UUID) -> list[UUID]:
    rows = conn.execute(
        f"""SELECT p.id FROM {_FROM}
            WHERE p.organization_id = %s AND p.deleted_at IS NULL AND p.active
              AND e.product_hash IS DISTINCT FROM p.content_hash""",
        (organization_id,),
    ).fetchall()
    return [r["id"] for r in rows]


def index_backlog(conn: psycopg.Connection, organization_id: UUID) -> dict[str, Any]:
    """How many live products wait for indexing, and how long since the store last wrote
    one (seconds, by the database's clock)."""
    return conn.execute(
        f"""SELECT count(*) FILTER (WHERE p.deleted_at IS NULL AND p.active
                                      AND e.product_hash IS DISTINCT FROM p.content_hash)
                   AS pending,
                   coalesce(extract(epoch FROM now() - max(p.updated_at)), 0)::float8
                   AS idle_s
              FROM {_FROM}
             WHERE p.organization_id = %s""",
        (organization_id,),
    ).fetchone()


def all_product_ids(conn: psycopg.Connection, organization_id: UUID) -> list[UUID]:
    rows = conn.execute(
        "SELECT id FROM products WHERE organization_id = %s AND deleted_at IS NULL AND active"
        " ORDER BY id",
        (organization_id,),
    ).fetchall()
    return [r["id"] for r in rows]


def active_product_names(conn: psycopg.Connection, organization_id: UUID) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM products WHERE organization_id = %s AND deleted_at IS NULL AND active"
        " ORDER BY external_id",
        (organization_id,),
    ).fetchall()
    return [r["name"] for r in rows]


def organization_ids(conn: psycopg.Connection) -> list[UUID]:
    return [r["id"] for r in conn.execute(
        "SELECT id FROM organizations WHERE deleted_at IS NULL ORDER BY id").fetchall()]


def organization_exists(conn: psycopg.Connection, organization_id: UUID) -> bool:
    return conn.execute("SELECT 1 FROM organizations WHERE id = %s AND deleted_at IS NULL",
                        (organization_id,)).fetchone() is not None


def get_active_by_external_ids(conn: psycopg.Connection, organization_id: UUID,
                               external_ids: list[str]) -> dict[str, dict[str, Any]]:
    rows = conn.execute(
        f"""SELECT {_COLUMNS} FROM {_FROM}
             WHERE p.organization_id = %s AND p.external_id = ANY(%s) AND p.deleted_at IS NULL
               AND p.active""",
        (organization_id, external_ids),
    ).fetchall()
    return {row["external_id"]: row for row in rows}
