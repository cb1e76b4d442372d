"""A finished conversation as the checks see it, and the products references point at.

Turns are numbered from 1; a negative number counts from the end. References are resolved
from the run and the catalog, never from an id written in the task:

- `{"shown": N, "rank": R}`: the R-th product shown in turn N;
- `"cart"` / `{"cart": match}`: the last cart line (matching) after the check's turn;
- `{"select": "cheapest"|"most_expensive", "nth": K, "match": ..., "among": ...}`: the
  K-th cheapest (dearest) in-stock candidate, over the catalog or what a turn showed;
- `{"match": ..., "among": ...}`: the first in-stock candidate;
- `"focus"`: the agent's own `context.focus` (read, but it lets the agent grade itself).
"""

from __future__ import annotations

from dataclasses import dataclass

from agentpay_dev.shoppers.catalog import Catalog
from agentpay_dev.shoppers.constraints import candidates, line_matches
from agentpay_dev.shoppers.tasks import (
    Among,
    CartRef,
    Match,
    MatchRef,
    Reference,
    SelectRef,
    ShownAmong,
    ShownRef,
)
from agentpay_dev.shoppers.transcript import Checkout, Turn


@dataclass
class Run:
    catalog: Catalog
    turns: list[Turn]

    def turn(self, n: int | None) -> Turn | None:
        """Turn n (1-based, negative from the end); None is the last turn."""
        if not self.turns:
            return None
        if n is None:
            return self.turns[-1]
        index = n - 1 if n > 0 else len(self.turns) + n
        return self.turns[index] if 0 <= index < len(self.turns) else None

    def index(self, n: int | None) -> int:
        """The 1-based number of turn n."""
        if n is None:
            return len(self.turns)
        return n if n > 0 else len(self.turns) + n + 1

    def cart_at(self, n: int | None) -> list[dict] | None:
        """The cart after turn n; by default the last cart any turn returned."""
        if n is not None:
            turn = self.turn(n)
            return turn.cart_lines() if turn else None
        for turn in reversed(self.turns):
            if turn.cart is not None:
                return turn.cart_lines()
        return None

    def shown(self, n: int) -> list[dict | None]:
        """The catalog products turn n showed, in order (None for one the catalog lacks)."""
        turn = self.turn(n)
        return [self.catalog.find(card) for card in (turn.products if turn else [])]

    def candidates(self, match: Match, among: Among) -> list[dict]:
        """In-stock products satisfying `match`: the catalog's, or those shown in a turn
        (in the order shown, the first `top` of them)."""
        if isinstance(among, ShownAmong):
            shown = [p for p in self.shown(among.shown)[:among.top] if p is not None]
            return candidates(shown, match)
        return candidates(self.catalog, match)

    def checkouts(self) -> list[tuple[int, Checkout]]:
        """(turn number, checkout) for every turn that made one, in order."""
        return [(t.number, c) for t in self.turns if (c := t.checkout()) is not None]

    def resolve(self, ref: Reference | None, at: int | None) -> tuple[dict | None, str]:
        """The product a reference names, and how it was found (or why not)."""
        if ref == "cart" or isinstance(ref, CartRef):
            lines = self.cart_at(at) or []
            if isinstance(ref, CartRef):
                lines = [ln for ln in lines if line_matches(ln, self.catalog.find(ln), ref.cart)]
            if not lines:
                return None, "no cart line to refer to"
            return self.catalog.find(lines[-1]), "the last cart line"
        if isinstance(ref, ShownRef):
            shown = self.shown(ref.shown)
            if len(shown) < ref.rank:
                return None, f"turn {ref.shown} showed {len(shown)} products, no #{ref.rank}"
            product = shown[ref.rank - 1]
            return product, (f"#{ref.rank} shown in turn {ref.shown}" if product else
                             f"#{ref.rank} shown in turn {ref.shown} is not in the catalog")
        if isinstance(ref, SelectRef):
            found = sorted(self.candidates(ref.match, ref.among), key=lambda p: p["price"],
                           reverse=ref.select == "most_expensive")
            if len(found) < ref.nth:
                return None, f"{len(found)} candidates for {ref.select} #{ref.nth}"
            return found[ref.nth - 1], f"{ref.select} #{ref.nth} of {len(found)}"
        if isinstance(ref, MatchRef):
            found = self.candidates(ref.match, ref.among)
            return (found[0], "the first candidate") if found else (None, "no candidate")
        if ref == "focus":
            turn = self.turn(at)
            focus = turn.context.get("focus") if turn else None
            return self.catalog.find(focus), "the agent's focus"
        return None, "no reference"


def is_catalog_ref(ref: Reference | None) -> bool:
    """A reference into the catalog (not into what a turn showed): a target for voids."""
    return isinstance(ref, SelectRef | MatchRef) and not isinstance(ref.among, ShownAmong)
