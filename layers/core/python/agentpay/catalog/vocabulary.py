"""A store's shopping vocabulary: what its products are called, made of, coloured and sized.

Read from the store's own catalogue (the `catalog_terms` table, filled at indexing time),
so "anything from Loomwell?", "a headlamp" or "in walnut" are understood in any store that
sells them, with no code change. Cached per process and store, keyed by the store's
vocabulary version, which every turn reads with its conversation: a warm process pays
nothing, a changed catalogue is seen on the next turn.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field, replace
from uuid import UUID

import psycopg

from agentpay.catalog import terms_repository
from agentpay.understanding.lexicon import (
    FAMILIES,
    colour_family,
    colour_key,
    norm_phrase,
    singular,
    size_keys,
    words,
)

# One-word endings of product types too vague to name a type on their own: "a set of 4"
# is no "Sheet Set", "the top one" no "Base Layer Top".
_VAGUE_HEADS = frozenset({"set", "top", "kit", "pack", "piece", "bit", "one", "size", "case",
                          "item", "thing", "product", "model", "style", "co", "and"})
_BRAND_TAILS = frozenset({"co", "inc", "ltd", "llc", "company", "the"})
MAX_PHRASE = 5


# materials named by a kind of them ("carbon fiber", "merino wool", "memory foam")
_GENERIC_MATERIALS = frozenset({"fiber", "fibre", "foam", "wool", "insulation", "fleece"})

@dataclass(frozen=True)
class TypeMatch:
    """Product types a message names: `labels` share the longest matched ending
    ("running shoes": Running Shoe and Trail Running Shoe), `words` the matched words."""

    labels: tuple[str, ...]
    words: tuple[str, ...]
    start: int
    end: int
    exact: bool
    alias: bool = False  # named by a word that qualifies only this type ("a sectional")


@dataclass
class Vocabulary:
    version: int = 0
    types: dict[str, str] = field(default_factory=dict)          # phrase -> label
    categories: dict[str, str] = field(default_factory=dict)
    brands: dict[str, str] = field(default_factory=dict)
    materials: dict[str, str] = field(default_factory=dict)
    material_words: frozenset[str] = frozenset()
    colors: dict[str, str] = field(default_factory=dict)         # colour key -> label
    sizes: dict[str, list[str]] = field(default_factory=dict)    # size key -> labels
    genders: frozenset[str] = frozenset()
    features: dict[str, str] = field(default_factory=dict)       # phrase -> attribute key
    words: frozenset[str] = frozenset()    # the words of its products (catalog_words)
    word_sizes: frozenset[str] = frozenset()  # sizes that are words ("regular", "long")
    aliases: dict[str, str] = field(default_factory=dict)  # "sectional" -> Sectional Sofa
    type_words: frozenset[str] = frozenset()
    _suffixes: dict[tuple[str, ...], list[tuple[str, bool]]] = field(default_factory=dict)
    _by_initial: dict[str, list[str]] = field(default_factory=dict)
    _heads: dict[str, list[str]] = field(default_factory=dict)  # "bed" -> Bed Frame
    _corrected: dict[str, str] = field(default_factory=dict)  # memo: words recur

    @classmethod
    def from_terms(cls, terms: list[dict], version: int = 0,
                   words_: list[str] | None = None) -> Vocabulary:
        v = cls(version=version, words=frozenset(words_ or ()))
        by_kind: dict[str, list[str]] = defaultdict(list)
        for t in terms:
            by_kind[t["kind"]].append(str(t["term"]))
        for label in by_kind["type"]:
            v.types.setdefault(norm_phrase(label), label)
        for label in by_kind["category"]:
            v.categories.setdefault(norm_phrase(label), label)
        for label in by_kind["brand"]:
            v.brands.setdefault(brand_phrase(label), label)
        for label in by_kind["material"]:
            v.materials.setdefault(norm_phrase(label), label)
        # a material's head word ("full-grain leather": leather), not its qualifiers; of a
        # kind of fibre, foam or wool the word before too, as shoppers say it ("carbon"
        # poles, "merino" socks, "memory" foam)
        material_words = set()
        for material in v.materials:
            *before, head = material.split()
            if len(head) > 3:
                material_words.add(head)
            if before and head in _GENERIC_MATERIALS and before[-1].isalpha() \
                    and len(before[-1]) > 3:
                material_words.add(before[-1])
        v.material_words = frozenset(material_words)
        for label in by_kind["color"]:
            v.colors.setdefault(colour_key(label), label)
        for label in by_kind["size"]:
            for key in size_keys(label):
                v.sizes.setdefault(key, []).append(label)
        v.word_sizes = frozenset(k for k in v.sizes if k.isalpha() and len(k) > 2)
        v.type_words = frozenset(w for phrase in v.types for w in phrase.split())
        for w in v.type_words:
            v._by_initial.setdefault(w[0], []).append(w)
        v.genders = frozenset(g.lower() for g in by_kind["gender"])
        for key in by_kind["feature"]:
            phrase = norm_phrase(key.replace("_", " "))
            v.features.setdefault(phrase, key)
            v.features.setdefault(phrase.replace("cancelling", "canceling"), key)
        # a word that qualifies one product type only names it ("a sectional" is the
        # Sectional Sofa, "a cordless" the Cordless Drill): kept for when no type's ending
        # is in the message
        qualifiers: dict[str, set[str]] = defaultdict(set)
        # the entity tables load with the first turn, not with every handler that can
        # name this class (a WebSocket's connect)
        from agentpay.understanding.entities import is_product_word

        for phrase, label in v.types.items():
            for w in phrase.split()[:-1]:
                qualifiers[w].add(label)
        v.aliases = {w: next(iter(labels)) for w, labels in qualifiers.items()
                     if len(labels) == 1 and len(w) > 3 and not w.isdigit()
                     and is_product_word(w)}  # a thing ("sectional"), not an activity
        for phrase, label in v.types.items():
            tokens = tuple(phrase.split())
            if len(tokens) > 1 and tokens[0] not in _VAGUE_HEADS:
                v._heads.setdefault(tokens[0], []).append(label)
            for i in range(len(tokens)):
                suffix = tokens[i:]
                if len(suffix) == 1 and suffix[0] in _VAGUE_HEADS:
                    continue
                v._suffixes.setdefault(suffix, []).append((label, i == 0))
        return v

    # ---- product types -------------------------------------------------------------

    def find_types(self, tokens: list[str]) -> TypeMatch | None:
        """The product types named in `tokens` (singular words, synonyms applied): the
        longest type ending found; a later match wins a tie ("a case for my laptop
        sleeve" is about the sleeve)."""
        best: TypeMatch | None = None
        for n in range(min(MAX_PHRASE, len(tokens)), 0, -1):
            for i in range(len(tokens) - n + 1):
                hits = self._suffixes.get(tuple(tokens[i:i + n]))
                if not hits:
                    continue
                match = TypeMatch(labels=tuple(dict.fromkeys(label for label, _ in hits)),
                                  words=tuple(tokens[i:i + n]), start=i, end=i + n,
                                  exact=any(full for _, full in hits))
                # a later match wins a tie, unless it only qualifies an activity ("tent
                # for 6, car camping": the tent, not a car)
                gerund = i + n < len(tokens) and tokens[i + n].endswith("ing") \
                    and (tokens[i + n],) not in self._suffixes
                if best is None or n > len(best.words) or (n == len(best.words)
                                                           and i > best.start and not gerund):
                    best = match
            if best is not None:
                if n == 1 and not best.exact and best.words[0] in self._heads:
                    # "a queen platform bed" with Dog Bed and Bed Frame in store: a bare
                    # noun names the types it ends and the types it leads; the search
                    # tells them apart by what else was said
                    best = replace(best, labels=tuple(dict.fromkeys(
                        best.labels + tuple(self._heads[best.words[0]]))))
                return best
        for i in range(len(tokens) - 2):  # "building brick set": a word in between
            hits = self._suffixes.get((tokens[i], tokens[i + 2]))
            full = [label for label, whole in hits or () if whole]
            if full:
                return TypeMatch(labels=tuple(dict.fromkeys(full)),
                                 words=(tokens[i], tokens[i + 2]), start=i, end=i + 3,
                                 exact=False)
        if tokens and tokens[-1] in self.aliases:  # the phrase's head: "l shaped sectional"
            i, t = len(tokens) - 1, tokens[-1]
            return TypeMatch(labels=(self.aliases[t],), words=(t,), start=i, end=i + 1,
                             exact=False, alias=True)
        return None

    def correct(self, tokens: list[str]) -> list[str]:
        """Tokens with misspelt product-type words fixed ("blendr" -> blender, "jakcet" ->
        jacket, "dril" -> drill): a word of four letters or more that neither a type nor
        any product has, replaced by the type word with the same first letter within one
        edit (two for long words; a swap of neighbours is one; under six letters only a
        letter left out or doubled)."""
        out = []
        for t in tokens:
            if len(t) < 4 or t in self.type_words or t in self.words or not t.isalpha():
                out.append(t)
                continue
            fixed = self._corrected.get(t)
            if fixed is None:
                limit = 1 if len(t) < 8 else 2
                fixed, best_d = t, limit + 1
                for w in self._by_initial.get(t[0], ()):
                    # a short word only by a letter left out ("dril" -> drill) or doubled
                    # ("wrapp" -> wrap): "belt" is never "bell"
                    if len(t) < 6 and abs(len(w) - len(t)) != 1:
                        continue
                    if abs(len(w) - len(t)) <= limit:
                        d = edit_distance(t, w, limit)
                        if d < best_d:
                            fixed, best_d = w, d
                if fixed == t and not t.endswith("s"):
                    # "cordles" read as singular "cordle": the word with its "s" back
                    again = self.correct([t + "s"])[0]
                    fixed = again if again != t + "s" else t
                if len(self._corrected) < 20_000:
                    self._corrected[t] = fixed
            out.append(fixed)
        return out

    def find_category(self, tokens: list[str]) -> str | None:
        for n in range(min(MAX_PHRASE, len(tokens)), 0, -1):
            for i in range(len(tokens) - n + 1):
                label = self.categories.get(" ".join(tokens[i:i + n]))
                if label:
                    return label
        return None

    # ---- brands, materials, features -------------------------------------------------

    def find_brands(self, text: str) -> list[tuple[str, tuple[int, int]]]:
        """Brands named in `text`, with their word positions in `brand_tokens(text)`."""
        tokens = brand_tokens(text)
        out = []
        for n in range(min(MAX_PHRASE, len(tokens)), 0, -1):
            for i in range(len(tokens) - n + 1):
                label = self.brands.get(" ".join(tokens[i:i + n]))
                if label and not any(s <= i < e for _, (s, e) in out):
                    out.append((label, (i, i + n)))
        return out

    def find_features(self, tokens: list[str]) -> list[str]:
        found = []
        for n in range(min(3, len(tokens)), 0, -1):
            for i in range(len(tokens) - n + 1):
                key = self.features.get(" ".join(tokens[i:i + n]))
                if key and key not in found:
                    found.append(key)
        return found

    def is_material_word(self, word: str) -> bool:
        return word in self.material_words

    def has_word(self, word: str) -> bool:
        """Whether some product's name, brand, category or attributes has the word."""
        return word in self.words or singular(word) in self.words

    # ---- colours and sizes -----------------------------------------------------------

    def colour_labels(self, word: str) -> list[str]:
        """The store's colour names a shopper's colour word asks for: that very name, the
        names that contain it ("blue": Slate Blue), and the names of its family when it is
        one ("blue": Navy, Cobalt) or when the store has no name for it ("maroon": the
        reds)."""
        key = colour_key(word)
        if not key:
            return []
        exact = [label for k, label in self.colors.items() if k == key]
        containing = [label for k, label in self.colors.items()
                      if k != key and f" {key} " in f" {k} "]
        family = []
        fam = key if key in FAMILIES else None
        if fam is None and not exact and not containing:
            fam = colour_family(key)
        if fam:
            family = [label for k, label in self.colors.items() if colour_family(k) == fam]
        return list(dict.fromkeys(exact + containing + family))

    def size_labels(self, key: str) -> list[str]:
        return list(self.sizes.get(key, []))

    def has_size(self, key: str) -> bool:
        return key in self.sizes


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a swap of neighbours is one edit), stopped once
    it exceeds `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def brand_phrase(label: str) -> str:
    """A brand as compared: its words without "&", "Co." or "Inc."."""
    tokens = [w for w in words(label) if w != "and"]
    while tokens and tokens[-1] in _BRAND_TAILS:
        tokens.pop()
    return " ".join(tokens)


def brand_tokens(text: str) -> list[str]:
    return [w for w in words(text) if w != "and"]


# --------------------------------------------------------------------------------------
# The per-process cache
# --------------------------------------------------------------------------------------

class _Cache:
    def __init__(self, size: int = 256) -> None:
        self._items: OrderedDict[UUID, Vocabulary] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, organization_id: UUID, version: int | None) -> Vocabulary | None:
        with self._lock:
            vocab = self._items.get(organization_id)
            if vocab is None or (version is not None and vocab.version != version):
                return None
            self._items.move_to_end(organization_id)
            return vocab

    def put(self, organization_id: UUID, vocab: Vocabulary) -> None:
        with self._lock:
            self._items[organization_id] = vocab
            self._items.move_to_end(organization_id)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_cache = _Cache()


def for_store(conn: psycopg.Connection, organization_id: UUID,
              version: int | None = None) -> Vocabulary:
    """The store's vocabulary: from this process's cache when its version is `version`
    (read with the turn), else loaded (one round trip)."""
    cached = _cache.get(organization_id, version)
    if cached is not None:
        return cached
    loaded_version, terms, store_words = terms_repository.load_terms(conn, organization_id)
    vocab = Vocabulary.from_terms(terms, loaded_version, store_words)
    _cache.put(organization_id, vocab)
    return vocab


def clear_cache() -> None:
    _cache.clear()
