"""Checkouts from quotes, and orders from paid checkouts, whichever provider is used.

The conversation's cart becomes a signed quote; the quote (never a model, never a
message) is what the provider is asked to charge. A paid event, from a verified webhook
or the local checkout page, completes the checkout once, records the order and moves
the conversation to completed.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg

from agentpay.config import Settings
from agentpay.orchestrator.negotiation import NegotiationRules
from agentpay.payments import quotes, repository

logger = logging.getLogger(__name__)


@dataclass
class StartedCheckout:
    checkout: dict[str, Any]
    quote: dict[str, Any]


def _provider_quote(quote: dict[str, Any]):
    from agentpay.payments.base import Quote, QuoteLine

    return Quote(
        id=quote["id"], organization_id=str(quote["organization_id"]),
        conversation_id=str(quote["conversation_id"]), currency=quote["currency"],
        lines=tuple(QuoteLine(external_id=li["external_id"], name=li["name"],
                              quantity=int(li["quantity"]),
                              unit_price_minor=int(li["unit_price_minor"]))
                    for li in quote["lines"]),
        subtotal_minor=int(quote["subtotal_minor"]), discount_minor=int(quote["discount_minor"]),
        total_minor=int(quote["total_minor"]), expires_at=quote["expires_at"])


def start_checkout(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
                   agent_id: UUID, cart_lines: list[dict], history: list[dict],
                   rules: NegotiationRules, settings: Settings, now: datetime, *,
                   quote_id: str | None = None) -> StartedCheckout:
    """A provider checkout for this conversation's cart (PaymentError, QuoteRefused)."""
    from agentpay.payments.factory import provider_for
    from agentpay.payments.secrets import load_payment_secrets

    load_payment_secrets(settings.payments_secret_arn)
    # first, so a store that cannot take money here gets no quote either
    provider = provider_for(repository.organization_settings(conn, organization_id), settings)

    if quote_id is None:
        quote = quotes.create_quote(conn, organization_id, conversation_id, agent_id,
                                    cart_lines, history, rules, settings, now)
    else:
        quote = repository.get_quote(conn, organization_id, quote_id)
        if quote is not None and quote["conversation_id"] != conversation_id:
            quote = None
    quotes.check_quote(quote, cart_lines, settings, now)
    base = settings.public_base_url.rstrip("/")
    made = provider.create_checkout(
        _provider_quote(quote), success_url=f"{base}/checkout/done?quote={quote['id']}",
        cancel_url=f"{base}/checkout/cancelled?quote={quote['id']}",
        metadata={"organization_id": str(organization_id),
                  "conversation_id": str(conversation_id), "quote_id": quote["id"]},
        # per attempt: Stripe replays a key only for identical parameters, and a retried
        # checkout of the same quote minutes later carries a different session expiry
        idempotency_key=f"{quote['id']}:{uuid.uuid4().hex[:12]}")
    checkout = repository.insert_checkout(conn, {
        "id": f"chk_{uuid.uuid4().hex[:20]}", "organization_id": organization_id,
        "conversation_id": conversation_id, "agent_id": agent_id, "quote_id": quote["id"],
        "provider": provider.name, "provider_checkout_id": made.id, "url": made.url,
        "subtotal_minor": quote["subtotal_minor"], "discount_minor": quote["discount_minor"],
        "total_minor": quote["total_minor"], "currency": quote["currency"],
        "expires_at": made.expires_at or quote["expires_at"]})
    return StartedCheckout(checkout=checkout, quote=quote)


def complete_paid(conn: psycopg.Connection, provider: str, provider_checkout_id: str, *,
                  event_id: str, event_type: str, provider_order_id: str | None = None,
                  amount_minor: int | None = None, currency: str | None = None) -> str:
    """Apply one paid event; returns what happened (for the webhook's log and reply).

    Idempotent twice over: the event id is recorded once, and the order is unique per
    checkout, so a retried or duplicated delivery changes nothing.
    """
    checkout = repository.find_checkout(conn, provider, provider_checkout_id)
    org = checkout["organization_id"] if checkout else None
    if not repository.record_event(conn, provider, event_id, event_type, org):
        return "duplicate"
    if checkout is None:
        logger.warning("paid event for an unknown checkout", extra={"provider": provider})
        return "unknown_checkout"
    if amount_minor is not None and (int(amount_minor) != int(checkout["total_minor"]) or (
            currency and currency.upper() != checkout["currency"])):
        logger.error("paid amount differs from the quote; not completing",
                     extra={"checkout_id": checkout["id"]})
        return "amount_mismatch"
    order = repository.complete_checkout(conn, checkout, provider_order_id, datetime.now(UTC))
    return "completed" if order else "already_completed"
