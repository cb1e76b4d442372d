"""Several products asked for in one breath, of two kinds or in several colours: "a shampoo and a conditioner, both sulfate
free", "sulfate free shampoo and conditioner", "a volumizing shampoo and a hydrating
conditioner, both 12 oz". A shop assistant looks for each; so does the engine, as two
requests, each with what was said of both.

Split only where the store's vocabulary names a product type on each side of "and" (or
"&", "plus") and the two are different types, and the whole phrase is not one product's
name ("salt and pepper grinder" names a grinder). What follows "both" or "each" goes with
each kind; so do the qualifiers before the first kind when the second is said bare.

One kind in several colours said as separate items ("a nude one, a red one and a navy
one", "one in sage and one in cream") is one request per colour; "cheapest of each" is
the cheapest of each colour.
"""

from __future__ import annotations

import re

from agentpay.catalog.vocabulary import TypeMatch, Vocabulary
from agentpay.understanding.lexicon import singular, words

_AND = re.compile(r"\s{1,3}(?:and|&|plus)\s{1,3}(?:also\s{1,3})?", re.IGNORECASE)
# what the kinds share: "..., both sulfate free", "... both in 12 oz", "each under 30"
_SHARED = re.compile(r"[,;]?\s{0,3}\b(?:both|each|all\s{1,3}of\s{1,3}them)\b\s{0,3}(?:of\s{1,3}"
                     r"them\s{1,3})?(?:(?:should|must|need\s{1,3}to)\s{1,3}be\s{1,3}|are\s{1,3}|"
                     r"to\s{1,3}be\s{1,3})?", re.IGNORECASE)
_ARTICLE = re.compile(r"\s{0,3}(?:an?|some|the|one|a\s{1,3}pair\s{1,3}of)\s{1,3}", re.IGNORECASE)
# "the shampoo and the conditioner": products on screen, picked, not kinds looked for
_REFERENCE = re.compile(r"\s{0,3}(?:the|that|this|those|these|it|them|both)\b", re.IGNORECASE)
_REFERENCE_END = re.compile(r"\b(?:the|that|this|those|these)\s{1,3}(?:[a-z0-9-]{1,20}\s{1,3})"
                            r"{0,2}[a-z0-9-]{1,20}\s{0,3}$", re.IGNORECASE)
# what asks for the first kind: "i need ", "I want " before its article
_LEAD = re.compile(r"\s{0,3}((?:[a-z']{1,12}\s{1,3}){0,4}?)(?:an?|some|the|one)\s", re.IGNORECASE)
_SENTENCE = re.compile(r"\b(?:i|i'm|im|you|we|is|are|was|it's|my|me|need|want|like)\b",
                       re.IGNORECASE)
_STOP = re.compile(r"[,;.!?]|\s(?:for|in|with|under|below|that|which)\s", re.IGNORECASE)


def _kind(phrase: str, vocab: Vocabulary) -> TypeMatch | None:
    return vocab.find_types([singular(w) for w in words(phrase)])


