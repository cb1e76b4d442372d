"""SQL for a store's HNSW graph: its name, its bulk-build state, dropping and building it.

Each store's graph is an index of its own partition of store_vectors, one point per
distinct product text (migration 0022). While a row of vector_graph_builds says the store is loading in bulk or building,
search leaves the vector arm out (search_repository reads the same table).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from agentpay.catalog.index_repository import graph_partition

GRAPH_EF_CONSTRUCTION = 1000  # migration 0022; ADR 0010
# What one vector takes while the graph is built: 384 floats plus its neighbour lists.
BUILD_BYTES_PER_VECTOR = 2_500
BUILD_MEMORY_MIN_MB = 64
BUILD_MEMORY_MAX_MB = 2_048


def graph_name(organization_id: UUID) -> str:
    return graph_partition(organization_id) + "_graph"


def vector_graph(conn: psycopg.Connection, organization_id: UUID) -> str | None:
    """The store's valid HNSW graph (None while it has none, or no partition)."""
    row = conn.execute(
        """SELECT c.relname AS graph
             FROM pg_index x
             JOIN pg_class c ON c.oid = x.indexrelid
             JOIN pg_am a ON a.oid = c.relam
            WHERE x.indrelid = to_regclass(%s) AND a.amname = 'hnsw' AND x.indisvalid""",
        (graph_partition(organization_id),)).fetchone()
    return row["graph"] if row else None


def bulk_load(conn: psycopg.Connection, organization_id: UUID) -> dict[str, Any] | None:
    """The store's bulk load (products announced, started_at, idle_s: seconds since a
    graph message last touched it), or None: its graph is in use."""
    return conn.execute(
        """SELECT products, started_at,
                  extract(epoch FROM now() - updated_at)::float8 AS idle_s
             FROM vector_graph_builds WHERE organization_id = %s""",
        (organization_id,)).fetchone()


def search_mode(conn: psycopg.Connection, organization_id: UUID) -> str:
    """What search uses for the store now: "hybrid", or "full_text" during a bulk load."""
    return "hybrid" if bulk_load(conn, organization_id) is None else "full_text"


def touch_bulk(conn: psycopg.Connection, organization_id: UUID) -> None:
    conn.execute("UPDATE vector_graph_builds SET updated_at = now() WHERE organization_id = %s",
                 (organization_id,))


def begin_bulk(conn: psycopg.Connection, organization_id: UUID, products: int) -> None:
    """Mark the store as loading in bulk and drop its graph (in the caller's transaction:
    search switches to full text at the moment the graph goes)."""
    conn.execute(
        """INSERT INTO vector_graph_builds (organization_id, products) VALUES (%s, %s)
           ON CONFLICT (organization_id) DO UPDATE
              SET products = EXCLUDED.products, started_at = now(), updated_at = now()""",
        (organization_id, products))
    conn.execute("SELECT agentpay_drop_vector_graph(%s)", (organization_id,))


def claim_build(conn: psycopg.Connection, organization_id: UUID) -> bool:
    """Lock the store's bulk load for building its graph, in the caller's transaction;
    False when it has none or another consumer is building."""
    row = conn.execute(
        """SELECT organization_id FROM vector_graph_builds WHERE organization_id = %s
              FOR UPDATE SKIP LOCKED""", (organization_id,)).fetchone()
    return row is not None


def build_memory(vectors: int) -> str:
    mb = vectors * BUILD_BYTES_PER_VECTOR // 1_000_000 + 1
    return f"{max(BUILD_MEMORY_MIN_MB, min(BUILD_MEMORY_MAX_MB, mb))}MB"


def _store_build_memory(conn: psycopg.Connection, organization_id: UUID) -> str:
    """maintenance_work_mem for building the store's graph over its points now."""
    vectors = conn.execute("SELECT count(*) AS n FROM store_vectors WHERE organization_id = %s",
                           (organization_id,)).fetchone()["n"]
    return build_memory(vectors)


def build_graph(conn: psycopg.Connection, organization_id: UUID) -> bool:
    """Build the store's graph in one pass over its vectors and end the bulk state, in the
    caller's transaction. False when the graph was already there."""
    built = conn.execute("SELECT agentpay_build_vector_graph(%s, %s) AS built",
                         (organization_id, _store_build_memory(conn, organization_id))
                         ).fetchone()["built"]
    conn.execute("DELETE FROM vector_graph_builds WHERE organization_id = %s",
                 (organization_id,))
    return bool(built)


def reindex_graph(conn: psycopg.Connection, organization_id: UUID) -> str | None:
    """Rebuild one store's graph in bulk while searches and indexing go on (REINDEX
    CONCURRENTLY: the schema owner's autocommit connection). None without a graph."""
    graph = vector_graph(conn, organization_id)
    if graph is None:
        return None
    memory = _store_build_memory(conn, organization_id)
    conn.execute(sql.SQL("ALTER INDEX {} SET (ef_construction = {})").format(
        sql.Identifier(graph), sql.Literal(GRAPH_EF_CONSTRUCTION)))
    conn.execute(sql.SQL("SET maintenance_work_mem = {}").format(sql.Literal(memory)))
    conn.execute(sql.SQL("REINDEX INDEX CONCURRENTLY {}").format(sql.Identifier(graph)))
    return graph
