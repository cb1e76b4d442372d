"""The default registry, and the subset a model may call on its own."""

from __future__ import annotations

from functools import lru_cache

from agentpay.knowledge.tool import SEARCH_KNOWLEDGE
from agentpay.tools.cart_tools import CART_ADD, CART_REMOVE, CART_VIEW
from agentpay.tools.catalog_tools import COMPARE, DETAILS, SEARCH
from agentpay.tools.checkout_tools import CHECKOUT, HANDOFF
from agentpay.tools.offer_tools import OFFER
from agentpay.tools.registry import ToolRegistry

# A model may look things up; cart, money and handoff changes are the engine's decisions.
MODEL_TOOLS = ("search_products", "product_details", "compare_products", "cart_view",
               "search_knowledge")


@lru_cache(maxsize=1)
def default_registry() -> ToolRegistry:
    registry = ToolRegistry()
    for tool in (SEARCH, DETAILS, COMPARE, CART_ADD, CART_REMOVE, CART_VIEW, OFFER, CHECKOUT,
                 HANDOFF, SEARCH_KNOWLEDGE):
        registry.register(tool)
    return registry


def enabled_tools(agent: dict) -> list[str]:
    """The agent's configured tool list narrows the registry; empty means all."""
    configured = [t for t in (agent.get("tools") or []) if isinstance(t, str)]
    names = default_registry().names()
    return [n for n in names if n in configured] if configured else names
