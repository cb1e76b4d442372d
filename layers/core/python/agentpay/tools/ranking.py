"""Which found products to show first: those the shopper can buy as asked.

Search ranks by relevance; a shop assistant also looks at the shelf. A product with a
variant in stock in the asked size and colour comes before one that has the size only in
another colour, which comes before one that is sold out. Within each group the search's
order stands, unless the shopper asked for an order ("the cheapest", "the big bag").
"""

from __future__ import annotations

from typing import Any

from agentpay.understanding import measures
from agentpay.understanding.lexicon import singular, size_keys, size_number, words

RELEVANT = 0.6  # share of the best score a product needs to be ranked by stock and fit


def _variants(product: dict[str, Any]) -> list[dict]:
    return list(product.get("variants") or [])


def fits(product: dict[str, Any], sizes: list[str], colors: list[str]) -> bool:
    """A variant in stock in one of `sizes` and one of `colors` (store labels; empty: any).
    A product without variants fits by its own sizes, colours and stock."""
    want_sizes = {s.lower() for s in sizes}
    want_colors = {c.lower() for c in colors}
    variants = _variants(product)
    if not variants:
        if not product.get("in_stock", True):
            return False
        have_sizes = {str(s).lower() for s in product.get("sizes") or []}
        have_colors = {str(c).lower() for c in product.get("colors") or []}
        return (not want_sizes or bool(have_sizes & want_sizes)) and \
            (not want_colors or bool(have_colors & want_colors))
    for v in variants:
        if int(v.get("stock", 0) or 0) <= 0:
            continue
        size, color = str(v.get("size") or "").lower(), str(v.get("color") or "").lower()
        if want_sizes and size and size not in want_sizes:
            continue
        if want_colors and color and color not in want_colors:
            # a single-colour product names its colour in its colours, not its variants
            continue
        if want_colors and not color and not ({c.lower() for c in product.get("colors")
                                               or []} & want_colors):
            continue
        return True
    return False


def _mentions(product: dict[str, Any], prefer: list[str]) -> int:
    """How many of the preferred words the product's name and description have."""
    if not prefer:
        return 0
    said = f"{product.get('name') or ''} {product.get('description') or ''}"
    text = f" {' '.join(words(said))} "
    return sum(1 for w in prefer if f" {w}" in text)


def rank(products: list[dict[str, Any]], *, sizes: list[str], colors: list[str],
         sort: str | None = None, size_wish: str | None = None,
         prefer: list[str] | None = None) -> list[dict[str, Any]]:
    """`products` in the order to show them (see the module docstring). `prefer`: words
    the shopper qualified the product with that no filter holds ("with a phone pocket",
    "for the patio"); among equals, a listing that says them comes first, before any
    order asked for ("the cheapest travel backpack" is the cheapest that says travel)."""
    best = max((float(p.get("score") or 0) for p in products), default=0.0)
    prefer = [w.lower() for w in prefer or [] if len(w) > 2]

    def group(p: dict[str, Any]) -> int:
        # a much weaker match stays below, whatever its stock: a sold-out wool slipper
        # before in-stock socks when slippers were asked for
        if best > 0 and "score" in p and float(p["score"]) < RELEVANT * best:
            return 3
        if fits(p, sizes, colors):
            return 0
        if p.get("in_stock", True):
            return 1
        return 2

    order = list(range(len(products)))
    key_of: dict[int, tuple] = {}
    wished = measures.order_key(products, size_wish) if size_wish in measures.WISHES else None
    for i, p in enumerate(products):
        key: tuple = (group(p), -_mentions(p, prefer))
        if sort == "cheapest":
            key += (int(p["price_minor"]),)
        elif sort == "most_expensive":
            key += (-int(p["price_minor"]),)
        elif sort == "on_sale":
            compare = int(p.get("compare_at_minor") or 0)
            key += (0 if compare > int(p["price_minor"]) else 1,)
        if wished is not None:
            key += wished[i]
        key_of[i] = key + (i,)
    order.sort(key=lambda i: key_of[i])
    return [products[i] for i in order]


def saying(products: list[dict[str, Any]], prefer: list[str]) -> list[dict[str, Any]]:
    """Only the products whose listing says what the shopper qualified them with, when at
    least two do: "with a phone pocket" shows the leggings that have one, not every pair."""
    prefer = [w.lower() for w in prefer if len(w) > 2]
    said = [p for p in products if _mentions(p, prefer)]
    return said if len(said) >= 2 else products


def extreme(products: list[dict[str, Any]], wish: str) -> list[dict[str, Any]]:
    """Only the products at the wished end among those that can be bought: "the tallest
    cat tree you have", "the big bag", "the warmest sleeping bag" (see `measures`)."""
    ends = measures.at_end([p for p in products if p.get("in_stock", True)], wish)
    return products if ends is None else ends


def with_figures(products: list[dict[str, Any]], figures: list[str]
                 ) -> tuple[list[dict[str, Any]], list[str]]:
    """The products whose listing has every figure asked for first; only those when two
    or more do. Also the words of the figures that some product has ("1200 watt"), which
    are then no words that nobody's listing says."""
    fit = [p for p in products if all(measures.fits_figure(p, f) for f in figures)]
    if not fit:
        return products, []
    rest = [p for p in products if p not in fit] if len(fit) < 2 else []
    found = []
    for f in figures:
        number, _, unit = f.partition(" ")
        found += [f"{number} {w}" for w, u in [(unit, unit), *measures.UNIT_WORDS.items()]
                  if u == unit]
    return fit + rest, found


def at_least(products: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """The products measuring `key` ("60 in") or more in its unit, by their sizes or, for
    one size only, their name ("Cat Tree, 72 in."): "minimum 60 inch"."""
    value, _, unit = key.partition(" ")
    out = []
    for p in products:
        labels = [str(s) for s in p.get("sizes") or []] or [str(p.get("name") or "")]
        found = [size_number(k) for label in labels for k in size_keys(label)
                 if k.endswith(f" {unit}")]
        if any(m is not None and m >= float(value) for m in found):
            out.append(p)
    return out


def named_first(products: list[dict[str, Any]], named: str) -> list[dict[str, Any]]:
    """The products in order of how well the shopper's words name them: first how many
    of the words the product's name and brand have, then how little of its name the
    shopper left out. "The cairnline hard cooler 25 qt" is the Cairnline Hard Cooler,
    25 qt, not the Cairnline Glacier Chest Hard Cooler, 25 qt that search may rank
    first; ties keep the search's order."""
    said = {singular(w) for w in words(named)}
    if not said:
        return products

    def fit(p: dict[str, Any]) -> tuple[float, float]:
        name = {singular(w) for w in words(str(p.get("name") or ""))}
        known = name | {singular(w) for w in words(str(p.get("brand") or ""))}
        return (-len(said & known) / len(said),
                -(len(said & name) / len(name) if name else 0.0))

    order = sorted(range(len(products)), key=lambda i: (fit(products[i]), i))
    return [products[i] for i in order]
