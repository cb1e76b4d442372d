"""The conversation's shopping state: what the shopper is looking for, and its constraints.

Kept in the conversation's context (`context["shopping"]`) and returned with every message
(`state`), so a storefront can show it as filters. Each turn updates it by explicit rules
from what the message says (`agentpay.understanding.reading`):

- refine: a constraint on the same search ("in navy", "under $80 if possible", "men's, size
  10.5", "one with 2 batteries") keeps the rest;
- replace: another product type ("what about a headlamp?", "and a matching collar") starts
  a new search and drops what belonged to the old one (colours, sizes, features, brand;
  the budget too, unless the old search had no product type: "a gift for my dad ...
  something under 50 bucks ... what about a headlamp?" keeps the budget); "something in
  green instead" replaces the colour only;
- negate: "not black", "no leather", "nothing from <brand>";
- relax: "any colour", "any size", "budget doesn't matter", "any brand".

Search is a function of this state (`search_arguments`), not of the last message's words.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agentpay.catalog.vocabulary import Vocabulary
from agentpay.kit.money import format_money
from agentpay.understanding.lexicon import colour_key, singular, size_units
from agentpay.understanding.measures import WishName

if TYPE_CHECKING:  # the reader's tables load with the first message, not with this type
    from agentpay.understanding.reading import Reading

Change = Literal["new", "replace", "refine", "same", "none"]
Sort = Literal["cheapest", "most_expensive", "newest", "on_sale"]


class ShoppingState(BaseModel):
    """What the shopper is looking for. Colours are the shopper's words ("navy"), sizes
    the store-independent size keys ("m", "10.5", "60 in"), prices in minor units."""

    model_config = ConfigDict(extra="ignore")

    query: str = Field("", description="the product phrase, as the shopper put it")
    product_types: list[str] = Field(default_factory=list,
                                     description="the store's product types it may be")
    category: str | None = None
    modifiers: list[str] = Field(default_factory=list,
                                 description="words qualifying the product (sulfate free)")
    uses: list[str] = Field(default_factory=list,
                            description="what it is for (smoothies): ranking words only")
    colors: list[str] = Field(default_factory=list)
    exclude_colors: list[str] = Field(default_factory=list)
    any_color: bool = False
    sizes: list[str] = Field(default_factory=list)
    size_wish: WishName | None = Field(None, description="a superlative over a measure: the "
                                       "largest size, the warmest, the lightest")
    measure_min: str | None = Field(None, description="a size key to have at least (60 in)")
    figures: list[str] = Field(default_factory=list,
                               description="spec figures asked for: 0 f, 1200 w, 22 l")
    price_min: int | None = Field(None, description="minor units")
    price_max: int | None = Field(None, description="minor units")
    currency: str | None = None
    brands: list[str] = Field(default_factory=list)
    exclude_brands: list[str] = Field(default_factory=list)
    exclude_types: list[str] = Field(default_factory=list)
    materials: list[str] = Field(default_factory=list)
    exclude_words: list[str] = Field(default_factory=list)
    gender: Literal["men", "women"] | None = None
    features: list[str] = Field(default_factory=list,
                                description="yes/no attributes that must hold (waterproof)")
    sort: Sort | None = None
    quantity: int | None = Field(None, ge=1, le=999,
                                 description="how many, said while looking (\"need 6 pairs\")")
    inferred_type: bool = Field(False, description="product type read off the results")

    def active(self) -> bool:
        return bool(self.query or self.product_types or self.category or self.brands)

    @classmethod
    def of(cls, context: dict) -> ShoppingState:
        try:
            return cls.model_validate(context.get("shopping") or {})
        except Exception:  # noqa: BLE001 - a state from an older version starts afresh
            return cls()

    def save(self, context: dict) -> None:
        context["shopping"] = self.model_dump(exclude_defaults=True)

    # ---- what the shopper sees --------------------------------------------------------

    def noun(self) -> str:
        """What is looked for, as a reply names it: "sulfate free shampoo", "running shoe"."""
        if self.product_types:
            kind = _type_words(self) or self.product_types[0].lower()
            said = [m for m in self.modifiers if m not in kind]
            features = [f.replace("_", " ") for f in self.features]
            return " ".join(features + said + [kind])
        # no type: the words the store has, not the whole story ("leather", not "quebec
        # january cold warm leather possible")
        return " ".join(self.modifiers) or self.query or self.category or "products"

    def describe(self, currency: str = "USD", sizes: list[str] | None = None) -> str:
        """"navy down jackets for women in S under $200"."""
        noun = self.noun()
        colours = " or ".join(self.colors[:3])
        parts = [f"{colours} {noun}".strip() if colours else noun]
        if self.brands:
            parts.append("from " + " or ".join(self.brands[:2]))
        if self.gender:
            parts.append(f"for {self.gender}")
        shown_sizes = sizes or [s.upper() if len(s) <= 4 and s.isalpha() else s
                                for s in self.sizes]
        if shown_sizes:
            parts.append("in size " + " or ".join(shown_sizes[:3]))
        cur = self.currency or currency
        if self.price_min is not None and self.price_max is not None:
            parts.append(f"between {format_money(self.price_min, cur)} and "
                         f"{format_money(self.price_max, cur)}")
        elif self.price_max is not None:
            parts.append(f"under {format_money(self.price_max, cur)}")
        elif self.price_min is not None:
            parts.append(f"over {format_money(self.price_min, cur)}")
        if self.exclude_colors:
            parts.append("not " + " or ".join(self.exclude_colors[:3]))
        if self.features and not self.product_types:
            parts.append(", ".join(f.replace("_", " ") for f in self.features[:3]))
        if self.sort == "cheapest":
            parts.insert(0, "the most affordable")
        elif self.sort == "most_expensive":
            parts.insert(0, "the top-end")
        return " ".join(parts)


_AGGREGATE = re.compile(r"\b(?:total|in\s{1,3}all|altogether|all\s{1,3}together)\b",
                        re.IGNORECASE)


def _union(old: list[str], new: list[str]) -> list[str]:
    return list(dict.fromkeys(list(old) + list(new)))


def _phrase(reading: Reading) -> str:
    return " ".join(reading.words)


def update(state: ShoppingState, r: Reading) -> tuple[ShoppingState, Change]:
    """The state after one message that asks for products; and how it changed."""
    change: Change = "refine"
    new_types = list(r.types.labels) if r.types else []
    if new_types:
        overlap = [t for t in state.product_types if t in new_types]
        if state.product_types and overlap:
            narrowed = [t for t in new_types if t in state.product_types]
            state = state.model_copy(update={"product_types": narrowed,
                                             "inferred_type": False,
                                             "query": _phrase(r) or state.query})
        else:
            state, change = _fresh(state, r), ("replace" if state.active() else "new")
            state.product_types = new_types
    elif r.category and r.category != state.category:
        state, change = _fresh(state, r), ("replace" if state.active() else "new")
        state.category = r.category
    elif r.words and r.replace and state.product_types:
        # "show me chicken and brown rice instead": other words for the same kind of
        # product; the colours, sizes and features said for the old words go with them
        state = _fresh(state, r).model_copy(update={
            "product_types": state.product_types, "price_min": state.price_min,
            "price_max": state.price_max, "currency": state.currency})
        change = "replace"
    elif r.words and (r.replace or not state.active() or (
            r.new_noun and not state.product_types
            and r.new_noun not in {singular(w) for w in state.query.split()})):
        state, change = _fresh(state, r), ("replace" if state.active() else "new")
    elif not state.active() and not r.constraints():
        return state, "none"
    else:
        before = state.model_dump()
        state = state.model_copy(deep=True)
        said = {singular(w) for m in state.modifiers + [state.query] for w in m.split()}
        state.modifiers = _union(state.modifiers, [m for m in r.modifiers if any(
            singular(w) not in said for w in m.split())])
        state.uses = _union(state.uses, r.uses)
        _constrain(state, r)
        return state, ("refine" if state.model_dump() != before else "same")
    before = state.model_dump(exclude={"query"})
    _constrain(state, r)
    if change == "refine" and state.model_dump(exclude={"query"}) == before and \
            set(new_types) >= set(state.product_types):
        change = "same"  # "headlamp" after "headlamps"
    return state, change


def _fresh(old: ShoppingState, r: Reading) -> ShoppingState:
    """A new search: the gender carries over; the budget and brand only from a search that
    had no product type (the budget of "a gift ... under 50 bucks" is for whatever it
    becomes, and so is the brand of "anything by Lumora?")."""
    keep = not old.product_types and not old.category
    return ShoppingState(query=_phrase(r), modifiers=list(r.modifiers), uses=list(r.uses),
                         gender=old.gender,
                         price_min=old.price_min if keep else None,
                         price_max=old.price_max if keep else None,
                         currency=old.currency if keep else None,
                         # "anything by Lumora?" then "just the table lamps": still Lumora
                         brands=list(old.brands) if keep else [])


def _constrain(state: ShoppingState, r: Reading) -> None:
    if r.colors:
        state.colors = list(r.colors)
        state.any_color = False
        state.exclude_colors = [c for c in state.exclude_colors if c not in r.colors]
    if r.exclude_colors:
        state.exclude_colors = _union(state.exclude_colors, r.exclude_colors)
        state.colors = [c for c in state.colors if c not in r.exclude_colors]
    if "color" in r.relax:
        state.colors, state.exclude_colors, state.any_color = [], [], True
    if r.sizes:
        state.sizes = list(r.sizes)
    if "size" in r.relax:
        state.sizes = []
    if r.size_wish:
        state.size_wish = r.size_wish  # type: ignore[assignment]
    if r.figures:
        state.figures = list(r.figures)
    if r.measure_min:
        state.measure_min = r.measure_min
        state.sizes = [k for k in state.sizes if k != r.measure_min]
    if "size" in r.relax:
        state.measure_min = None
    if r.count and 1 <= r.count <= 999 and not _AGGREGATE.search(r.text):
        state.quantity = r.count  # not "6 chairs in total": sets may make that up
    if r.price_min is not None or r.price_max is not None:
        if r.price_max is not None:
            state.price_max = r.price_max
            if r.price_min is None and state.price_min is not None \
                    and state.price_min > r.price_max:
                state.price_min = None
        if r.price_min is not None:
            state.price_min = r.price_min
            if r.price_max is None and state.price_max is not None \
                    and state.price_max < r.price_min:
                state.price_max = None
        state.currency = r.currency
    if "price" in r.relax:
        state.price_min = state.price_max = None
    if r.brands:
        state.brands = list(r.brands)
        state.exclude_brands = [b for b in state.exclude_brands if b not in r.brands]
    if r.exclude_brands:
        state.exclude_brands = _union(state.exclude_brands, r.exclude_brands)
        state.brands = [b for b in state.brands if b not in r.exclude_brands]
    if "brand" in r.relax:
        state.brands, state.exclude_brands = [], []
    if r.gender:
        state.gender = r.gender  # type: ignore[assignment]
    if r.exclude_types:
        state.exclude_types = _union(state.exclude_types, r.exclude_types)
        kept = [t for t in state.product_types if t not in r.exclude_types]
        state.product_types = kept or state.product_types
    state.features = _union(state.features, r.features)
    if r.materials and state.materials and not set(r.materials) & set(state.materials):
        # "and a steel one" after "fiberglass": the new material instead of the old
        old = {w for m in state.materials for w in m.split()}
        state.modifiers = [m for m in state.modifiers if not set(m.split()) & old] or [
            m for m in r.modifiers]
        state.materials = list(r.materials)
    state.materials = _union(state.materials, r.materials)
    state.exclude_words = _union(state.exclude_words, r.exclude_words)
    if r.exclude_words:  # "straight leg, not slim": slim is no longer asked for
        gone = {w for x in r.exclude_words for w in x.split()}
        state.modifiers = [m for m in state.modifiers if not set(m.split()) & gone]
    if r.sort and not r.superlative:
        state.sort = r.sort  # type: ignore[assignment]


# --------------------------------------------------------------------------------------
# Search from the state
# --------------------------------------------------------------------------------------

def _type_words(state: ShoppingState) -> str:
    """The words the product types share ("Running Shoe", "Trail Running Shoe": running
    shoe), which the full text should match."""
    if not state.product_types:
        return ""
    split = [t.lower().split() for t in state.product_types]
    common: list[str] = []
    for i in range(1, min(len(s) for s in split) + 1):
        tail = {tuple(s[-i:]) for s in split}
        if len(tail) == 1:
            common = list(next(iter(tail)))
    return " ".join(common)


def search_arguments(state: ShoppingState, vocab: Vocabulary, k: int = 5) -> dict[str, Any]:
    """The search_products arguments this state asks for."""
    type_words = _type_words(state)
    words = list(state.modifiers) + list(state.uses) + ([type_words] if type_words else [])
    query = " ".join(words) or state.query or state.category or " ".join(state.brands)
    args: dict[str, Any] = {"query": query[:300] or "products", "k": k}
    colours = [label for c in state.colors for label in vocab.colour_labels(c)]
    if colours:
        args["colors"] = list(dict.fromkeys(colours))[:10]
        args["color_words"] = list(state.colors)[:10]
    excluded = [label for c in state.exclude_colors for label in vocab.colour_labels(c)]
    if excluded:
        args["exclude_colors"] = list(dict.fromkeys(excluded))[:10]
    sizes = [label for key in state.sizes for label in vocab.size_labels(key)]
    if sizes:
        args["sizes"] = list(dict.fromkeys(sizes))[:10]
        args["size_keys"] = list(state.sizes)[:10]
    if state.product_types:
        args["product_types"] = state.product_types[:10]
    elif state.category:
        args["category"] = state.category
    if state.brands:
        args["brands"] = state.brands[:10]
    if state.exclude_brands:
        args["exclude_brands"] = state.exclude_brands[:10]
    if state.gender:
        args["gender"] = state.gender
    for key in ("price_min", "price_max"):
        if getattr(state, key) is not None:
            args[key] = getattr(state, key)
    if state.currency and ("price_min" in args or "price_max" in args):
        args["currency"] = state.currency
    # qualifiers narrow a known product type ("sulfate free" shampoo); without one, the
    # words are the product itself and only rank ("running shoes" finds "Road Runner")
    required = [r for r in (_required(m, vocab) for m in state.modifiers) if r] \
        if state.product_types else []
    if state.features:
        args["features"] = state.features[:6]
    if required:
        args["require"] = list(dict.fromkeys(required))[:6]
    held = {w for r in required for w in r.split()} | set(type_words.split())
    # without a product type the qualifiers are the product itself ("running shoes"): only
    # what it is for ranks then
    qualifiers = list(state.modifiers) if state.product_types or state.category else []
    prefer = [w for m in qualifiers + list(state.uses) for w in m.split()
              if len(w) > 2 and not w[0].isdigit() and w not in held]
    if prefer:
        args["prefer"] = list(dict.fromkeys(prefer))[:10]
    if state.exclude_words:
        args["exclude_words"] = state.exclude_words[:6]
    if state.sort:
        args["sort"] = state.sort
    if state.size_wish:
        args["size_wish"] = state.size_wish
    if state.measure_min:
        args["measure_min"] = state.measure_min
    if state.figures:
        args["figures"] = state.figures[:4]
    return args


def _required(modifier: str, vocab: Vocabulary) -> str:
    """The part of a qualifying phrase products must have: the words some product of the
    store has ("plain", "summer" are nobody's: ranking only), with a number kept before
    the unit or thing it counts ("60 watt", "2 batteries")."""
    tokens = modifier.split()
    kept: list[str] = []
    for i, w in enumerate(tokens):
        if w.isdigit():
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            if nxt and (nxt in size_units() or vocab.has_word(nxt)):
                kept.append(w)
        elif vocab.has_word(w) or (kept and kept[-1].isdigit()):
            kept.append(w)
    return " ".join(kept) if any(not w.isdigit() for w in kept) else ""


def colour_words(state: ShoppingState) -> list[str]:
    return [colour_key(c) for c in state.colors]
