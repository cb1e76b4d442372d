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


_PENDING_CHECKOUT = """
    INSERT INTO checkouts (id, organization_id, conversation_id, agent_id, quote_id, provider,
                           status, subtotal_minor, discount_minor, total_minor, currency,
                           expires_at)
    VALUES (%(id)s, %(organization_id)s, %(conversation_id)s, %(agent_id)s, %(quote_id)s,
            %(provider)s, 'pending', %(subtotal_minor)s, %(discount_minor)s, %(total_minor)s,
            %(currency)s, %(expires_at)s)
    RETURNING id"""

# The same, with the quote it charges stored by the same statement.
_QUOTE_AND_PENDING_CHECKOUT = """
    WITH q AS (
        INSERT INTO quotes (id, organization_id, conversation_id, agent_id, currency, lines,
                            subtotal_minor, discount_minor, discount_percent, total_minor,
                            offer_id, cart_hash, signature, expires_at)
        VALUES (%(q_id)s, %(organization_id)s, %(conversation_id)s, %(agent_id)s,
                %(currency)s, %(q_lines)s, %(subtotal_minor)s, %(discount_minor)s,
                %(q_discount_percent)s, %(total_minor)s, %(q_offer_id)s, %(q_cart_hash)s,
                %(q_signature)s, %(q_expires_at)s)
        RETURNING id)
    INSERT INTO checkouts (id, organization_id, conversation_id, agent_id, quote_id, provider,
                           status, subtotal_minor, discount_minor, total_minor, currency,
                           expires_at)
    SELECT %(id)s, %(organization_id)s, %(conversation_id)s, %(agent_id)s, q.id,
           %(provider)s, 'pending', %(subtotal_minor)s, %(discount_minor)s, %(total_minor)s,
           %(currency)s, %(expires_at)s
      FROM q
    RETURNING id"""


def insert_checkout(conn: psycopg.Connection, c: dict[str, Any],
                    quote: dict[str, Any] | None = None) -> None:
    """A checkout row before its provider is called: status 'pending', no provider id or
    link yet, the quote's amounts; with ``quote``, that quote is stored too, in the same
    statement (one round trip). Commits on its own in autocommit."""
    if quote is None:
        conn.execute(_PENDING_CHECKOUT, c)
        return
    conn.execute(_QUOTE_AND_PENDING_CHECKOUT, {
        **c, "q_id": quote["id"], "q_lines": Jsonb(quote["lines"]),
        "q_discount_percent": quote["discount_percent"], "q_offer_id": quote["offer_id"],
        "q_cart_hash": quote["cart_hash"], "q_signature": quote["signature"],
        "q_expires_at": quote["expires_at"]})


def open_checkout(conn: psycopg.Connection, organization_id: UUID, checkout_id: str,
                  provider_checkout_id: str, url: str,
                  expires_at: datetime | None) -> dict[str, Any] | None:
    """The provider made the checkout: record its id and link. A paid webhook that came
    first (found the row by its id in the metadata) has completed it: it stays completed."""
    return conn.execute(
        f"""UPDATE checkouts
               SET provider_checkout_id = coalesce(provider_checkout_id, %(pid)s),
                   url = %(url)s, expires_at = coalesce(%(expires)s, expires_at),
                   status = CASE WHEN status = 'completed' THEN status ELSE 'open' END
             WHERE id = %(id)s AND organization_id = %(org)s
            RETURNING {_CHECKOUT}""",
        {"id": checkout_id, "org": organization_id, "pid": provider_checkout_id, "url": url,
         "expires": expires_at},
    ).fetchone()


def fail_checkout(conn: psycopg.Connection, organization_id: UUID, checkout_id: str) -> None:
    """The provider refused, or gave no answer in time: the row stays, marked, so that a
    paid webhook for a checkout it made after all still finds it."""
    conn.execute("""UPDATE checkouts SET status = 'failed'
                     WHERE id = %s AND organization_id = %s AND status = 'pending'""",
                 (checkout_id, organization_id))


def find_checkout(conn: psycopg.Connection, provider: str, provider_checkout_id: str,
                  checkout_id: str | None = None) -> dict[str, Any] | None:
    """By the provider's id (webhooks know no organization until this row says which), or
    by the row's own id that the checkout's metadata carries: a webhook may come before
    the provider's id is recorded. Locked for the rest of the transaction."""
    return conn.execute(
        f"""SELECT {_CHECKOUT} FROM checkouts
             WHERE provider = %(provider)s
               AND (provider_checkout_id = %(pid)s
                    OR (id = %(id)s AND (provider_checkout_id IS NULL
                                         OR provider_checkout_id = %(pid)s)))
             ORDER BY provider_checkout_id IS NULL LIMIT 1
               FOR UPDATE""",
        {"provider": provider, "pid": provider_checkout_id, "id": checkout_id},
    ).fetchone()


def complete_checkout(conn: psycopg.Connection, checkout: dict[str, Any],
                      provider_order_id: str | None, paid_at: datetime,
                      provider_checkout_id: str | None = None) -> dict | None:
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
    # the provider's id too, when the webhook came before it was recorded; the
    # conversation's new version makes a turn in flight save nothing over it
    conn.execute(
        """WITH ck AS (UPDATE checkouts
                          SET status = 'completed',
                              provider_checkout_id = coalesce(provider_checkout_id, %(pid)s)
                        WHERE id = %(id)s AND organization_id = %(org)s)
           UPDATE conversations
              SET stage = 'completed', status = 'completed', updated_at = now(),
                  version = version + 1
            WHERE id = %(conv)s AND organization_id = %(org)s""",
        {"id": checkout["id"], "org": checkout["organization_id"],
         "conv": checkout["conversation_id"], "pid": provider_checkout_id},
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
