"""SQL for organizations, their settings history and API keys."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb


def insert_organization(conn: psycopg.Connection, name: str) -> dict[str, Any]:
    return conn.execute(
        "INSERT INTO organizations (name) VALUES (%s) RETURNING id, name, created_at", (name,)
    ).fetchone()


def get_organization(conn: psycopg.Connection, organization_id: UUID) -> dict[str, Any] | None:
    return conn.execute(
        """
        SELECT id, name, settings, created_at, updated_at
          FROM organizations WHERE id = %s AND deleted_at IS NULL
        """,
        (organization_id,),
    ).fetchone()


def lock_organization(conn: psycopg.Connection, organization_id: UUID) -> dict[str, Any] | None:
    """The organization's row, locked until the transaction ends (one settings change at a
    time, so each history row's "before" is the previous one's "after")."""
    return conn.execute(
        """
        SELECT id, name, settings, created_at, updated_at
          FROM organizations WHERE id = %s AND deleted_at IS NULL FOR UPDATE
        """,
        (organization_id,),
    ).fetchone()


def update_organization(conn: psycopg.Connection, organization_id: UUID, name: str,
                        settings: dict[str, Any]) -> dict[str, Any]:
    return conn.execute(
        """
        UPDATE organizations SET name = %s, settings = %s, updated_at = now()
         WHERE id = %s AND deleted_at IS NULL
        RETURNING id, name, settings, created_at, updated_at
        """,
        (name, Jsonb(settings), organization_id),
    ).fetchone()


def insert_settings_change(conn: psycopg.Connection, organization_id: UUID,
                           api_key_id: UUID | None, api_key_prefix: str,
                           before: dict[str, Any], after: dict[str, Any]) -> None:
    conn.execute(
        """
        INSERT INTO organization_settings_history
               (organization_id, api_key_id, api_key_prefix, settings_before, settings_after)
        VALUES (%s, %s, %s, %s, %s)
        """,
        (organization_id, api_key_id, api_key_prefix, Jsonb(before), Jsonb(after)),
    )


def list_settings_changes(conn: psycopg.Connection, organization_id: UUID,
                          limit: int) -> list[dict[str, Any]]:
    """Newest first."""
    return conn.execute(
        """
        SELECT id, api_key_id, api_key_prefix, changed_at, settings_before, settings_after
          FROM organization_settings_history
         WHERE organization_id = %s
         ORDER BY changed_at DESC, id DESC LIMIT %s
        """,
        (organization_id, limit),
    ).fetchall()


def insert_api_key(
    conn: psycopg.Connection, organization_id: UUID, name: str, prefix: str, secret_hash: str
) -> dict[str, Any]:
    return conn.execute(
        """
        INSERT INTO api_keys (organization_id, name, prefix, secret_hash)
        VALUES (%s, %s, %s, %s) RETURNING id, prefix, name, created_at
        """,
        (organization_id, name, prefix, secret_hash),
    ).fetchone()


def find_active_key(conn: psycopg.Connection, secret_hash: str) -> dict[str, Any] | None:
    return conn.execute(
        """
        SELECT k.id, k.organization_id, k.prefix
          FROM api_keys k JOIN organizations o ON o.id = k.organization_id
         WHERE k.secret_hash = %s AND k.revoked_at IS NULL AND o.deleted_at IS NULL
        """,
        (secret_hash,),
    ).fetchone()


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
    return conn.execute(
        """
        SELECT id, name, prefix, created_at, last_used_at, revoked_at
          FROM api_keys WHERE organization_id = %s ORDER BY created_at
        """,
        (organization_id,),
    ).fetchall()


def revoke_key(conn: psycopg.Connection, organization_id: UUID, key_id: UUID) -> bool:
    row = conn.execute(
        """
        UPDATE api_keys SET revoked_at = now()
         WHERE id = %s AND organization_id = %s AND revoked_at IS NULL RETURNING id
        """,
        (key_id, organization_id),
    ).fetchone()
    return row is not None
