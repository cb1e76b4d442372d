"""SQL for conversations and messages. Every statement is scoped to one organization."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

_CONV = """id, organization_id, agent_id, session_id, status, stage, customer, context,
           negotiation_history, hesitation_signals, message_count, last_message_at,
           created_at, updated_at"""
_MSG = """id, conversation_id, seq, role, content, intent, intent_confidence, intent_source,
          entities, tool_calls, usage, client_message_id, reply_to, created_at"""


def insert_conversation(conn: psycopg.Connection, organization_id: UUID, agent_id: UUID,
                        session_id: str, customer: dict, token_hash: str,
                        token_expires_at: datetime) -> dict[str, Any] | None:
    """None when the session id is already taken for this agent."""
    return conn.execute(
        f"""
        INSERT INTO conversations (organization_id, agent_id, session_id, customer,
                                   token_hash, token_expires_at)
        VALUES (%s, %s, %s, %s, %s, %s)
        ON CONFLICT (agent_id, session_id) WHERE deleted_at IS NULL DO NOTHING
        RETURNING {_CONV}
        """,
        (organization_id, agent_id, session_id, Jsonb(customer), token_hash, token_expires_at),
    ).fetchone()


def get_conversation(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
                     *, for_update: bool = False) -> dict[str, Any] | None:
    lock = " FOR UPDATE" if for_update else ""
    return conn.execute(
        f"""SELECT {_CONV} FROM conversations
             WHERE id = %s AND organization_id = %s AND deleted_at IS NULL{lock}""",
        (conversation_id, organization_id),
    ).fetchone()


def find_by_session(conn: psycopg.Connection, organization_id: UUID, session_id: str,
                    agent_id: UUID | None) -> dict[str, Any] | None:
    return conn.execute(
        f"""SELECT {_CONV} FROM conversations
             WHERE organization_id = %s AND session_id = %s AND deleted_at IS NULL
               AND (%s::uuid IS NULL OR agent_id = %s::uuid)
             ORDER BY created_at DESC LIMIT 1""",
        (organization_id, session_id, agent_id, agent_id),
    ).fetchone()


def find_by_token_hash(conn: psycopg.Connection, token_hash: str) -> dict[str, Any] | None:
    return conn.execute(
        """SELECT c.id, c.organization_id, c.agent_id FROM conversations c
             JOIN agents a ON a.id = c.agent_id
             JOIN organizations o ON o.id = c.organization_id
            WHERE c.token_hash = %s AND c.token_expires_at > now() AND c.deleted_at IS NULL
              AND a.deleted_at IS NULL AND o.deleted_at IS NULL""",
        (token_hash,),
    ).fetchone()


def rotate_token(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
                 token_hash: str, token_expires_at: datetime) -> None:
    conn.execute(
        """UPDATE conversations SET token_hash = %s, token_expires_at = %s, updated_at = now()
            WHERE id = %s AND organization_id = %s""",
        (token_hash, token_expires_at, conversation_id, organization_id),
    )


def find_by_client_id(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
                      client_message_id: str) -> dict[str, Any] | None:
    return conn.execute(
        f"""SELECT {_MSG} FROM messages
             WHERE conversation_id = %s AND organization_id = %s AND client_message_id = %s""",
        (conversation_id, organization_id, client_message_id),
    ).fetchone()


def find_reply(conn: psycopg.Connection, organization_id: UUID,
               message_id: UUID) -> dict[str, Any] | None:
    return conn.execute(
        f"""SELECT {_MSG} FROM messages WHERE reply_to = %s AND organization_id = %s
             ORDER BY seq LIMIT 1""",
        (message_id, organization_id),
    ).fetchone()


def list_messages(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
                  after_seq: int, limit: int) -> list[dict[str, Any]]:
    return conn.execute(
        f"""SELECT {_MSG} FROM messages
             WHERE conversation_id = %s AND organization_id = %s AND seq > %s
             ORDER BY seq LIMIT %s""",
        (conversation_id, organization_id, after_seq, limit),
    ).fetchall()


def recent_messages(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
                    limit: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        f"""SELECT {_MSG} FROM messages
             WHERE conversation_id = %s AND organization_id = %s
             ORDER BY seq DESC LIMIT %s""",
        (conversation_id, organization_id, limit),
    ).fetchall()
    return list(reversed(rows))


def lock_conversation(conn: psycopg.Connection, organization_id: UUID,
                      conversation_id: UUID, lock_timeout_ms: int) -> None:
    """Lock the conversation for the rest of the transaction (a turn's claim), waiting at
    most ``lock_timeout_ms`` for another's lock (then ``psycopg.errors.LockNotAvailable``).

    The claim's commit does not wait for its WAL to reach disk (``synchronous_commit``
    off; a flush each commit is the dearest part of a short write, milliseconds on a
    Multi-AZ database): the turn's save, which does wait, flushes it too. A crash in
    between loses at most the claim, which nobody was answered for; its save then finds
    no lease and saves nothing. Both settings are transaction-local
    (``set_config(..., true)``): nothing of them outlives the transaction on a connection
    that RDS Proxy hands to others."""
    conn.execute("SELECT set_config('lock_timeout', %s, true),"
                 " set_config('synchronous_commit', 'off', true)",
                 (f"{int(lock_timeout_ms)}ms",))
    conn.execute("SELECT 1 FROM conversations WHERE id = %s AND organization_id = %s"
                 " FOR UPDATE", (conversation_id, organization_id))


def load_turn(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
              client_message_id: str | None, history: int,
              per_minute: int = 0) -> dict[str, Any] | None:
    """Everything a turn reads, in one round trip: the conversation (locked), its agent,
    the recent history, the earlier message with this idempotency key if any (and
    whether it was answered), the store's vocabulary version (a process reloads its cached
    vocabulary when it moved), the conversation's state ``version`` and its turn lease
    (``turn_id``, ``turn_message_id``; ``turn_live`` while it has not expired), and what
    the turn's limits need:

    - ``rate_wait_s``: with ``per_minute`` > 0, seconds until the ``per_minute``-th
      latest shopper message of this conversation is a minute old (positive: that many
      came within the last minute, so a new one must wait). Counted from the messages
      themselves under the conversation's lock, so every instance sees the same count.
    - ``model_budget_usd`` (the organization's own daily budget, or None) and
      ``model_spent_usd`` (what its model calls cost so far today, UTC)."""
    return conn.execute(
        f"""
        SELECT {", ".join("c." + col.strip() for col in _CONV.split(","))},
               (SELECT to_jsonb(a) FROM (
                   SELECT id, name, description, personality, tools, rules, config, is_active
                     FROM agents
                    WHERE id = c.agent_id AND organization_id = c.organization_id
                      AND deleted_at IS NULL) a) AS agent,
               (SELECT coalesce(jsonb_agg(h ORDER BY h.seq), '[]'::jsonb) FROM (
                   SELECT seq, role, content, intent FROM messages
                    WHERE conversation_id = c.id AND organization_id = c.organization_id
                    ORDER BY seq DESC LIMIT %(history)s) h) AS history,
               e.id AS earlier_id,
               EXISTS (SELECT 1 FROM messages r
                        WHERE r.reply_to = e.id AND r.organization_id = c.organization_id
                      ) AS earlier_answered,
               c.version, c.turn_id, c.turn_message_id,
               coalesce(c.turn_expires_at > now(), false) AS turn_live,
               o.vocabulary_version,
               (SELECT ceil(extract(epoch FROM m.created_at + interval '1 minute' - now()))
                  FROM messages m
                 WHERE m.conversation_id = c.id AND m.organization_id = c.organization_id
                   AND m.role = 'user' AND %(per_minute)s > 0
                 ORDER BY m.seq DESC OFFSET greatest(%(per_minute)s - 1, 0) LIMIT 1
               )::integer AS rate_wait_s,
               o.settings -> 'limits' -> 'model_budget_usd_per_day' AS model_budget_usd,
               (SELECT s.cost_usd FROM model_spend s
                 WHERE s.organization_id = c.organization_id
                   AND s.day = (now() AT TIME ZONE 'UTC')::date) AS model_spent_usd
          FROM conversations c
          LEFT JOIN organizations o ON o.id = c.organization_id
          LEFT JOIN messages e ON e.conversation_id = c.id
                              AND e.organization_id = c.organization_id
                              AND e.client_message_id = %(client_id)s
         WHERE c.id = %(id)s AND c.organization_id = %(org)s AND c.deleted_at IS NULL
           FOR UPDATE OF c
        """,
        {"id": conversation_id, "org": organization_id, "history": history,
         "client_id": client_message_id, "per_minute": per_minute},
    ).fetchone()


_MSG_UUIDS = ("id", "conversation_id", "reply_to")
_CONV_UUIDS = ("id", "organization_id", "agent_id")
_TIMES = ("created_at", "updated_at", "last_message_at")


def _revive(row: dict[str, Any], uuids: tuple[str, ...]) -> dict[str, Any]:
    """JSON from a multi-row statement back to the types single-row reads return."""
    for key in uuids:
        if row.get(key) is not None:
            row[key] = UUID(row[key])
    for key in _TIMES:
        if row.get(key) is not None:
            row[key] = datetime.fromisoformat(row[key])
    return row


def begin_turn(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
               turn_id: UUID, content: str, client_message_id: str | None,
               lease_seconds: float) -> psycopg.Cursor:
    """Record the shopper's message as the conversation's next and take the turn's lease
    (``turn_id`` until ``lease_seconds`` from now), in one statement, where no turn holds
    the lease; run it in the claim's transaction, after :func:`lock_conversation`.

    Returns the cursor, not the row: read it (:func:`read_message`) once the transaction
    has committed, so that in a pipeline this statement and the commit share a round
    trip."""
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
                   updated_at = now(), turn_id = %(turn)s,
                   turn_message_id = (SELECT id FROM u),
                   turn_expires_at = now() + make_interval(secs => %(lease)s)
             WHERE id = %(conv)s AND organization_id = %(org)s AND EXISTS (SELECT 1 FROM u))
        SELECT (SELECT to_jsonb(u) FROM u) AS message
        """,
        {"org": organization_id, "conv": conversation_id, "turn": turn_id,
         "content": content, "client": client_message_id, "lease": float(lease_seconds)},
    )


