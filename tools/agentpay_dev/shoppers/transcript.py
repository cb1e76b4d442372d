"""What one turn of a conversation returned, and what the checks read from it.

The message response's `reply` (its text and tool calls), `products` (the cards shown),
`cart` and `conversation` (context, negotiation history), as a storefront reads them.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from typing import Any

# A checkout link in a reply: the local provider's `/checkout/<payload>.<signature>`
# (its done/cancelled pages have short paths and are not links to pay).
CHECKOUT_LINK = re.compile(r"https?://[^\s<>\"')\]]+/checkout/([A-Za-z0-9._~%-]{8,})")


@dataclass
class Checkout:
    """A checkout made in a turn: by a successful `create_checkout_link` call or a link in
    the reply. `lines` are the link's own (local provider), when it carries them."""

    total_minor: int | None
    lines: list[dict] | None
    url: str | None


@dataclass
class Turn:
    number: int
    sent: str
    status: int = 0  # the message's HTTP status; 0 when it got no answer
    ms: float = 0.0
    reply: str = ""
    products: list[dict] = field(default_factory=list)
    cart: dict | None = None  # None: the turn returned no cart
    conversation: dict = field(default_factory=dict)
    tool_calls: list[dict] = field(default_factory=list)
    error: str | None = None

    @classmethod
    def answered(cls, number: int, sent: str, status: int, ms: float, body: Any) -> Turn:
        if not 200 <= status < 300 or not isinstance(body, dict):
            return cls(number, sent, status, ms, error=f"HTTP {status}: {body}"[:500])
        reply = body.get("reply") or {}
        return cls(number, sent, status, ms, reply=reply.get("content") or "",
                   products=list(body.get("products") or []),
                   cart=body.get("cart") if isinstance(body.get("cart"), dict) else None,
                   conversation=body.get("conversation") or {},
                   tool_calls=list(reply.get("tool_calls") or []))

    @property
    def context(self) -> dict:
        return self.conversation.get("context") or {}

    def cart_lines(self) -> list[dict] | None:
        return None if self.cart is None else list(self.cart.get("lines") or [])

    def tool_results(self, name: str) -> list[dict]:
        """Results of this turn's successful calls of one tool."""
        return [call.get("result") or {} for call in self.tool_calls
                if call.get("name") == name and call.get("ok")]

    def actions(self) -> list[str]:
        return [str((call.get("action") or {}).get("type") or call.get("name"))
                for call in self.tool_calls]

    def checkout(self) -> Checkout | None:
        results = self.tool_results("create_checkout_link")
        links = [m.group(0) for m in CHECKOUT_LINK.finditer(self.reply)]
        if not results and not links:
            return None
        result = results[-1] if results else {}
        recorded = self.context.get("checkout") or {}
        same = bool(recorded) and (not result or recorded.get("id") == result.get("checkout_id")
                                   or recorded.get("url") in links)
        url = links[-1] if links else (recorded.get("url") if same else None)
        payload = decode_link(url) or {}
        total = next((t for t in (result.get("total_minor"), payload.get("total_minor"),
                                  recorded.get("total_minor") if same else None)
                      if isinstance(t, int)), None)
        lines = payload.get("lines") if isinstance(payload.get("lines"), list) else None
        return Checkout(total, lines, url)

    def offers(self) -> list[dict]:
        """This turn's discount offers (successful `offer_discount` calls)."""
        return self.tool_results("offer_discount")


def decode_link(url: str | None) -> dict | None:
    """The payload of a local checkout link (`<base64url JSON>.<signature>`), if any."""
    match = CHECKOUT_LINK.search(url or "")
    if not match:
        return None
    token = match.group(1).split(".")[0]
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None
