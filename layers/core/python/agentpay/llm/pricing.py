"""What a generation cost, in US dollars, from the provider's token counts.

Why a local table: the APIs report tokens, not money, and the dashboard shows cost per
conversation. Prices are list prices per million tokens (prompt caching and batch
discounts are not used here). APIs report dated snapshots ("gpt-4o-mini-2024-07-18",
"claude-sonnet-4-5-20250929"), so a model matches its longest priced prefix. An unknown
model costs 0.0 and is logged once: a wrong price is worse than a visibly missing one.
Every default model (generation, fallback, intents) and every model the start-up check
may fall back to must be priced here; a test reads the defaults and the SDKs' lists.
Retired models keep their rows so that older usage still reads right.
"""

from __future__ import annotations

import logging
import threading

from agentpay.llm.base import Usage

logger = logging.getLogger(__name__)

# model -> (USD per million input tokens, USD per million output tokens)
PRICES: dict[str, tuple[float, float]] = {
    # Anthropic list prices (platform.claude.com model pages, December 2026)
    "claude-sonnet-5-5": (2.0, 10.0),  # the default
    "claude-sonnet-5": (2.0, 10.0),
    "claude-opus-5-5": (4.0, 20.0),
    "claude-sonnet-4-6": (3.0, 15.0),
    "claude-haiku-4-5": (1.0, 5.0),  # the intent classifier's default
    "claude-sonnet-4-5": (3.0, 15.0),  # retired 2026-11-30
    # OpenAI list prices (developers.openai.com pricing, December 2026)
    "gpt-6-luna": (0.10, 0.50),  # the fallback's default
    "gpt-5.4-mini": (0.75, 4.50),
    "gpt-4o-mini": (0.15, 0.60),  # shuts down 2027-01-14
    "gpt-4o": (2.5, 10.0),  # shuts down 2027-01-14
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
