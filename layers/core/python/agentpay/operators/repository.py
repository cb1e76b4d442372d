"""SQL for operator tokens. Only their hashes are stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg

# The operator token with this hash, with whether it has expired; no row when it was
# signed out, its issuing key no longer works (revoked, past a rotation's overlap) or its
# organization is deleted. Composed with the rate limit by the authentication.
OPERATOR_TOKEN = """
        SELECT t.id, t.organization_id, t.key_id, k.prefix, t.expires_at,
               t.expires_at <= now() AS expired
          FROM operator_tokens t
          JOIN api_keys k ON k.id = t.key_id
          JOIN organizations o ON o.id = t.organization_id
         WHERE t.token_hash = %(hash)s AND t.revoked_at IS NULL
           AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
           AND o.deleted_at IS NULL
        """


def insert(conn: psycopg.Connection, organization_id: UUID, key_id: UUID, token_hash: str,
           expires_at: datetime) -> dict[str, Any]:
    return conn.execute(
        """INSERT INTO operator_tokens (organization_id, key_id, token_hash, expires_at)
           VALUES (%s, %s, %s, %s) RETURNING id, expires_at, created_at""",
        (organization_id, key_id, token_hash, expires_at),
    ).fetchone()


def revoke(conn: psycopg.Connection, organization_id: UUID, token_id: UUID) -> None:
    """Sign out: the token stops at once; its dashboards' sockets hear nothing more
    (``realtime.repository.audience``) and are closed after the commit
    (``realtime.service.close_ended_dashboards``)."""
    conn.execute(
        """UPDATE operator_tokens SET revoked_at = now()
            WHERE id = %s AND organization_id = %s AND revoked_at IS NULL""",
        (token_id, organization_id),
    )


def prune(conn: psycopg.Connection, organization_id: UUID) -> None:
    """Forget the organization's tokens that ended over a day ago (cheap, per sign-in)."""
    conn.execute(
        """DELETE FROM operator_tokens
            WHERE organization_id = %s
              AND (expires_at < now() - interval '1 day'
                   OR revoked_at < now() - interval '1 day')""",
        (organization_id,),
    )


def find(conn: psycopg.Connection, token_hash: str) -> dict[str, Any] | None:
    """The operator token with this hash (see ``OPERATOR_TOKEN``), without a rate limit:
    a dashboard's WebSocket connect."""
    return conn.execute(OPERATOR_TOKEN, {"hash": token_hash}).fetchone()
