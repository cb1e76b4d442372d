"""HTTP doors of payments: provider webhooks, the local page's pay button, checkouts from
quotes, and conversion analytics.

The pay button (`local_router`) records a paid order with no money taken, so the app
mounts it outside production only (see `agentpay.api.app.create_app`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from agentpay.api.auth import AnyPrincipal, OperatorPrincipal
from agentpay.api.deps import ConnDep, SettingsDep
from agentpay.api.errors import COMMON_ERRORS, error_responses
from agentpay.kit import deadline
from agentpay.kit.errors import AppError, Conflict, InvalidInput, NotFound

logger = logging.getLogger(__name__)

router = APIRouter(tags=["payments"], responses=error_responses(400, 404, 413, 422, 503))
# The local provider's pay button: development only, never mounted in production.
local_router = APIRouter(tags=["payments"], responses=error_responses(400, 404, 413, 422, 503))

MAX_WEBHOOK_BYTES = 256 * 1024
MAX_ANALYTICS_DAYS = 366  # the daily series stays a few hundred points


class WebhookRejected(AppError):
    status_code = 400
    code = "invalid_webhook"


@dataclass(frozen=True)
class PaidEvent:
    provider_checkout_id: str
    kind: str
    provider_order_id: str | None
    amount_minor: int | None
    currency: str | None
    checkout_id: str | None  # our row's id, from the checkout's metadata


def _our_id(data: dict) -> str | None:
    metadata = data.get("metadata")
    value = metadata.get("checkout_id") if isinstance(metadata, dict) else None
    return value if isinstance(value, str) and 0 < len(value) <= 64 else None


def _paid_event(provider: str, event: dict) -> PaidEvent | None:
    """What a paid event says, or None for events that do not complete an order."""
    kind = str(event.get("type", ""))
    data = event.get("data") or {}
    if provider == "stripe" and kind == "checkout.session.completed":
        session = data.get("object") or {}
        if session.get("payment_status") != "paid":
            return None
        return PaidEvent(str(session.get("id")), kind, session.get("payment_intent"),
                         session.get("amount_total"), session.get("currency"),
                         _our_id(session))
    if provider == "polar" and kind == "order.paid":
        checkout_id = data.get("checkout_id")
        if not checkout_id:
            return None
        # Polar adds tax on top of the quote: compare what the store nets, before tax
        amount = data.get("net_amount", data.get("subtotal_amount"))
        # Polar copies the checkout's metadata onto the order
        return PaidEvent(str(checkout_id), kind, data.get("id"),
                         None if amount is None else int(amount), data.get("currency"),
                         _our_id(data))
    return None


def _process_webhook(provider: str, event_id: str, event: dict) -> str:
    from agentpay.db import get_database
    from agentpay.payments.service import complete_paid

    paid = _paid_event(provider, event)
    with get_database().transaction() as conn:
        if paid is None:
            from agentpay.payments import repository

            fresh = repository.record_event(conn, provider, event_id,
                                            str(event.get("type", "")), None)
            return "ignored" if fresh else "duplicate"
        return complete_paid(conn, provider, paid.provider_checkout_id, event_id=event_id,
                             event_type=paid.kind, provider_order_id=paid.provider_order_id,
                             amount_minor=paid.amount_minor, currency=paid.currency,
                             checkout_id=paid.checkout_id)


@router.post("/v1/agent/webhooks/{provider}", responses=error_responses(409))
async def webhook(provider: str, request: Request) -> dict:
    """A provider's signed event. A paid event for a checkout that is not here (yet)
    is answered 409 ``unknown_checkout`` and not recorded, so the provider delivers it
    again; every other answer is 2xx once the event is recorded."""
    import os

    from agentpay.payments.webhooks import (
        WebhookSignatureError,
        verify_standard_webhook,
        verify_stripe_signature,
    )

    if provider not in ("stripe", "polar"):
        raise NotFound("no such webhook", code="unknown_provider")
    from agentpay.config import get_settings
    from agentpay.payments.secrets import load_payment_secrets

    load_payment_secrets(get_settings().payments_secret_arn)
    body = await request.body()
    if len(body) > MAX_WEBHOOK_BYTES:
        raise WebhookRejected("webhook body too large", code="payload_too_large")
    secret = os.environ.get(f"{provider.upper()}_WEBHOOK_SECRET", "")
    if not secret:
        raise WebhookRejected(f"{provider} webhooks are not configured",
                              code="webhook_not_configured")
    try:
        if provider == "stripe":
            event = verify_stripe_signature(body, request.headers.get("stripe-signature", ""),
                                            secret)
            event_id = str(event.get("id", ""))
        else:
            event = verify_standard_webhook(body, request.headers, secret)
            event_id = request.headers.get("webhook-id", "")
    except WebhookSignatureError as exc:
        raise WebhookRejected("the webhook signature is not valid",
                              code=getattr(exc, "code", "bad_signature")) from exc
    if not event_id:
        raise WebhookRejected("the event has no id", code="invalid_payload")
    outcome = await run_in_threadpool(_process_webhook, provider, event_id, event)
    logger.info("webhook processed", extra={"provider": provider, "outcome": outcome})
    return {"received": True, "outcome": outcome}


@local_router.post("/checkout/{token}/pay", response_class=HTMLResponse,
             responses=error_responses(409, 410))
def local_pay(token: str, settings: SettingsDep, conn: ConnDep) -> HTMLResponse:
    """The local provider's pay button: completes the order through the same path as a
    provider's paid webhook."""
    from agentpay.checkout.links import verify
    from agentpay.checkout.secret import signing_secret
    from agentpay.payments.service import complete_paid

    payload = verify(token[:8192], signing_secret(settings))
    checkout_id = str(payload["id"])
    ours = (payload.get("metadata") or {}).get("checkout_id")
    with conn.transaction():
        outcome = complete_paid(conn, "local", checkout_id, event_id=f"local_{checkout_id}",
                                event_type="local.paid", provider_order_id=f"local_{checkout_id}",
                                amount_minor=int(payload["total_minor"]),
                                currency=str(payload["currency"]),
                                checkout_id=ours if isinstance(ours, str) else None)
    if outcome not in ("completed", "already_completed", "duplicate"):
        raise InvalidInput("this checkout cannot be paid", code=f"checkout_{outcome}")
    return HTMLResponse(
        "<!doctype html><html lang=en><meta charset=utf-8><title>Thank you</title>"
        "<body style='font-family:system-ui;max-width:40rem;margin:2rem auto'>"
        "<h1>Thank you!</h1><p>Your order is confirmed.</p></body></html>",
        headers={"Cache-Control": "no-store"})


class CheckoutRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quote_id: Annotated[str, Field(min_length=3, max_length=64)] | None = None


@router.post("/v1/agent/conversations/{conversation_id}/checkout", status_code=201,
             responses={**COMMON_ERRORS, **error_responses(409)})
def create_checkout(conversation_id: UUID, body: CheckoutRequest, principal: AnyPrincipal,
                    conn: ConnDep, settings: SettingsDep) -> dict:
    """A checkout for the conversation's server-side cart, optionally from a given quote."""
    from agentpay.agents import repository as agents_repo
    from agentpay.conversations import repository as conv_repo
    from agentpay.orchestrator.negotiation import rules_of
    from agentpay.payments.base import PaymentError
    from agentpay.payments.service import start_checkout

    principal.require_conversation(conversation_id)
    # No transaction and no lock: the provider is called with none open. The cart is read
    # once; the quote is signed over it and start_checkout checks it against that cart.
    conversation = conv_repo.get_conversation(conn, principal.organization_id,
                                              conversation_id)
    if conversation is None:
        raise NotFound("conversation not found", code="conversation_not_found")
    agent = agents_repo.get(conn, principal.organization_id, conversation["agent_id"])
    if agent is None:
        raise NotFound("conversation not found", code="conversation_not_found")
    lines = ((conversation.get("context") or {}).get("cart") or {}).get("lines") or []
    try:
        with deadline.within(settings.turn_deadline_seconds):
            started = start_checkout(conn, principal.organization_id, conversation_id,
                                     agent["id"], lines,
                                     conversation.get("negotiation_history") or [],
                                     rules_of(agent), settings, datetime.now(UTC),
                                     quote_id=body.quote_id)
    except PaymentError as exc:
        if exc.code == "payments_not_configured":
            raise Conflict("this store cannot take payment online yet",
                           code=exc.code) from exc
        raise AppError("the payment provider could not create a checkout",
                       code=exc.code) from exc
    checkout = started.checkout
    return {"id": checkout["id"], "url": checkout["url"], "provider": checkout["provider"],
            "quote_id": checkout["quote_id"], "total_minor": checkout["total_minor"],
            "discount_minor": checkout["discount_minor"], "currency": checkout["currency"],
            "expires_at": checkout["expires_at"]}


@router.get("/v1/agent/analytics", responses=COMMON_ERRORS)
def analytics(principal: OperatorPrincipal, conn: ConnDep,
              agent_id: UUID | None = None,
              since: Annotated[datetime | None, Query(alias="from")] = None,
              until: Annotated[datetime | None, Query(alias="to")] = None) -> dict:
    """The store's numbers over [`from`, `to`) (default: the last 30 days), or one agent's
    with `agent_id` (another store's or a deleted agent: 404 `agent_not_found`): `totals`,
    a `daily` series (UTC days), the `funnel` by stage and per-agent figures (`agents`).
    Money is in minor units per currency."""
    from agentpay.payments.analytics import agent_figures, daily_figures, funnel, totals

    until = until or datetime.now(UTC)
    since = since or until - timedelta(days=30)
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    if until.tzinfo is None:
        until = until.replace(tzinfo=UTC)
    if since >= until:
        raise InvalidInput("`from` must be before `to`", code="invalid_period")
    if until - since > timedelta(days=MAX_ANALYTICS_DAYS):
        raise InvalidInput(f"a period is at most {MAX_ANALYTICS_DAYS} days",
                           code="invalid_period")
    org = principal.organization_id
    if agent_id is not None:  # another store's agent, or a deleted one: 404
        from agentpay.agents.service import get_agent

        get_agent(conn, org, agent_id)
    daily = daily_figures(conn, org, since, until, agent_id)
    return {"from": since, "to": until,
            "agents": agent_figures(conn, org, since, until, agent_id),
            "totals": totals(daily), "daily": daily,
            "funnel": funnel(conn, org, since, until, agent_id)}
