"""SQL for organizations, their settings history and the insertion of API keys (their
rotation, revocation and look-ups are in ``agentpay.keys.repository``)."""

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
