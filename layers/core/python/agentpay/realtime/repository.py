"""SQL for WebSocket connections."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg


def insert(conn: psycopg.Connection, connection_id: str, organization_id: UUID,
           conversation_id: UUID, token_hash: str | None = None) -> None:
    conn.execute(
        """INSERT INTO ws_connections (connection_id, organization_id, conversation_id,
                                       token_hash)
           VALUES (%s, %s, %s, %s)
           ON CONFLICT (connection_id) DO UPDATE
              SET organization_id = EXCLUDED.organization_id,
                  conversation_id = EXCLUDED.conversation_id,
                  token_hash = EXCLUDED.token_hash, last_seen_at = now()""",
        (connection_id, organization_id, conversation_id, token_hash),
    )


def insert_operator(conn: psycopg.Connection, connection_id: str, organization_id: UUID,
                    operator_token_id: UUID) -> None:
    """A dashboard's socket: the organization's, opened with an operator token."""
    conn.execute(
        """INSERT INTO ws_connections (connection_id, organization_id, operator_token_id)
           VALUES (%s, %s, %s)
           ON CONFLICT (connection_id) DO UPDATE
              SET organization_id = EXCLUDED.organization_id, conversation_id = NULL,
                  operator_token_id = EXCLUDED.operator_token_id, token_hash = NULL,
                  last_seen_at = now()""",
        (connection_id, organization_id, operator_token_id),
    )


def check_frame(conn: psycopg.Connection, connection_id: str, capacity: float | None,
                per_second: float) -> dict[str, Any] | None:
    """The connection, with what decides whether this frame may be served: whether the
    token it opened with is still the conversation's and unexpired, whether the agent is
    active (the same checks an HTTP call with that token gets), and whether the frame is
    within the connection's rate: the frame takes a token from the bucket on the
    connection's row (``capacity`` None: no limit), and ``frame_refusals`` says how many
    frames in a row were refused (0: this one may be served). One statement, as the
    connection alone was read before."""
    return conn.execute(
        """WITH w AS (
               UPDATE ws_connections
                  SET frame_tokens = CASE WHEN %(capacity)s::float8 IS NULL THEN NULL
                          ELSE agentpay_bucket_take(frame_tokens, frame_at, %(capacity)s,
                                                    %(per_second)s) END,
                      frame_refusals = CASE WHEN %(capacity)s::float8 IS NULL
                          OR agentpay_bucket_refill(frame_tokens, frame_at, %(capacity)s,
                                                    %(per_second)s) >= 1
                          THEN 0 ELSE frame_refusals + 1 END,
                      frame_at = greatest(coalesce(frame_at, now()), now()),
                      last_seen_at = now()
                WHERE connection_id = %(id)s
               RETURNING connection_id, organization_id, conversation_id, connected_at,
                         token_hash, operator_token_id, frame_tokens, frame_refusals)
           SELECT w.connection_id, w.organization_id, w.conversation_id, w.connected_at,
                  w.operator_token_id,
                  -- a dashboard's socket: its operator token still signed in, unexpired,
                  -- and the key that issued it still working
                  (ot.id IS NOT NULL AND ot.revoked_at IS NULL AND k.revoked_at IS NULL
                   AND (k.expires_at IS NULL OR k.expires_at > now())
                   AND o.deleted_at IS NULL) AS operator_live,
                  ot.expires_at <= now() AS operator_expired,
                  c.id IS NOT NULL AND c.deleted_at IS NULL AND o.deleted_at IS NULL
                      AS conversation_live,
                  (w.token_hash IS NULL OR w.token_hash = c.token_hash) AS token_current,
                  c.token_expires_at <= now() AS expired,
                  coalesce(a.is_active AND a.deleted_at IS NULL, false) AS agent_active,
                  w.frame_tokens, w.frame_refusals
             FROM w
             LEFT JOIN conversations c ON c.id = w.conversation_id
                                      AND c.organization_id = w.organization_id
             LEFT JOIN agents a ON a.id = c.agent_id
             LEFT JOIN operator_tokens ot ON ot.id = w.operator_token_id
                                         AND ot.organization_id = w.organization_id
             LEFT JOIN api_keys k ON k.id = ot.key_id
             LEFT JOIN organizations o ON o.id = w.organization_id""",
        {"id": connection_id, "capacity": capacity, "per_second": per_second},
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


def audience(conn: psycopg.Connection, organization_id: UUID,
             conversation_id: UUID) -> tuple[list[str], list[str]]:
    """(the conversation's tabs, the organization's dashboards), in one statement. A
    dashboard hears nothing once its operator token has expired, was signed out, or its
    key stopped working, even before its socket is closed."""
    rows = conn.execute(
        """SELECT w.connection_id, w.operator_token_id IS NOT NULL AS operator
             FROM ws_connections w
            WHERE w.organization_id = %(org)s
              AND (w.conversation_id = %(conv)s
                   OR (w.operator_token_id IS NOT NULL AND EXISTS (
                       SELECT 1 FROM operator_tokens t JOIN api_keys k ON k.id = t.key_id
                        WHERE t.id = w.operator_token_id
                          AND t.organization_id = w.organization_id
                          AND t.revoked_at IS NULL AND t.expires_at > now()
                          AND k.revoked_at IS NULL
                          AND (k.expires_at IS NULL OR k.expires_at > now()))))
            ORDER BY w.connected_at""",
        {"org": organization_id, "conv": conversation_id},
    ).fetchall()
    return ([r["connection_id"] for r in rows if not r["operator"]],
            [r["connection_id"] for r in rows if r["operator"]])


def for_conversation(conn: psycopg.Connection, organization_id: UUID,
                     conversation_id: UUID) -> list[str]:
    rows = conn.execute(
        """SELECT connection_id FROM ws_connections
            WHERE organization_id = %s AND conversation_id = %s ORDER BY connected_at""",
        (organization_id, conversation_id),
    ).fetchall()
    return [r["connection_id"] for r in rows]


def claim_ended_dashboards(conn: psycopg.Connection, organization_id: UUID | None = None,
                           limit: int = 500) -> list[dict[str, Any]]:
    """Forget the dashboards' sockets whose operator token has ended (signed out, expired,
    its key revoked or past a rotation's overlap, its organization deleted), of one
    organization or of all; returns them with why (``token_expired`` or
    ``token_revoked``), for the caller to tell and close after the commit. Deleting is the
    claim: two sweeps never close one socket twice."""
    return conn.execute(
        """
        WITH ended AS (
            SELECT w.connection_id,
                   CASE WHEN t.revoked_at IS NULL AND k.revoked_at IS NULL
                             AND (k.expires_at IS NULL OR k.expires_at > now())
                             AND o.deleted_at IS NULL
                        THEN 'token_expired' ELSE 'token_revoked' END AS reason
              FROM ws_connections w
              JOIN operator_tokens t ON t.id = w.operator_token_id
                                    AND t.organization_id = w.organization_id
              JOIN api_keys k ON k.id = t.key_id
              JOIN organizations o ON o.id = w.organization_id
             WHERE w.operator_token_id IS NOT NULL
               AND (%(org)s::uuid IS NULL OR w.organization_id = %(org)s::uuid)
               AND (t.revoked_at IS NOT NULL OR t.expires_at <= now()
                    OR k.revoked_at IS NOT NULL OR k.expires_at <= now()
                    OR o.deleted_at IS NOT NULL)
             ORDER BY w.connected_at
             LIMIT %(limit)s
               FOR UPDATE OF w SKIP LOCKED)
        DELETE FROM ws_connections w USING ended
         WHERE w.connection_id = ended.connection_id
        RETURNING w.connection_id, w.organization_id, ended.reason
        """,
        {"org": organization_id, "limit": limit},
    ).fetchall()
