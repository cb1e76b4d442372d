"""SQL for quotes, checkouts, orders and processed webhook events (org-scoped)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg.types.json import Jsonb

_QUOTE = """id, organization_id, conversation_id, agent_id, currency, lines, subtotal_minor,
            discount_minor, discount_percent, total_minor, offer_id, cart_hash, signature,
            expires_at, created_at"""
_CHECKOUT = """id, organization_id, conversation_id, agent_id, quote_id, provider,
               provider_checkout_id, url, status, subtotal_minor, discount_minor, total_minor,
               currency, expires_at, created_at"""


def insert_quote(conn: psycopg.Connection, q: dict[str, Any]) -> dict[str, Any]:
    return conn.execute(
        f"""INSERT INTO quotes (id, organization_id, conversation_id, agent_id, currency,
                                lines, subtotal_minor, discount_minor, discount_percent,
                                total_minor, offer_id, cart_hash, signature, expires_at)
            VALUES (%(id)s, %(organization_id)s, %(conversation_id)s, %(agent_id)s,
                    %(currency)s, %(lines)s, %(subtotal_minor)s, %(discount_minor)s,
                    %(discount_percent)s, %(total_minor)s, %(offer_id)s, %(cart_hash)s,
                    %(signature)s, %(expires_at)s)
            RETURNING {_QUOTE}""",
        {**q, "lines": Jsonb(q["lines"])},
    ).fetchone()


def get_quote(conn: psycopg.Connection, organization_id: UUID,
              quote_id: str) -> dict[str, Any] | None:
    return conn.execute(
        f"SELECT {_QUOTE} FROM quotes WHERE id = %s AND organization_id = %s",
        (quote_id, organization_id),
    ).fetchone()


def insert_checkout(conn: psycopg.Connection, c: dict[str, Any]) -> dict[str, Any]:
    return conn.execute(
        f"""INSERT INTO checkouts (id, organization_id, conversation_id, agent_id, quote_id,
                                   provider, provider_checkout_id, url, subtotal_minor,
                                   discount_minor, total_minor, currency, expires_at)
            VALUES (%(id)s, %(organization_id)s, %(conversation_id)s, %(agent_id)s,
                    %(quote_id)s, %(provider)s, %(provider_checkout_id)s, %(url)s,
                    %(subtotal_minor)s, %(discount_minor)s, %(total_minor)s, %(currency)s,
                    %(expires_at)s)
            ON CONFLICT (provider, provider_checkout_id) DO UPDATE SET url = EXCLUDED.url
            RETURNING {_CHECKOUT}""",
        c,
    ).fetchone()


def find_checkout(conn: psycopg.Connection, provider: str,
                  provider_checkout_id: str) -> dict[str, Any] | None:
    """By the provider's id: webhooks know no organization until this row says which."""
    return conn.execute(
        f"""SELECT {_CHECKOUT} FROM checkouts
             WHERE provider = %s AND provider_checkout_id = %s FOR UPDATE""",
        (provider, provider_checkout_id),
    ).fetchone()


def complete_checkout(conn: psycopg.Connection, checkout: dict[str, Any],
                      provider_order_id: str | None, paid_at: datetime) -> dict | None:
    """The order for a paid checkout, once: None if it was already recorded."""
    order = conn.execute(
        """INSERT INTO orders (organization_id, conversation_id, agent_id, checkout_id,
                               provider, provider_order_id, subtotal_minor, discount_minor,
                               total_minor, currency, paid_at)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (checkout_id) DO NOTHING
           RETURNING id, checkout_id, total_minor, currency, paid_at""",
        (checkout["organization_id"], checkout["conversation_id"], checkout["agent_id"],
         checkout["id"], checkout["provider"], provider_order_id, checkout["subtotal_minor"],
         checkout["discount_minor"], checkout["total_minor"], checkout["currency"], paid_at),
    ).fetchone()
    if order is None:
        return None
    conn.execute(
        """WITH ck AS (UPDATE checkouts SET status = 'completed'
                        WHERE id = %(id)s AND organization_id = %(org)s)
           UPDATE conversations
              SET stage = 'completed', status = 'completed', updated_at = now()
            WHERE id = %(conv)s AND organization_id = %(org)s""",
        {"id": checkout["id"], "org": checkout["organization_id"],
         "conv": checkout["conversation_id"]},
    )
    return order


def record_event(conn: psycopg.Connection, provider: str, event_id: str, event_type: str,
                 organization_id: UUID | None) -> bool:
    """False when this event was processed before (providers retry deliveries)."""
    row = conn.execute(
        """INSERT INTO webhook_events (provider, event_id, event_type, organization_id)
           VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING event_id""",
        (provider, event_id, event_type, organization_id),
    ).fetchone()
    return row is not None


def organization_settings(conn: psycopg.Connection, organization_id: UUID) -> dict[str, Any]:
    row = conn.execute("SELECT settings FROM organizations WHERE id = %s",
                       (organization_id,)).fetchone()
    return (row or {}).get("settings") or {}