def read_message(cursor: psycopg.Cursor) -> dict[str, Any] | None:
    """The shopper's message a :func:`begin_turn` cursor returned (None: a turn held the
    lease, nothing was written)."""
    message = cursor.fetchone()["message"]
    return None if message is None else _revive(message, _MSG_UUIDS)


def drop_turn(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
              turn_id: UUID, message_id: UUID) -> bool:
    """End a turn that saved nothing: its shopper message goes (unless answered) and the
    lease is freed, so a retry with the same ``client_message_id`` runs afresh. Only while
    ``turn_id`` still holds the lease: a turn that took over an expired one has cleared it
    already. True when this turn still held it."""
    row = conn.execute(
        """
        WITH c AS (
            UPDATE conversations
               SET turn_id = NULL, turn_message_id = NULL, turn_expires_at = NULL,
                   message_count = message_count - 1
             WHERE id = %(conv)s AND organization_id = %(org)s AND turn_id = %(turn)s
               AND turn_message_id = %(msg)s
            RETURNING id),
        gone AS (
            DELETE FROM messages m USING c
             WHERE m.id = %(msg)s AND m.organization_id = %(org)s
               AND m.conversation_id = c.id
               AND NOT EXISTS (SELECT 1 FROM messages r WHERE r.reply_to = m.id))
        SELECT count(*) AS held FROM c
        """,
        {"org": organization_id, "conv": conversation_id, "turn": turn_id,
         "msg": message_id},
    ).fetchone()
    return bool(row["held"])


