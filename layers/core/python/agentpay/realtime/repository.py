"""SQL for WebSocket connections."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg


def insert(conn: psycopg.Connection, connection_id: str, organization_id: UUID,
           conversation_id: UUID) -> None:
    conn.execute(
        """INSERT INTO ws_connections (connection_id, organization_id, conversation_id)
           VALUES (%s, %s, %s)
           ON CONFLICT (connection_id) DO UPDATE
              SET organization_id = EXCLUDED.organization_id,
                  conversation_id = EXCLUDED.conversation_id, last_seen_at = now()""",
        (connection_id, organization_id, conversation_id),
    )


def get(conn: psycopg.Connection, connection_id: str) -> dict[str, Any] | None:
    return conn.execute(
        """SELECT connection_id, organization_id, conversation_id, connected_at
             FROM ws_connections WHERE connection_id = %s""",
        (connection_id,),
    ).fetchone()


def touch(conn: psycopg.Connection, connection_id: str) -> None:
    conn.execute("UPDATE ws_connections SET last_seen_at = now() WHERE connection_id = %s",
                 (connection_id,))


def delete(conn: psycopg.Connection, connection_id: str) -> bool:
    row = conn.execute(
        "DELETE FROM ws_connections WHERE connection_id = %s RETURNING connection_id",
        (connection_id,),
    ).fetchone()
    return row is not None


def delete_many(conn: psycopg.Connection, organization_id: UUID,
                connection_ids: list[str]) -> int:
    """Forget an organization's connections that API Gateway reported gone."""
    return conn.execute(
        """DELETE FROM ws_connections
            WHERE organization_id = %s AND connection_id = ANY(%s)""",
        (organization_id, connection_ids),
    ).rowcount


def for_conversation(conn: psycopg.Connection, organization_id: UUID,
                     conversation_id: UUID) -> list[str]:
    rows = conn.execute(
        """SELECT connection_id FROM ws_connections
            WHERE organization_id = %s AND conversation_id = %s ORDER BY connected_at""",
        (organization_id, conversation_id),
    ).fetchall()
    return [r["connection_id"] for r in rows]
