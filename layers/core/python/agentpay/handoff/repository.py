"""SQL for a held conversation: the shopper's messages while a person holds it, the
operators' messages, and handing it back. Every statement is scoped to one organization."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

from agentpay.conversations.repository import _CONV, _CONV_UUIDS, _MSG, _MSG_UUIDS, _revive


def lock(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
         client_message_id: str | None, lock_timeout_ms: int) -> dict[str, Any] | None:
    """The conversation, locked for the transaction (waiting at most ``lock_timeout_ms``,
    then ``psycopg.errors.LockNotAvailable``), with its turn lease and the earlier message
    with this client id, if any."""
    conn.execute("SELECT set_config('lock_timeout', %s, true)", (f"{int(lock_timeout_ms)}ms",))
    return conn.execute(
        f"""
        SELECT {", ".join("c." + col.strip() for col in _CONV.split(","))},
               c.turn_id, c.turn_message_id,
               coalesce(c.turn_expires_at > now(), false) AS turn_live,
               (SELECT to_jsonb(e) FROM (
                   SELECT {_MSG} FROM messages
                    WHERE conversation_id = c.id AND organization_id = c.organization_id
                      AND client_message_id = %(client)s) e) AS earlier
          FROM conversations c
         WHERE c.id = %(conv)s AND c.organization_id = %(org)s AND c.deleted_at IS NULL
           FOR UPDATE OF c
        """,
        {"conv": conversation_id, "org": organization_id, "client": client_message_id},
    ).fetchone()


def revive_message(message: dict[str, Any]) -> dict[str, Any]:
    return _revive(message, _MSG_UUIDS)


def add_operator_message(conn: psycopg.Connection, organization_id: UUID,
                         conversation_id: UUID, content: str, client_message_id: str | None,
                         handoff: dict[str, Any]) -> tuple[dict, dict]:
    """The operator's message as the conversation's next; the conversation is held by a
    person from now on (status ``handoff``, ``context.handoff`` updated with ``handoff``).
    Run after :func:`lock`."""
    row = conn.execute(
        f"""
        WITH m AS (
            INSERT INTO messages (organization_id, conversation_id, seq, role, content,
                                  client_message_id)
            SELECT cv.organization_id, cv.id, cv.message_count + 1, 'operator', %(content)s,
                   %(client)s
              FROM conversations cv WHERE cv.id = %(conv)s AND cv.organization_id = %(org)s
            RETURNING {_MSG}),
        c AS (
            UPDATE conversations
               SET message_count = message_count + 1, last_message_at = now(),
                   updated_at = now(), status = 'handoff', version = version + 1,
                   context = jsonb_set(context, '{{handoff}}',
                                       coalesce(context -> 'handoff', '{{}}'::jsonb)
                                       || %(handoff)s)
             WHERE id = %(conv)s AND organization_id = %(org)s AND EXISTS (SELECT 1 FROM m)
            RETURNING {_CONV})
        SELECT (SELECT to_jsonb(m) FROM m) AS message, (SELECT to_jsonb(c) FROM c) AS conv
        """,
        {"org": organization_id, "conv": conversation_id, "content": content,
         "client": client_message_id, "handoff": Jsonb(handoff)},
    ).fetchone()
    return _revive(row["message"], _MSG_UUIDS), _revive(row["conv"], _CONV_UUIDS)


def hold_message(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
                 content: str, client_message_id: str | None) -> psycopg.Cursor:
    """A shopper's message while a person holds the conversation: recorded, with no turn
    and no reply. Returns the cursor (read it with :func:`read_held` after the commit, as
    the turn's claim does with its own write)."""
    return conn.execute(
        f"""
        WITH u AS (
            INSERT INTO messages (organization_id, conversation_id, seq, role, content,
                                  client_message_id)
            SELECT cv.organization_id, cv.id, cv.message_count + 1, 'user', %(content)s,
                   %(client)s
              FROM conversations cv
             WHERE cv.id = %(conv)s AND cv.organization_id = %(org)s
               AND cv.turn_id IS NULL
            RETURNING {_MSG}),
        c AS (
            UPDATE conversations
               SET message_count = message_count + 1, last_message_at = now(),
                   updated_at = now(), version = version + 1
             WHERE id = %(conv)s AND organization_id = %(org)s AND EXISTS (SELECT 1 FROM u)
            RETURNING {_CONV})
        SELECT (SELECT to_jsonb(u) FROM u) AS message, (SELECT to_jsonb(c) FROM c) AS conv
        """,
        {"org": organization_id, "conv": conversation_id, "content": content,
         "client": client_message_id},
    )


def read_held(cursor: psycopg.Cursor) -> tuple[dict, dict] | None:
    row = cursor.fetchone()
    if row["message"] is None:
        return None
    return _revive(row["message"], _MSG_UUIDS), _revive(row["conv"], _CONV_UUIDS)


def _hold(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
          status: str, handoff: dict[str, Any]) -> dict[str, Any]:
    """Set who holds the conversation (its status) and merge `handoff` into its state's
    handoff record. Run after :func:`lock`."""
    return conn.execute(
        f"""
        UPDATE conversations
           SET status = %s, updated_at = now(), version = version + 1,
               context = jsonb_set(context, '{{handoff}}',
                                   coalesce(context -> 'handoff', '{{}}'::jsonb) || %s)
         WHERE id = %s AND organization_id = %s
        RETURNING {_CONV}
        """,
        (status, Jsonb(handoff), conversation_id, organization_id),
    ).fetchone()


def release(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
            released: dict[str, Any]) -> dict[str, Any]:
    """Back to the agent (status ``active``), the history and state kept. Run after
    :func:`lock`."""
    return _hold(conn, organization_id, conversation_id, "active", released)


def take_over(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
              handoff: dict[str, Any]) -> dict[str, Any]:
    """Held by a person from now on (status ``handoff``), with no message. Run after
    :func:`lock`."""
    return _hold(conn, organization_id, conversation_id, "handoff", handoff)
