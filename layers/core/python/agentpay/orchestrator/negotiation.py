"""Dynamic pricing inside the store's rules: stepped offers, a floor, an expiry.

The shopper's words only ever *trigger* this policy (a discount request or a hesitation);
they never set its numbers. The percentage comes from the agent's rules and the offers
already made, each offer is recorded server-side with an expiry, and checkout applies the
recorded offer, never a number from a message or a model.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agentpay.kit.money import percent_of

Trigger = Literal["discount_request", "hesitation"]
TRIGGERS: tuple[str, ...] = ("discount_request", "hesitation")


class NegotiationRules(BaseModel):
    """The money part of an agent's ``rules``; other keys (policies, ...) pass through."""

    model_config = ConfigDict(extra="allow")

    max_discount_percent: float = Field(default=10.0, ge=0, le=90)
    discount_step_percent: float = Field(default=5.0, gt=0, le=90)
    # the lowest share of the list price a shopper may ever pay
    min_price_floor_percent: float | None = Field(default=None, ge=10, le=100)
    offer_ttl_minutes: int = Field(default=30, ge=1, le=7 * 24 * 60)
    max_quantity_per_line: int = Field(default=25, ge=1, le=999)

    @model_validator(mode="after")
    def _floor_is_consistent(self) -> NegotiationRules:
        if self.min_price_floor_percent is None:
            self.min_price_floor_percent = 100.0 - self.max_discount_percent
        return self

    @property
    def allowed_percent(self) -> float:
        """The deepest discount both the cap and the floor allow."""
        floor = self.min_price_floor_percent if self.min_price_floor_percent is not None else 0
        return max(0.0, min(self.max_discount_percent, 100.0 - floor))


def rules_of(agent: dict) -> NegotiationRules:
    """The agent's rules; stored rules were validated at the API, but an older or
    hand-edited row must fail safe: no discounts at all rather than a crash or a gift."""
    try:
        return NegotiationRules.model_validate(agent.get("rules") or {})
    except ValidationError:
        return NegotiationRules(max_discount_percent=0)


@dataclass(frozen=True)
class Decision:
    offer: dict[str, Any] | None       # the new offer record, when one is made
    reason: str                        # offered | at_limit | not_allowed | nothing_to_discount


def offers(history: list[dict]) -> list[dict]:
    return [h for h in history if h.get("kind") == "offer"]


def active_offer(history: list[dict], now: datetime) -> dict | None:
    """The latest unexpired offer, if any."""
    for item in reversed(offers(history)):
        if datetime.fromisoformat(item["expires_at"]) > now:
            return item
    return None


def next_offer(rules: NegotiationRules, history: list[dict], base_total_minor: int,
               currency: str, trigger: str, now: datetime) -> Decision:
    """One step deeper than the last offer, never beyond the rules; renews the expiry."""
    if trigger not in TRIGGERS:
        return Decision(None, "not_allowed")
    if base_total_minor <= 0:
        return Decision(None, "nothing_to_discount")
    ceiling = rules.allowed_percent
    if ceiling <= 0:
        return Decision(None, "not_allowed")
    current = active_offer(history, now)
    # an offer made under looser rules is renewed at today's ceiling, never above it
    last = min(max(float(current["percent"]), 0.0), ceiling) if current else 0.0
    percent = min(ceiling, last + rules.discount_step_percent)
    if current and percent <= last:
        # already at the limit: renew the same offer's expiry, never deepen it
        percent = last
        reason = "at_limit"
    else:
        reason = "offered"
    discount = percent_of(base_total_minor, percent)
    offer = {
        "kind": "offer",
        "id": f"off_{uuid.uuid4().hex[:16]}",
        "percent": percent,
        "trigger": trigger,
        "base_total_minor": base_total_minor,
        "discount_minor": discount,
        "total_minor": base_total_minor - discount,
        "currency": currency,
        "created_at": now.isoformat(),
        "expires_at": (now + timedelta(minutes=rules.offer_ttl_minutes)).isoformat(),
    }
    return Decision(offer, reason)


def apply_offer(rules: NegotiationRules, offer: dict | None, subtotal_minor: int,
                now: datetime) -> tuple[int, float]:
    """(discount in minor units, percent) for a checkout of ``subtotal_minor``.

    Re-checked against today's rules: an offer recorded under looser rules, or one that
    has expired, gives nothing more than the rules allow now.
    """
    if offer is None or subtotal_minor <= 0:
        return 0, 0.0
    if datetime.fromisoformat(offer["expires_at"]) <= now:
        return 0, 0.0
    percent = min(float(offer["percent"]), rules.allowed_percent)
    if percent <= 0:
        return 0, 0.0
    return percent_of(subtotal_minor, percent), percent


def offer_view(rules: NegotiationRules, history: list[dict], subtotal_minor: int,
               currency: str, now: datetime) -> dict[str, Any] | None:
    """The offer as a checkout of this cart would apply it now (the figures a cart view
    shows), or None: no offer, expired, in another currency, or nothing to discount."""
    offer = active_offer(history, now)
    if offer is None or offer.get("currency") != currency:
        return None
    discount, percent = apply_offer(rules, offer, subtotal_minor, now)
    if discount <= 0:
        return None
    return {"percent": round(percent, 2), "discount_minor": discount,
            "total_minor": subtotal_minor - discount, "currency": currency,
            "expires_at": offer["expires_at"]}
