"""SQL for agents. Every statement is scoped to one organization."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

_COLUMNS = """id, organization_id, name, description, personality, tools, rules, config,
              is_active, publishable_key, created_at, updated_at,
              CASE WHEN previous_publishable_key_expires_at > now()
                   THEN previous_publishable_key_expires_at
              END AS previous_publishable_key_expires_at"""
_JSON_FIELDS = {"personality", "tools", "rules", "config"}


def insert(conn: psycopg.Connection, organization_id: UUID, publishable_key: str,
           fields: dict[str, Any]) -> dict[str, Any]:
    return conn.execute(
        f"""
        INSERT INTO agents (organization_id, publishable_key, name, description, personality,
                            tools, rules, config, is_active)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING {_COLUMNS}
        """,
        (
            organization_id, publishable_key, fields["name"], fields.get("description"),
            Jsonb(fields["personality"]), Jsonb(fields["tools"]), Jsonb(fields["rules"]),
            Jsonb(fields["config"]), fields["is_active"],
        ),
    ).fetchone()


def get(conn: psycopg.Connection, organization_id: UUID, agent_id: UUID,
        *, for_update: bool = False) -> dict[str, Any] | None:
    lock = " FOR UPDATE" if for_update else ""
    return conn.execute(
        f"""SELECT {_COLUMNS} FROM agents
             WHERE id = %s AND organization_id = %s AND deleted_at IS NULL{lock}""",
        (agent_id, organization_id),
    ).fetchone()


# The active agent whose current key this is, or whose replaced key it is while the
# rotation's overlap lasts. Composed with the rate limit by the authentication too.
BY_PUBLISHABLE_KEY = f"""SELECT {_COLUMNS} FROM agents a
             WHERE (publishable_key = %(key)s
                    OR (previous_publishable_key = %(key)s
                        AND previous_publishable_key_expires_at > now()))
               AND deleted_at IS NULL AND is_active
               AND EXISTS (SELECT 1 FROM organizations o
                            WHERE o.id = a.organization_id AND o.deleted_at IS NULL)"""


def find_by_publishable_key(conn: psycopg.Connection, key: str) -> dict[str, Any] | None:
    return conn.execute(BY_PUBLISHABLE_KEY, {"key": key}).fetchone()


def rotate_publishable_key(conn: psycopg.Connection, organization_id: UUID, agent_id: UUID,
                           new_key: str, overlap_minutes: int) -> dict[str, Any] | None:
    """A new publishable key; the current one keeps working for the overlap (0: it stops
    now). A key replaced earlier stops now in any case: one previous key at a time."""
    return conn.execute(
        f"""UPDATE agents
               SET previous_publishable_key =
                       CASE WHEN %(minutes)s > 0 THEN publishable_key END,
                   previous_publishable_key_expires_at =
                       CASE WHEN %(minutes)s > 0
                            THEN now() + make_interval(mins => %(minutes)s) END,
                   publishable_key = %(key)s, updated_at = now()
             WHERE id = %(id)s AND organization_id = %(org)s AND deleted_at IS NULL
             RETURNING {_COLUMNS}""",
        {"minutes": overlap_minutes, "key": new_key, "id": agent_id, "org": organization_id},
    ).fetchone()


def revoke_previous_publishable_key(conn: psycopg.Connection, organization_id: UUID,
                                    agent_id: UUID) -> dict[str, Any] | None:
    """End a rotation's overlap now: the replaced key stops starting conversations."""
    return conn.execute(
        f"""UPDATE agents
               SET previous_publishable_key = NULL,
                   previous_publishable_key_expires_at = NULL, updated_at = now()
             WHERE id = %s AND organization_id = %s AND deleted_at IS NULL
             RETURNING {_COLUMNS}""",
        (agent_id, organization_id),
    ).fetchone()


def list_page(conn: psycopg.Connection, organization_id: UUID, limit: int,
              after: tuple[datetime, UUID] | None) -> list[dict[str, Any]]:
    """Newest first, keyset-paged on (created_at, id)."""
    if after is None:
        return conn.execute(
            f"""SELECT {_COLUMNS} FROM agents
                 WHERE organization_id = %s AND deleted_at IS NULL
                 ORDER BY created_at DESC, id DESC LIMIT %s""",
            (organization_id, limit),
        ).fetchall()
    return conn.execute(
        f"""SELECT {_COLUMNS} FROM agents
             WHERE organization_id = %s AND deleted_at IS NULL
               AND (created_at, id) < (%s, %s)
             ORDER BY created_at DESC, id DESC LIMIT %s""",
        (organization_id, after[0], after[1], limit),
    ).fetchall()


def update(conn: psycopg.Connection, organization_id: UUID, agent_id: UUID,
           changes: dict[str, Any]) -> dict[str, Any] | None:
    if not changes:
        return get(conn, organization_id, agent_id)
    assignments = []
    values: list[Any] = []
    for column, value in changes.items():
        assignments.append(f"{column} = %s")
        values.append(Jsonb(value) if column in _JSON_FIELDS else value)
    return conn.execute(
        f"""UPDATE agents SET {", ".join(assignments)}, updated_at = now()
             WHERE id = %s AND organization_id = %s AND deleted_at IS NULL
             RETURNING {_COLUMNS}""",
        (*values, agent_id, organization_id),
    ).fetchone()


def soft_delete(conn: psycopg.Connection, organization_id: UUID, agent_id: UUID) -> bool:
    row = conn.execute(
        """UPDATE agents SET deleted_at = now(), is_active = false, updated_at = now()
            WHERE id = %s AND organization_id = %s AND deleted_at IS NULL RETURNING id""",
        (agent_id, organization_id),
    ).fetchone()
    return row is not None
