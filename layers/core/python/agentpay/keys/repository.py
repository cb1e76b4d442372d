"""SQL for credentials: secret keys (``api_keys``), and the look-up of a conversation
token with what decides whether it may still be used. Only hashes of secret keys and
conversation tokens are stored."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg

# status: "active" (no end), "expiring" (rotated, working until expires_at), "expired",
# "revoked"; computed with the database's clock, the one the look-ups use.
_KEY = """id, organization_id, name, prefix, created_at, last_used_at, expires_at,
          revoked_at, replaced_by,
          CASE WHEN revoked_at IS NOT NULL THEN 'revoked'
               WHEN expires_at IS NULL THEN 'active'
               WHEN expires_at > now() THEN 'expiring'
               ELSE 'expired' END AS status"""


# The secret key with this hash, unless revoked, past its overlap, or its organization
# deleted. A look-up the authentication composes with its rate limit (one statement).
ACTIVE_KEY = """
        SELECT k.id, k.organization_id, k.prefix
          FROM api_keys k JOIN organizations o ON o.id = k.organization_id
         WHERE k.secret_hash = %(hash)s AND k.revoked_at IS NULL
           AND (k.expires_at IS NULL OR k.expires_at > now()) AND o.deleted_at IS NULL
        """


def find_active_key(conn: psycopg.Connection, secret_hash: str) -> dict[str, Any] | None:
    return conn.execute(ACTIVE_KEY, {"hash": secret_hash}).fetchone()


def touch_key(conn: psycopg.Connection, key_id: UUID) -> None:
    # At most one write a minute per key, so reads stay cheap.
    conn.execute(
        """
        UPDATE api_keys SET last_used_at = now()
         WHERE id = %s AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
        """,
        (key_id,),
    )


def list_keys(conn: psycopg.Connection, organization_id: UUID) -> list[dict[str, Any]]:
    """Every key the organization ever had, oldest first (revoked ones too: an audit)."""
    return conn.execute(
        f"SELECT {_KEY} FROM api_keys WHERE organization_id = %s ORDER BY created_at, id",
        (organization_id,),
    ).fetchall()


def lock_keys(conn: psycopg.Connection, organization_id: UUID) -> list[dict[str, Any]]:
    """The organization's keys that still work, locked until the transaction ends, so two
    revocations cannot both leave the other key as "the last one"."""
    return conn.execute(
        f"""SELECT {_KEY} FROM api_keys
             WHERE organization_id = %s AND revoked_at IS NULL
               AND (expires_at IS NULL OR expires_at > now())
             ORDER BY created_at, id FOR UPDATE""",
        (organization_id,),
    ).fetchall()


def get_key(conn: psycopg.Connection, organization_id: UUID,
            key_id: UUID) -> dict[str, Any] | None:
    return conn.execute(
        f"SELECT {_KEY} FROM api_keys WHERE id = %s AND organization_id = %s",
        (key_id, organization_id),
    ).fetchone()


def retire_key(conn: psycopg.Connection, organization_id: UUID, key_id: UUID,
               replaced_by: UUID, overlap_minutes: int) -> dict[str, Any]:
    """A rotated key: revoked now (no overlap), or working until the overlap ends."""
    return conn.execute(
        f"""
        UPDATE api_keys
           SET replaced_by = %(new)s,
               revoked_at = CASE WHEN %(minutes)s = 0 THEN now() END,
               expires_at = CASE WHEN %(minutes)s > 0
                                 THEN now() + make_interval(mins => %(minutes)s) END
         WHERE id = %(id)s AND organization_id = %(org)s
        RETURNING {_KEY}
        """,
        {"new": replaced_by, "minutes": overlap_minutes, "id": key_id,
         "org": organization_id},
    ).fetchone()


def revoke_key(conn: psycopg.Connection, organization_id: UUID,
               key_id: UUID) -> dict[str, Any] | None:
    """Revoked now, also during a rotation's overlap; None when already revoked."""
    return conn.execute(
        f"""
        UPDATE api_keys SET revoked_at = now()
         WHERE id = %s AND organization_id = %s AND revoked_at IS NULL
        RETURNING {_KEY}
        """,
        (key_id, organization_id),
    ).fetchone()


# The conversation a token belongs to, with whether the token has expired and whether
# its agent still sells (active, not deleted); no row for an unknown token or a deleted
# conversation or organization. Composed with the rate limit by the authentication too.
CONVERSATION_TOKEN = """
        SELECT c.id, c.organization_id, c.agent_id, c.token_expires_at,
               c.token_expires_at <= now() AS expired,
               (a.is_active AND a.deleted_at IS NULL) AS agent_active
          FROM conversations c
          JOIN agents a ON a.id = c.agent_id
          JOIN organizations o ON o.id = c.organization_id
         WHERE c.token_hash = %(hash)s AND c.deleted_at IS NULL AND o.deleted_at IS NULL
        """


def find_conversation_token(conn: psycopg.Connection,
                            token_hash: str) -> dict[str, Any] | None:
    return conn.execute(CONVERSATION_TOKEN, {"hash": token_hash}).fetchone()