def split_kinds(text: str, vocab: Vocabulary, on_screen: bool = True) -> list[str] | None:
    """The message as one request per kind, or None when it asks for one kind.
    `on_screen`: products are listed, so "the shampoo and the conditioner" may be them."""
    for m in _AND.finditer(text):
        left, right = text[:m.start()], text[m.end():]
        if on_screen and (_REFERENCE.match(right) or _REFERENCE_END.search(left)):
            continue  # "add the shampoo and the conditioner": both on screen already
        shared = []
        marker = _SHARED.search(right)
        if marker:
            shared.append(right[marker.end():].strip(" ,;.!?"))
            right = right[:marker.start()]
        stop = _STOP.search(right)
        if stop and _kind(right[stop.start():], vocab) is None:
            # "a shampoo and a conditioner for curly hair": what follows the second kind
            # goes with both when it names no third one
            shared.insert(0, right[stop.start():].strip(" ,;"))
            right = right[:stop.start()]
        article = _ARTICLE.match(f" {right}")
        right = _ARTICLE.sub(" ", f" {right}", count=1).strip(" ,;")
        first, second = _kind(left, vocab), _kind(right, vocab)
        if first is None or second is None or set(first.labels) & set(second.labels):
            continue
        whole = _kind(f"{left} {m.group().strip()} {right}", vocab)
        if whole is not None and set(whole.labels) - set(first.labels) - set(second.labels):
            continue  # one product's name: "salt and pepper grinder"
        if len(words(right)) > len(second.words) + 7 or len(words(left)) > 30 \
                or _SENTENCE.search(right):
            continue  # a sentence, not a list of two things
        # "sulfate free shampoo and conditioner": the second said bare takes the first's
        # qualifiers, in the first's phrase
        bare = article is None and len(words(right)) == len(second.words)
        # "I want the X and the Y": the Y is wanted too ("I want the Y")
        lead = _LEAD.match(left)
        part_b = _replace_kind(left, first, right) if bare else (
            f"{lead.group(1) if lead else ''}{article.group().strip() + ' ' if article else ''}"
            f"{right}")
        tail = "".join(f", {s}" for s in shared if s)
        return [f"{left.strip(' ,;')}{tail}", f"{part_b.strip(' ,;')}{tail}"]
    return None


def _replace_kind(phrase: str, kind: TypeMatch, by: str) -> str:
    """`phrase` with its words naming `kind` replaced by `by` (plural or not)."""
    tokens = phrase.split()
    wanted = list(kind.words)
    for i in range(len(tokens) - len(wanted), -1, -1):
        window = [singular(w.strip(",.;!?").lower()) for w in tokens[i:i + len(wanted)]]
        if window == wanted:
            head = tokens[:i]
            if head and head[-1].lower() in ("a", "an"):
                head = head[:-1]  # "a rain jacket and hiking boots": no "a hiking boots"
            return " ".join(head + [by] + tokens[i + len(wanted):])
    return by


# an item of a list said by its colour: "a nude one", "one in navy"
_COLOUR_ITEM = re.compile(r"\b(?:(?:an?|one)\s{1,3}(?P<a>[a-z]{3,12}(?:\s{1,3}[a-z]{3,12})?)\s{1,3}"
                          r"one|one\s{1,3}in\s{1,3}(?P<b>[a-z]{3,12}(?:\s{1,3}(?!(?:and|or|one|"
                          r"please|pls|too)\b)[a-z]{3,12})?))\b", re.IGNORECASE)
_COUNTED = re.compile(r"\b(?:an?|some|a\s{1,3}few|a\s{1,3}couple(?:\s{1,3}of)?|\d{1,2}|two|three|"
                      r"four)\b", re.IGNORECASE)
_PICK_EACH = re.compile(r"\b(?P<w>cheapest|priciest|most\s{1,3}expensive|least\s{1,3}expensive)"
                        r"(?:\s{1,3}(?:of|for)\s{1,3}(?:each|them\s{1,3}all|all))?\b", re.IGNORECASE)


def split_colours(text: str, vocab: Vocabulary) -> list[str] | None:
    """One request per colour when one kind is asked for in colours said as separate items,
    else None."""
    items = [(m, (m.group("a") or m.group("b")).lower()) for m in _COLOUR_ITEM.finditer(text)]
    items = [(m, colour) for m, colour in items if vocab.colour_labels(colour)]
    if len(items) < 2 or len(items) > 4:
        return None
    lead = text[:items[0][0].start()]
    kind = _kind(lead, vocab) or _kind(text, vocab)
    if kind is None:
        return None
    named = " ".join(kind.words)
    # the request before the list, up to the kind it names: "grab me a few"
    verb = _COUNTED.split(lead, maxsplit=1)[0].strip(" ,;:")
    pick = _PICK_EACH.search(text[items[-1][0].end():]) or _PICK_EACH.search(lead)
    how = f", {pick.group('w').lower()} is fine" if pick else ""
    return [f"{verb} a {colour} {named}{how}".strip() for _, colour in items]