def save_turn(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
              turn_id: UUID, version: int, message_id: UUID, reply: dict[str, Any],
              understood: dict[str, Any], state: dict[str, Any],
              webhook: Any = None) -> tuple[dict, dict, dict] | None:
    """The turn's second write, one statement (atomic on its own, one round trip): the
    reply, what was understood of the shopper's message, the conversation's new state (a
    new ``version``, the lease freed) and what the reply's model calls cost (added to the
    organization's spend today), and ``webhook`` (a ``webhooks.service.Event``), if any,
    in the store's outbox when the store has a webhook endpoint.

    Only while this turn holds the lease and the state is still at ``version``: a turn
    whose lease another took over, or that a newer write overtook (a paid checkout that
    completed the conversation), saves nothing and gets None. Its model calls were paid
    for, so their cost counts either way."""
    row = conn.execute(
        f"""
        WITH c AS (
            UPDATE conversations
               SET message_count = message_count + 1, last_message_at = now(),
                   updated_at = now(), stage = %(stage)s, status = %(status)s,
                   context = %(context)s, negotiation_history = %(negotiation)s,
                   hesitation_signals = %(hesitation)s, version = version + 1,
                   turn_id = NULL, turn_message_id = NULL, turn_expires_at = NULL
             WHERE id = %(conv)s AND organization_id = %(org)s AND turn_id = %(turn)s
               AND version = %(version)s
            RETURNING {_CONV}),
        u AS (
            UPDATE messages
               SET intent = %(u_intent)s, intent_confidence = %(u_conf)s,
                   intent_source = %(u_source)s, entities = %(u_entities)s
             WHERE id = %(msg)s AND organization_id = %(org)s AND EXISTS (SELECT 1 FROM c)
            RETURNING {_MSG}),
        r AS (
            INSERT INTO messages (organization_id, conversation_id, seq, role, content,
                                  reply_to, tool_calls, usage)
            SELECT %(org)s, %(conv)s, u.seq + 1, 'assistant', %(r_content)s, u.id,
                   %(r_tools)s, %(r_usage)s FROM u
            RETURNING {_MSG}),
        spend AS (
            INSERT INTO model_spend AS s (organization_id, day, cost_usd, calls)
            SELECT %(org)s, (now() AT TIME ZONE 'UTC')::date, %(cost)s, %(calls)s
             WHERE %(cost)s > 0 OR %(calls)s > 0
            ON CONFLICT (organization_id, day) DO UPDATE
               SET cost_usd = s.cost_usd + EXCLUDED.cost_usd,
                   calls = s.calls + EXCLUDED.calls),
        hook AS (
            INSERT INTO webhook_deliveries (id, organization_id, conversation_id, event_type,
                                            body)
            SELECT %(hook_id)s, c.organization_id, c.id, %(hook_type)s, %(hook_body)s
              FROM c JOIN webhook_endpoints e ON e.organization_id = c.organization_id
             WHERE %(hook_id)s::uuid IS NOT NULL)
        SELECT (SELECT to_jsonb(u) FROM u) AS message, (SELECT to_jsonb(r) FROM r) AS reply,
               (SELECT to_jsonb(c) FROM c) AS conversation
        """,
        {"org": organization_id, "conv": conversation_id, "turn": turn_id,
         "version": version, "msg": message_id,
         "u_intent": understood.get("intent"), "u_conf": understood.get("intent_confidence"),
         "u_source": understood.get("intent_source"),
         "u_entities": Jsonb(understood.get("entities") or []),
         "r_content": reply["content"], "r_tools": Jsonb(reply.get("tool_calls") or []),
         "r_usage": Jsonb(reply.get("usage") or {}),
         "cost": float((reply.get("usage") or {}).get("cost_usd") or 0),
         "calls": int((reply.get("usage") or {}).get("calls") or 0),
         "stage": state["stage"], "status": state["status"], "context": Jsonb(state["context"]),
         "negotiation": Jsonb(state["negotiation_history"]),
         "hesitation": Jsonb(state["hesitation_signals"]),
         "hook_id": webhook.id if webhook else None,
         "hook_type": webhook.type if webhook else None,
         "hook_body": webhook.body if webhook else None},
    ).fetchone()
    if row["conversation"] is None:
        return None
    return (_revive(row["message"], _MSG_UUIDS), _revive(row["reply"], _MSG_UUIDS),
            _revive(row["conversation"], _CONV_UUIDS))


