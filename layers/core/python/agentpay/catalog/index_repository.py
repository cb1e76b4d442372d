"""SQL for the search index: product vectors and the embedding cache."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

import psycopg
from psycopg import sql

if TYPE_CHECKING:  # numpy comes with the first vector, not with the routes that need none
    import numpy as np


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
    import numpy as np

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


def point_spans(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per text hash, what the given product rows span: price range, any in stock, their
    colours and sizes (and a vector, when the rows carry one)."""
    spans: dict[str, dict[str, Any]] = {}
    for r in rows:
        span = spans.setdefault(r["text_hash"], {
            "embedding": r.get("embedding"), "price_min": r["price_minor"],
            "price_max": r["price_minor"], "in_stock": False, "colors": set(), "sizes": set()})
        if span["embedding"] is None:
            span["embedding"] = r.get("embedding")
        span["price_min"] = min(span["price_min"], r["price_minor"])
        span["price_max"] = max(span["price_max"], r["price_minor"])
        span["in_stock"] = span["in_stock"] or bool(r["in_stock"])
        span["colors"].update(r["colors"] or ())
        span["sizes"].update(r["sizes"] or ())
    return spans


# Widening: a point's span grows to cover what it is given, never shrinks (see migration
# 0022); the row lock of ON CONFLICT / UPDATE makes concurrent widenings add up.
_WIDEN = """price_min = least(v.price_min, EXCLUDED.price_min),
            price_max = greatest(v.price_max, EXCLUDED.price_max),
            in_stock = v.in_stock OR EXCLUDED.in_stock,
            colors = ARRAY(SELECT DISTINCT c FROM unnest(v.colors || EXCLUDED.colors) c),
            sizes = ARRAY(SELECT DISTINCT z FROM unnest(v.sizes || EXCLUDED.sizes) z)"""


def upsert_store_vectors(conn: psycopg.Connection, organization_id: UUID,
                         rows: list[dict[str, Any]]) -> None:
    """The store's distinct vectors, one per text hash: the points of its graph
    (migration 0022). Products sharing a text share its point, which spans them all.
    Rows without a vector (text unchanged) only widen their point's span."""
    spans = point_spans(rows)
    if not spans:
        return
    with conn.cursor() as cur:
        cur.executemany(
            f"""INSERT INTO store_vectors AS v (organization_id, text_hash, embedding,
                                                price_min, price_max, in_stock, colors,
                                                sizes)
                SELECT %s, %s, coalesce(%s, (SELECT e.embedding FROM product_embeddings e
                                              WHERE e.organization_id = %s
                                                AND e.content_hash = %s LIMIT 1)),
                       %s, %s, %s, %s, %s
                ON CONFLICT (organization_id, text_hash) DO UPDATE SET {_WIDEN}""",
            [(organization_id, h, s["embedding"], organization_id, h, s["price_min"],
              s["price_max"], s["in_stock"], sorted(s["colors"]), sorted(s["sizes"]))
             for h, s in sorted(spans.items())],
        )


def sweep_store_vectors(conn: psycopg.Connection, organization_id: UUID) -> int:
    """Drop the store's vectors no product has any more (texts changed or deleted) and set
    every point's span exactly. Only a rebuild does this: a point without products is
    skipped by the search's join, one too wide only costs a probe."""
    removed = conn.execute(
        """DELETE FROM store_vectors v
            WHERE v.organization_id = %s
              AND NOT EXISTS (SELECT 1 FROM product_embeddings e
                               WHERE e.organization_id = v.organization_id
                                 AND e.content_hash = v.text_hash)""",
        (organization_id,)).rowcount
    conn.execute(
        """UPDATE store_vectors v
              SET price_min = s.price_min, price_max = s.price_max, in_stock = s.in_stock,
                  colors = coalesce(cs.colors, '{}'), sizes = coalesce(zs.sizes, '{}')
             FROM (SELECT e.content_hash, min(e.price_minor) AS price_min,
                          max(e.price_minor) AS price_max, bool_or(e.in_stock) AS in_stock
                     FROM product_embeddings e
                    WHERE e.organization_id = %(org)s
                    GROUP BY e.content_hash) s
             LEFT JOIN LATERAL (
                  SELECT array_agg(DISTINCT c) AS colors
                    FROM product_embeddings x, unnest(x.colors) c
                   WHERE x.organization_id = %(org)s AND x.content_hash = s.content_hash) cs
               ON true
             LEFT JOIN LATERAL (
                  SELECT array_agg(DISTINCT z) AS sizes
                    FROM product_embeddings x, unnest(x.sizes) z
                   WHERE x.organization_id = %(org)s AND x.content_hash = s.content_hash) zs
               ON true
            WHERE v.organization_id = %(org)s AND v.text_hash = s.content_hash""",
        {"org": organization_id})
    return removed


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
