"""The judge's words for sizes and colours, read once from the data files beside it.

- `size_words.txt`: a letter size and its other spellings ("m: medium, med").
- `colour_families.txt`: a colour family and the shop colour names in it.
- `colour_words.txt`: other spellings of a colour word ("grey: gray").
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def _entries(name: str) -> list[tuple[str, list[str]]]:
    """`head: item, item` lines, lowercased; '#' starts a comment line."""
    entries = []
    for line in (DATA / name).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        head, _, rest = line.partition(":")
        items = [item.strip().lower() for item in rest.split(",") if item.strip()]
        entries.append((head.strip().lower(), items))
    return entries


def norm(text: object) -> str:
    """Lowercase, single spaces; None is ''."""
    return " ".join(str(text or "").lower().split())


@cache
def size_labels() -> dict[str, str]:
    """Every spelling of a letter size -> its label ("medium" -> "m", "m" -> "m")."""
    labels = {}
    for label, words in _entries("size_words.txt"):
        labels[label] = label
        for word in words:
            labels[word] = label
    return labels


def size_words(label: str) -> list[str]:
    """The spellings of a size as a shopper might read it: "M" -> ["m", "medium", "med"]."""
    key = size_key(label)
    words = {norm(label), key} | {w for w, k in size_labels().items() if k == key}
    return sorted(words)


def size_key(size: object) -> str:
    """One spelling per size: lowercase, thousands commas and a trailing abbreviation dot
    dropped, letter sizes as their label ("Medium" -> "m", "13 in." -> "13 in",
    "1,200 Pieces" -> "1200 pieces")."""
    text = norm(size)
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    text = re.sub(r"(?<=[a-z])\.(?=\s|$)", "", text)
    return size_labels().get(text, text)


@cache
def colour_aliases() -> dict[str, str]:
    return {word: canonical for word, (canonical, *_) in _entries("colour_words.txt")}


def colour_word(text: object) -> str:
    """A colour word or name in one spelling: "Heather Grey" -> "heather gray"."""
    aliases = colour_aliases()
    return " ".join(aliases.get(w, w) for w in norm(text).split())


@cache
def colour_families() -> dict[str, str]:
    """Shop colour name -> family; each family is its own family."""
    families = {}
    for family, names in _entries("colour_families.txt"):
        family = colour_word(family)
        families[family] = family
        for name in names:
            families[colour_word(name)] = family
    return families


def colour_family(name: object) -> str | None:
    """A shop colour's family: listed, or the family word it contains ("Dusty Blue")."""
    name = colour_word(name)
    families = colour_families()
    if name in families:
        return families[name]
    for family in set(families.values()):
        if _has_phrase(name, family):
            return family
    return None


def _has_phrase(text: str, phrase: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text) is not None


def colour_fits(name: object, word: str) -> bool:
    """Does a shop colour name answer a shopper's colour word? Equal, containing it as a
    word ("blue" in "Slate Blue"), or in its family ("blue" finds "Navy")."""
    if not name:
        return False
    name, word = colour_word(name), colour_word(word)
    if not word:
        return False
    if name == word or _has_phrase(name, word):
        return True
    return word in set(colour_families().values()) and colour_family(name) == word