# The dashboard's list: one row per conversation with its last word (shopper, agent or
# team), waiting-for-a-person first (handed over, and nobody on the team has taken it
# over or had the last word since), then the most recently active; keyset pagination on
# (waiting, active_at, id). ``pattern`` is an ILIKE pattern for a session id or any
# message's text.
_LIST = """
        SELECT * FROM (
            SELECT c.id, c.agent_id, c.session_id, c.status, c.stage, c.message_count,
                   c.last_message_at, c.created_at, c.context -> 'cart' AS cart,
                   lm.role AS last_role, left(lm.content, 200) AS last_content,
                   lm.created_at AS last_created_at,
                   (c.status = 'handoff' AND coalesce(lm.role, '') <> 'operator'
                    AND c.context -> 'handoff' ->> 'taken_at' IS NULL) AS waiting,
                   coalesce(c.last_message_at, c.created_at) AS active_at
              FROM conversations c
              LEFT JOIN LATERAL (
                   SELECT role, content, created_at FROM messages m
                    WHERE m.conversation_id = c.id AND m.organization_id = c.organization_id
                      AND m.role IN ('user', 'assistant', 'operator')
                    ORDER BY m.seq DESC LIMIT 1) lm ON true
             WHERE c.organization_id = %(org)s AND c.deleted_at IS NULL
               AND (%(agent)s::uuid IS NULL OR c.agent_id = %(agent)s::uuid)
               AND (%(status)s::text IS NULL OR c.status = %(status)s::text)
               AND (%(pattern)s::text IS NULL OR c.session_id ILIKE %(pattern)s::text
                    OR EXISTS (SELECT 1 FROM messages m
                                WHERE m.conversation_id = c.id
                                  AND m.organization_id = c.organization_id
                                  AND m.role IN ('user', 'assistant', 'operator')
                                  AND m.content ILIKE %(pattern)s::text))) x
         WHERE (NOT %(waiting_only)s OR x.waiting)
           AND (%(after_waiting)s::boolean IS NULL
                OR (x.waiting, x.active_at, x.id)
                   < (%(after_waiting)s::boolean, %(after_at)s::timestamptz, %(after_id)s::uuid))
         ORDER BY x.waiting DESC, x.active_at DESC, x.id DESC
         LIMIT %(limit)s
        """


