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


def word_partition(organization_id: UUID) -> str:
    """The organization's partition of catalog_words (migration 0011)."""
    return "catalog_words_" + str(organization_id).replace("-", "")


def drop_store_partitions(conn: psycopg.Connection, organization_id: UUID) -> None:
    """For organizations deleted outright (benchmarks): their empty partitions, graph and
    trigram index would otherwise stay behind."""
    for table in (vector_partition(organization_id), word_partition(organization_id)):
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))


GRAPH_EF_CONSTRUCTION = 1000  # migration 0010


def vector_graph(conn: psycopg.Connection, organization_id: UUID) -> str | None:
    """The name of the organization's HNSW graph: its partition's part of
    product_embeddings_hnsw_idx (None when the organization has no partition)."""
    row = conn.execute(
        """SELECT i.inhrelid::regclass::text AS graph
             FROM pg_inherits i JOIN pg_index x ON x.indexrelid = i.inhrelid
            WHERE i.inhparent = 'product_embeddings_hnsw_idx'::regclass
              AND x.indrelid = to_regclass(%s)""", (vector_partition(organization_id),)
    ).fetchone()
    return row["graph"] if row else None


def rebuild_vector_graph(conn: psycopg.Connection, organization_id: UUID) -> str | None:
    """Rebuild one store's graph in bulk with the current build options, while searches
    and indexing go on (REINDEX CONCURRENTLY; needs an autocommit connection). A bulk build
    is also far faster than the row-by-row inserts that grew the graph."""
    graph = vector_graph(conn, organization_id)
    if graph is None:
        return None
    conn.execute(sql.SQL("ALTER INDEX {} SET (ef_construction = {})").format(
        sql.Identifier(graph), sql.Literal(GRAPH_EF_CONSTRUCTION)))
    conn.execute(sql.SQL("SET maintenance_work_mem = '512MB'"))
    conn.execute(sql.SQL("REINDEX INDEX CONCURRENTLY {}").format(sql.Identifier(graph)))
    return graph
