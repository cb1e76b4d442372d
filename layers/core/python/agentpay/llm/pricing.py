"""What a generation cost, in US dollars, from the provider's token counts.

Why a local table: the APIs report tokens, not money, and the dashboard shows cost per
conversation. Prices are list prices per million tokens (prompt caching and batch
discounts are not used here). APIs report dated snapshots ("gpt-4o-mini-2024-07-18",
"claude-sonnet-4-5-20250929"), so a model matches its longest priced prefix. An unknown
model costs 0.0 and is logged once: a wrong price is worse than a visibly missing one.
"""

from __future__ import annotations

import logging
import threading

from agentpay.llm.base import Usage

logger = logging.getLogger(__name__)

# model -> (USD per million input tokens, USD per million output tokens)
PRICES: dict[str, tuple[float, float]] = {
    "claude-sonnet-4-5": (3.0, 15.0),
    "claude-haiku-4-5": (1.0, 5.0),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.5, 10.0),
}

_warned: set[str] = set()
_lock = threading.Lock()


def price_of(model: str) -> tuple[float, float] | None:
    """The (input, output) price per million tokens, or None when unknown."""
    if model in PRICES:
        return PRICES[model]
    # Longest prefix first, so "gpt-4o-mini-2024-07-18" is not priced as "gpt-4o".
    for known in sorted(PRICES, key=len, reverse=True):
        if model.startswith(known + "-"):
            return PRICES[known]
    return None


def cost_usd(model: str, usage: Usage) -> float:
    price = price_of(model)
    if price is None:
        with _lock:
            first = model not in _warned
            _warned.add(model)
        if first:
            logger.warning("no price known for model %r; its cost is recorded as 0.0", model)
        return 0.0
    per_input, per_output = price
    return (usage.input_tokens * per_input + usage.output_tokens * per_output) / 1_000_000