def list_conversations(conn: psycopg.Connection, organization_id: UUID, *,
                       status: str | None, waiting_only: bool, pattern: str | None,
                       agent_id: UUID | None, after: tuple[bool, datetime, UUID] | None,
                       limit: int) -> list[dict[str, Any]]:
    after_waiting, after_at, after_id = after or (None, None, None)
    return conn.execute(_LIST, {
        "org": organization_id, "agent": agent_id, "status": status, "pattern": pattern,
        "waiting_only": waiting_only, "after_waiting": after_waiting, "after_at": after_at,
        "after_id": after_id, "limit": limit}).fetchall()


# ---------------------------------------------------------------- the dashboard's detail


def product_tool_calls(conn: psycopg.Connection, organization_id: UUID,
                       conversation_id: UUID, tools: list[str]) -> list[list[Any]]:
    """The ``tool_calls`` of the conversation's replies that called one of ``tools``,
    in order."""
    rows = conn.execute(
        """SELECT tool_calls FROM messages
            WHERE conversation_id = %s AND organization_id = %s AND role = 'assistant'
              AND EXISTS (SELECT 1 FROM jsonb_array_elements(
                                  CASE jsonb_typeof(tool_calls) WHEN 'array'
                                       THEN tool_calls ELSE '[]'::jsonb END) c
                           WHERE c ->> 'name' = ANY(%s))
            ORDER BY seq""",
        (conversation_id, organization_id, tools),
    ).fetchall()
    return [row["tool_calls"] for row in rows]


def products_by_external_ids(conn: psycopg.Connection, organization_id: UUID,
                             external_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The store's products with these ids, deleted or inactive ones included (marked
    ``available`` false): a transcript shows what was shown then."""
    rows = conn.execute(
        """SELECT external_id, name, brand, price_minor, currency, image_url, url, in_stock,
                  (active AND deleted_at IS NULL) AS available
             FROM products
            WHERE organization_id = %s AND external_id = ANY(%s)""",
        (organization_id, external_ids),
    ).fetchall()
    return {row["external_id"]: row for row in rows}


def checkout_of(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
                checkout_id: str) -> dict[str, Any] | None:
    """One of the conversation's checkouts, with its quote's lines and offer."""
    return conn.execute(
        """SELECT k.id, k.url, k.provider, k.status, k.subtotal_minor, k.discount_minor,
                  k.total_minor, k.currency, k.expires_at, k.created_at, q.lines, q.offer_id
             FROM checkouts k JOIN quotes q ON q.id = k.quote_id
            WHERE k.id = %s AND k.organization_id = %s AND k.conversation_id = %s""",
        (checkout_id, organization_id, conversation_id),
    ).fetchone()
