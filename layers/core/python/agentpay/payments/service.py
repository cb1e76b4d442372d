"""Checkouts from quotes, and orders from paid checkouts, whichever provider is used.

The conversation's cart becomes a signed quote; the quote (never a model, never a
message) is what the provider is asked to charge. A paid event, from a verified webhook
or the local checkout page, completes the checkout once, records the order and moves
the conversation to completed.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg

from agentpay.config import Settings
from agentpay.kit import deadline
from agentpay.kit.errors import Conflict
from agentpay.orchestrator.negotiation import NegotiationRules
from agentpay.payments import quotes, repository
from agentpay.payments.base import PaymentError, ProviderCheckout

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
    """A provider checkout for this conversation's cart (PaymentError, QuoteRefused).

    Called with no transaction open (``conn`` in autocommit): the checkout's row, with
    the quote's amounts, is committed before the provider is called, so a paid webhook
    always finds it (the row's id travels in the checkout's metadata, for a webhook that
    comes before the provider's id is recorded), whatever happens to the turn that asked.
    The provider has what is left of the turn's deadline, if one is set; a refusal or no
    answer marks the row failed."""
    from agentpay.payments.factory import provider_for
    from agentpay.payments.secrets import load_payment_secrets

    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        raise RuntimeError("start_checkout commits its checkout row before it calls the "
                           "provider; call it with no transaction open")
    load_payment_secrets(settings.payments_secret_arn)
    # first, so a store that cannot take money here gets no quote either
    provider = provider_for(repository.organization_settings(conn, organization_id), settings)

    if quote_id is None:
        quote = quotes.build_quote(conn, organization_id, conversation_id, agent_id,
                                   cart_lines, history, rules, settings, now)
    else:
        quote = repository.get_quote(conn, organization_id, quote_id)
        if quote is not None and quote["conversation_id"] != conversation_id:
            quote = None
    quotes.check_quote(quote, cart_lines, settings, now)
    quotes.check_offer(quote, history)
    row = {"id": f"chk_{uuid.uuid4().hex[:20]}", "organization_id": organization_id,
           "conversation_id": conversation_id, "agent_id": agent_id, "quote_id": quote["id"],
           "provider": provider.name, "subtotal_minor": quote["subtotal_minor"],
           "discount_minor": quote["discount_minor"], "total_minor": quote["total_minor"],
           "currency": quote["currency"], "expires_at": quote["expires_at"]}
    # committed now (autocommit), with the new quote if there is one
    repository.insert_checkout(conn, row, quote if quote_id is None else None)
    base = settings.public_base_url.rstrip("/")
    try:
        made = _bounded(provider.name, lambda: provider.create_checkout(
            _provider_quote(quote), success_url=f"{base}/checkout/done?quote={quote['id']}",
            cancel_url=f"{base}/checkout/cancelled?quote={quote['id']}",
            metadata={"organization_id": str(organization_id),
                      "conversation_id": str(conversation_id), "quote_id": quote["id"],
                      "checkout_id": row["id"]},
            # per attempt (one row each): Stripe replays a key only for identical
            # parameters, and a retried checkout of the same quote minutes later carries
            # a different session expiry
            idempotency_key=row["id"]))
    except PaymentError:
        repository.fail_checkout(conn, organization_id, row["id"])
        raise
    checkout = repository.open_checkout(conn, organization_id, row["id"], made.id, made.url,
                                        made.expires_at)
    return StartedCheckout(checkout=checkout, quote=quote)


# Of the turn's deadline, kept for what comes after the provider (the reply, the save).
AFTER_PROVIDER_SECONDS = 1.0


def _bounded(name: str, call: Callable[[], ProviderCheckout]) -> ProviderCheckout:
    """The provider's answer, within what is left of the turn's deadline (if any).

    A provider's SDK has its own timeouts and retries (Stripe: two calls, each retried;
    Polar: backoff): together longer than a function's timeout. So the call runs on a
    thread of its own and is given up at the deadline (``provider_timeout``); what it
    makes after that is never shown, and expires unpaid."""
    seconds = deadline.remaining()
    if seconds is None:
        return call()
    seconds -= AFTER_PROVIDER_SECONDS
    if seconds <= 0:
        raise PaymentError("provider_timeout", "no time left in this turn to create a "
                           "checkout", provider=name)
    answer: Future[ProviderCheckout] = Future()

    def run() -> None:
        try:
            answer.set_result(call())
        except Exception as exc:  # noqa: BLE001 - handed to the waiting thread
            answer.set_exception(exc)

    threading.Thread(target=run, name=f"checkout-{name}", daemon=True).start()
    try:
        return answer.result(timeout=seconds)
    except TimeoutError:
        logger.warning("payment provider gave no answer within the turn's deadline",
                       extra={"provider": name})
        raise PaymentError("provider_timeout", f"{name} did not answer in time",
                           provider=name) from None


class UnknownCheckout(Conflict):
    """A paid event for a checkout that is not (yet) here: answered 409, and not recorded
    as processed, so the provider delivers it again (Stripe and Polar retry for days)."""

    code = "unknown_checkout"


def complete_paid(conn: psycopg.Connection, provider: str, provider_checkout_id: str, *,
                  event_id: str, event_type: str, provider_order_id: str | None = None,
                  amount_minor: int | None = None, currency: str | None = None,
                  checkout_id: str | None = None) -> str:
    """Apply one paid event; returns what happened (for the webhook's log and reply).

    The checkout is found by the provider's id, or by ``checkout_id`` (the row's own id,
    from the checkout's metadata) when the event came before that id was recorded. An
    event for no checkout here raises :class:`UnknownCheckout`, recording nothing.
    Idempotent twice over: the event id is recorded once, and the order is unique per
    checkout, so a retried or duplicated delivery changes nothing.
    """
    checkout = repository.find_checkout(conn, provider, provider_checkout_id, checkout_id)
    if checkout is None:
        logger.warning("paid event for an unknown checkout; not acknowledged",
                       extra={"provider": provider})
        raise UnknownCheckout("no checkout here matches this event (yet); deliver it again "
                              "later")
    if not repository.record_event(conn, provider, event_id, event_type,
                                   checkout["organization_id"]):
        return "duplicate"
    if amount_minor is not None and (int(amount_minor) != int(checkout["total_minor"]) or (
            currency and currency.upper() != checkout["currency"])):
        logger.error("paid amount differs from the quote; not completing",
                     extra={"checkout_id": checkout["id"]})
        return "amount_mismatch"
    order = repository.complete_checkout(conn, checkout, provider_order_id, datetime.now(UTC),
                                         provider_checkout_id)
    return "completed" if order else "already_completed"
