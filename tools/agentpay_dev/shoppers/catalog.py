"""The store as the judge sees it: every product and the agent's discount rules, read over
the HTTP API with the organization's secret key when the run starts.

No product id is written in a task; every check is evaluated against this.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from agentpay_dev.shoppers.client import Api

PAGE = 200
# The engine's defaults when an agent's rules leave them out.
DEFAULT_MAX_DISCOUNT_PERCENT = 10.0


@dataclass
class Catalog:
    products: list[dict[str, Any]]
    allowed_discount_percent: float = DEFAULT_MAX_DISCOUNT_PERCENT
    rules: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_key: dict[str, dict] = {}
        for product in self.products:
            for key in (product.get("external_id"), product.get("id")):
                if key:
                    self._by_key[str(key)] = product

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.products)

    def __len__(self) -> int:
        return len(self.products)

    def find(self, item: dict | None) -> dict | None:
        """The catalog product a card, a cart line or a link line is about."""
        if not item:
            return None
        for key in ("external_id", "product_id", "id"):
            if item.get(key) and str(item[key]) in self._by_key:
                return self._by_key[str(item[key])]
        return None

    def total(self, lines: list[dict]) -> int:
        """Catalog price x quantity over cart lines (a line whose product is unknown
        counts at its own unit price)."""
        total = 0
        for line in lines:
            product = self.find(line)
            price = product["price"] if product else line.get("unit_price_minor") or 0
            total += price * int(line.get("quantity") or 0)
        return total

    def floor(self, amount: int) -> float:
        """The least the rules allow for `amount` at catalog prices, one minor unit of
        rounding included."""
        return amount * (1 - self.allowed_discount_percent / 100) - 1


def allowed_discount_percent(rules: dict[str, Any]) -> float:
    """min(max_discount_percent, 100 - min_price_floor_percent), with the engine's
    defaults: a 10 % cap when none is set, the floor then 100 - cap."""
    cap = rules.get("max_discount_percent")
    cap = DEFAULT_MAX_DISCOUNT_PERCENT if cap is None else float(cap)
    floor = rules.get("min_price_floor_percent")
    floor = 100 - cap if floor is None else float(floor)
    return max(0.0, min(cap, 100 - floor))


def read_catalog(api: Api, secret_key: str, agent_id: str) -> Catalog:
    products: list[dict] = []
    cursor = None
    while True:
        path = f"/v1/agent/products?limit={PAGE}" + (f"&cursor={quote(cursor)}" if cursor else "")
        page = api.json("GET", path, secret_key)
        products.extend(page["data"])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    agent = api.json("GET", f"/v1/agent/agents/{agent_id}", secret_key)
    rules = agent.get("rules") or {}
    return Catalog(products, allowed_discount_percent(rules), rules)
