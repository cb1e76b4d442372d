"""SQL for the search index: product vectors and the embedding cache."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import numpy as np
import psycopg
from psycopg import sql


def current_index(conn: psycopg.Connection, organization_id: UUID,
                  product_ids: list[UUID]) -> dict[UUID, dict[str, Any]]:
    rows = conn.execute(
        """SELECT product_id, model, content_hash FROM product_embeddings
            WHERE organization_id = %s AND product_id = ANY(%s)""",
        (organization_id, product_ids),
    ).fetchall()
    return {r["product_id"]: r for r in rows}


def cached_vectors(conn: psycopg.Connection, model: str,
                   text_hashes: list[str]) -> dict[str, np.ndarray]:
    if not text_hashes:
        return {}
    rows = conn.execute(
        "SELECT text_hash, embedding FROM embedding_cache WHERE model = %s AND text_hash = ANY(%s)",
        (model, text_hashes),
    ).fetchall()
    return {r["text_hash"]: as_array(r["embedding"]) for r in rows}


def as_array(value: Any) -> np.ndarray:
    """pgvector returns its own Vector type (or an array, by version)."""
    if hasattr(value, "to_numpy"):
        value = value.to_numpy()
    return np.asarray(value, dtype=np.float32)


def store_cache(conn: psycopg.Connection, model: str,
                entries: list[tuple[str, np.ndarray]]) -> None:
    if not entries:
        return
    with conn.cursor() as cur:
        cur.executemany(
            """INSERT INTO embedding_cache (model, text_hash, embedding) VALUES (%s, %s, %s)
               ON CONFLICT (model, text_hash) DO NOTHING""",
            [(model, h, v) for h, v in entries],
        )


def lock_current_hashes(conn: psycopg.Connection, organization_id: UUID,
                        product_ids: list[UUID]) -> dict[UUID, str]:
    """Live products' content hashes, share-locked so an update cannot slip in between."""
    rows = conn.execute(
        """SELECT id, content_hash FROM products
            WHERE organization_id = %s AND id = ANY(%s) AND deleted_at IS NULL AND active
            ORDER BY id FOR SHARE""",
        (organization_id, product_ids),
    ).fetchall()
    return {r["id"]: r["content_hash"] for r in rows}


def upsert_vectors(conn: psycopg.Connection, organization_id: UUID,
                   rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    with conn.cursor() as cur:
        cur.executemany(
            """
            INSERT INTO product_embeddings (product_id, organization_id, model, content_hash,
                                            embedding, price_minor, currency, in_stock,
                                            category, colors, sizes, product_hash)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
            ON CONFLICT (organization_id, product_id) DO UPDATE SET
                model = EXCLUDED.model, content_hash = EXCLUDED.content_hash,
                product_hash = EXCLUDED.product_hash,
                embedding = EXCLUDED.embedding, price_minor = EXCLUDED.price_minor,
                currency = EXCLUDED.currency, in_stock = EXCLUDED.in_stock,
                category = EXCLUDED.category, colors = EXCLUDED.colors, sizes = EXCLUDED.sizes,
                updated_at = now()
            """,
            [
                (r["product_id"], organization_id, r["model"], r["text_hash"], r["embedding"],
                 r["price_minor"], r["currency"], r["in_stock"], r["category"], r["colors"],
                 r["sizes"], r["product_hash"])
                for r in rows
            ],
        )


def upsert_store_vectors(conn: psycopg.Connection, organization_id: UUID,
                         entries: list[tuple[str, np.ndarray]]) -> None:
    """The store's distinct vectors, one per text hash: the points of its graph
    (migration 0022). Products sharing a text share its point."""
    if not entries:
        return
    with conn.cursor() as cur:
        cur.executemany(
            """INSERT INTO store_vectors (organization_id, text_hash, embedding)
               VALUES (%s, %s, %s) ON CONFLICT (organization_id, text_hash) DO NOTHING""",
            [(organization_id, h, v) for h, v in entries],
        )


def sweep_store_vectors(conn: psycopg.Connection, organization_id: UUID) -> int:
    """Drop the store's vectors no product has any more (texts changed or deleted). Only
    a rebuild sweeps: a point without products is skipped by the search's join anyway."""
    return conn.execute(
        """DELETE FROM store_vectors v
            WHERE v.organization_id = %s
              AND NOT EXISTS (SELECT 1 FROM product_embeddings e
                               WHERE e.organization_id = v.organization_id
                                 AND e.content_hash = v.text_hash)""",
        (organization_id,)).rowcount


def refresh_filters(conn: psycopg.Connection, organization_id: UUID,
                    rows: list[dict[str, Any]]) -> None:
    """Text unchanged, but price or stock may have moved: keep the filter copies true
    and record which version of the product the row now reflects."""
    if not rows:
        return
    with conn.cursor() as cur:
        cur.executemany(
            """UPDATE product_embeddings
                  SET price_minor = %s, currency = %s, in_stock = %s, category = %s,
                      colors = %s, sizes = %s, product_hash = %s, updated_at = now()
                WHERE product_id = %s AND organization_id = %s""",
            [(r["price_minor"], r["currency"], r["in_stock"], r["category"], r["colors"],
              r["sizes"], r["product_hash"], r["product_id"], organization_id) for r in rows],
        )


def vector_partition(organization_id: UUID) -> str:
    """The organization's partition of product_embeddings (made by migration 0006's
    trigger when the organization is inserted)."""
    return "product_embeddings_" + str(organization_id).replace("-", "")


def graph_partition(organization_id: UUID) -> str:
    """The organization's partition of store_vectors, which carries its HNSW graph (made
    by the same trigger since migration 0022)."""
    return "store_vectors_" + str(organization_id).replace("-", "")


def word_partition(organization_id: UUID) -> str:
    """The organization's partition of catalog_words (migration 0011)."""
    return "catalog_words_" + str(organization_id).replace("-", "")


def drop_store_partitions(conn: psycopg.Connection, organization_id: UUID) -> None:
    """For organizations deleted outright (benchmarks): their empty partitions, graph and
    trigram index would otherwise stay behind."""
    for table in (vector_partition(organization_id), graph_partition(organization_id),
                  word_partition(organization_id)):
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
