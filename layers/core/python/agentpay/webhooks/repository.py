"""SQL for webhook endpoints and the delivery outbox. Scoped to one organization, except
the sender's claims, which serve every store's due deliveries."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg

_DELIVERY = """d.id, d.organization_id, d.conversation_id, d.event_type, d.body, d.status,
               d.attempts, d.next_attempt_at, d.last_status, d.last_error, d.delivered_at,
               d.created_at"""


def get_endpoint(conn: psycopg.Connection, organization_id: UUID) -> dict[str, Any] | None:
    """The store's endpoint, its secret sealed (``agentpay.kit.sealing``)."""
    return conn.execute(
        """SELECT url, secret_sealed, updated_at FROM webhook_endpoints
            WHERE organization_id = %s""",
        (organization_id,),
    ).fetchone()


def put_endpoint(conn: psycopg.Connection, organization_id: UUID, url: str,
                 secret_sealed: str) -> None:
    conn.execute(
        """INSERT INTO webhook_endpoints (organization_id, url, secret_sealed)
           VALUES (%s, %s, %s)
           ON CONFLICT (organization_id) DO UPDATE
              SET url = EXCLUDED.url, secret_sealed = EXCLUDED.secret_sealed,
                  updated_at = now()""",
        (organization_id, url, secret_sealed),
    )


def delete_endpoint(conn: psycopg.Connection, organization_id: UUID) -> None:
    conn.execute("DELETE FROM webhook_endpoints WHERE organization_id = %s",
                 (organization_id,))


def list_deliveries(conn: psycopg.Connection, organization_id: UUID,
                    conversation_id: UUID | None = None,
                    limit: int = 50) -> list[dict[str, Any]]:
    return conn.execute(
        f"""SELECT {_DELIVERY} FROM webhook_deliveries d
             WHERE d.organization_id = %s
               AND (%s::uuid IS NULL OR d.conversation_id = %s::uuid)
             ORDER BY d.created_at DESC LIMIT %s""",
        (organization_id, conversation_id, conversation_id, limit),
    ).fetchall()


def claim(conn: psycopg.Connection, delivery_ids: list[UUID] | None, limit: int,
          lease_seconds: float) -> list[dict[str, Any]]:
    """Take due deliveries for sending (all due ones when ``delivery_ids`` is None): each
    gets a lease, so two senders never post the same row at once, and its attempt is
    counted before it is made. Returns them with their store's current URL and sealed
    secret (a store that removed its endpoint meanwhile: url None)."""
    return conn.execute(
        f"""
        WITH due AS (
            SELECT id FROM webhook_deliveries
             WHERE status = 'pending' AND next_attempt_at <= now()
               AND (locked_until IS NULL OR locked_until < now())
               AND (%(ids)s::uuid[] IS NULL OR id = ANY(%(ids)s::uuid[]))
             ORDER BY next_attempt_at
             LIMIT %(limit)s
               FOR UPDATE SKIP LOCKED),
        d AS (
            UPDATE webhook_deliveries w
               SET locked_until = now() + make_interval(secs => %(lease)s),
                   attempts = w.attempts + 1
              FROM due WHERE w.id = due.id
            RETURNING w.*)
        SELECT {_DELIVERY}, e.url, e.secret_sealed
          FROM d LEFT JOIN webhook_endpoints e ON e.organization_id = d.organization_id
         ORDER BY d.next_attempt_at
        """,
        {"ids": delivery_ids, "limit": limit, "lease": float(lease_seconds)},
    ).fetchall()


def record_delivered(conn: psycopg.Connection, delivery_id: UUID, status: int) -> None:
    conn.execute(
        """UPDATE webhook_deliveries
              SET status = 'delivered', delivered_at = now(), last_status = %s,
                  last_error = NULL, locked_until = NULL
            WHERE id = %s AND status = 'pending'""",
        (status, delivery_id),
    )


def record_failed_attempt(conn: psycopg.Connection, delivery_id: UUID, status: int | None,
                          error: str, retry_in_seconds: float | None) -> dict[str, Any] | None:
    """An attempt that failed: due again in ``retry_in_seconds``, or given up (None)."""
    return conn.execute(
        """UPDATE webhook_deliveries
              SET status = CASE WHEN %(retry)s::float8 IS NULL THEN 'failed' ELSE status END,
                  next_attempt_at = CASE WHEN %(retry)s::float8 IS NULL THEN next_attempt_at
                                    ELSE now() + make_interval(secs => %(retry)s::float8)
                                    END,
                  last_status = %(status)s, last_error = %(error)s, locked_until = NULL
            WHERE id = %(id)s AND status = 'pending'
        RETURNING status, attempts, next_attempt_at""",
        {"id": delivery_id, "status": status, "error": error[:500],
         "retry": retry_in_seconds},
    ).fetchone()
