"""General shopping English, loaded once from the data files beside this module.

What holds in every store: colour families ("navy" is a blue), size words ("medium" is M),
units ("60 inch" is a store's "60 in."), number words ("ten and a half") and shopper
synonyms ("tee" is a T-shirt). What one store sells is its vocabulary
(`agentpay.catalog.vocabulary`), read from its catalogue; this module only gives both
sides one spelling so they can be compared.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

_WORD = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")
_POSSESSIVE = re.compile(r"'s\b")


def _table(name: str) -> dict[str, str]:
    """`key: value` lines; `#` starts a comment. Keys keep their inner punctuation."""
    out: dict[str, str] = {}
    for raw in (DATA / name).read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith(('"', "'")) \
            else raw.strip()
        if not line or ":" not in line:
            continue
        key, _, value = line.rpartition(":")
        out[" ".join(key.lower().split())] = " ".join(value.lower().split())
    return out


def singular(word: str) -> str:
    """A cheap English singular, enough to compare a shopper's noun with a shop's."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-1] if word[:-1] in _IE_NOUNS else word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses", "zes")):
        return word[:-2]
    if word.endswith("ves") and word[:-3] + "f" in ("shelf", "leaf", "scarf", "loaf", "half"):
        return word[:-3] + "f"
    return word[:-1]


# nouns whose singular ends in -ie ("beanies" is beanie, "batteries" battery)
_IE_NOUNS = frozenset({"beanie", "hoodie", "cookie", "movie", "pie", "tie", "bootie", "onesie",
                       "selfie", "brownie", "veggie", "zombie", "rookie", "smoothie",
                       "necktie", "bowtie", "lingerie", "calorie", "genie", "pixie", "goalie",
                       "bookie", "indie", "birdie", "sweetie", "headie", "duckie", "auntie"})


def words(text: str) -> list[str]:
    """Lower-case words, hyphens and slashes as spaces ("T-Shirt" -> t, shirt)."""
    return _WORD.findall(_POSSESSIVE.sub("", text.lower().replace("&", " and ")))


def norm_phrase(text: str) -> str:
    """A phrase as both sides are compared: lower case, singular words, one space."""
    return " ".join(singular(w) for w in words(text))


# --------------------------------------------------------------------------------------
# Colours
# --------------------------------------------------------------------------------------

@cache
def colour_families() -> dict[str, str]:
    return {k.replace("gray", "grey"): v for k, v in _table("colour_families.txt").items()}


FAMILIES = frozenset({"black", "white", "grey", "blue", "red", "green", "yellow", "orange",
                      "pink", "purple", "brown", "beige", "silver", "gold", "multicolor"})


def colour_key(name: str) -> str:
    return " ".join(words(name.replace("-", " "))).replace("gray", "grey")


def colour_family(name: str) -> str | None:
    """The family of a colour name ("Slate Blue" -> blue), by the whole name, then by its
    last word ("Dusty Sage" -> green), then by any word that is a family."""
    key = colour_key(name)
    table = colour_families()
    if key in table:
        return table[key]
    parts = key.split()
    if parts and parts[-1] in table:
        return table[parts[-1]]
    for part in reversed(parts):
        if part in FAMILIES:
            return part
    return None


# --------------------------------------------------------------------------------------
# Sizes
# --------------------------------------------------------------------------------------

@cache
def size_words() -> dict[str, str]:
    return _table("size_words.txt")


@cache
def size_units() -> dict[str, str]:
    table = _table("size_units.txt")
    table['"'] = "in"
    table["''"] = "in"
    table["'"] = "ft"
    return table


_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "eighteen": 18, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60,
}
NUMBER_WORDS = _NUMBER_WORDS
_HALF = re.compile(r"\b([a-z]{3,9}|\d{1,2})\s+and\s+a\s+half\b")
# "one" stays a word: "the Torqstone one" is no count; before a unit it is a number
_ONE_UNIT = re.compile(r"\bone(?=[\s-]{1,3}(?:person|people|man|pound|lb|gallon|gal|quart|qt|"
                       r"liter|litre|inch|foot|ft|piece|pc|pack|burner|seater|drawer|tier|"
                       r"shelf|cup|outlet|port)\b)")
_NUMBER_WORD = re.compile(r"\b(" + "|".join(sorted((w for w in _NUMBER_WORDS if w != "one"),
                                                  key=len, reverse=True)) + r")\b")


def spell_numbers(text: str) -> str:
    """Number words as digits, for sizes: "ten and a half" -> "10.5", "size nine" -> "size 9".
    Same-length output is not kept: callers read sizes from the result, not spans."""
    def half(m: re.Match) -> str:
        head = m.group(1)
        value = int(head) if head.isdigit() else _NUMBER_WORDS.get(head)
        return f"{value}.5" if value is not None else m.group(0)

    text = _HALF.sub(half, text)
    text = _ONE_UNIT.sub("1", text)
    return _NUMBER_WORD.sub(lambda m: str(_NUMBER_WORDS[m.group(1)]), text)


# a measured size: a number (1,200 / 1-1/4 / 10.5 / 1/2) and its unit
_UNIT_ALT = "|".join(sorted((re.escape(u) for u in ("fl. oz.", "fl. oz", "fl oz", "in.",
                                                      "ft.", "oz.", "lb.", "lbs.")),
                            key=len, reverse=True))
_MEASURE = re.compile(
    r"^#?(?P<n>\d{1,6}(?:,\d{3}){0,2}(?:\.\d{1,3})?(?:[- ]\d{1,2}/\d{1,2})?|\d{1,2}/\d{1,2})"
    r"\s{0,2}-?\s{0,2}(?P<u>" + _UNIT_ALT + r"|[a-z\"']{1,8}\.?|'')$")


def split_sentences(text: str) -> list[str]:
    """A listing's sentences: a stop followed by a capital ends one, so "1/4 in. hex chuck"
    and "1,825 in.-lbs" stay whole."""
    return [s.strip() for s in re.split(r"(?<=[.!?])\s{1,3}(?=[A-Z0-9\"“])", text or "")
            if s.strip()][:60]


def size_key(label: str) -> str:
    """One spelling for a size, whoever wrote it: "Medium" and "M" -> "m"; "60 in.",
    '60"' and "60 inch" -> "60 in"; "4-Person" -> "4 person"; "16 fl oz" -> "16 oz";
    "1,200 Pieces" -> "1200 piece". Anything else: its words in lower case."""
    low = " ".join(label.lower().split())
    if not low:
        return ""
    table = size_words()
    if low in table:
        return table[low]
    if re.fullmatch(r"\d{1,3}(?:\.\d)?", low):
        return low.removesuffix(".0")
    m = _MEASURE.match(low)
    if m:
        unit = size_units().get(m.group("u").strip()) or size_units().get(
            m.group("u").strip().rstrip("."))
        if unit:
            number = m.group("n").replace(",", "").replace("-", " ")
            if re.fullmatch(r"\d+\.0+", number):
                number = number.split(".")[0]
            return f"{number} {unit}"
    return " ".join(words(low))


_EMBEDDED = re.compile(
    r"(?<![\w./])(?P<n>\d{1,2}/\d{1,2}|\d{1,6}(?:,\d{3})?(?:\.\d{1,3})?)\s{0,2}-?\s{0,2}(?P<u>fl\.?\s?oz\.?|"
    r"[a-z\"']{1,8}\.?)(?![a-z])")


def size_keys(label: str) -> set[str]:
    """Every key a size label answers to: its own, and each measure inside it ("for TVs
    up to 65 in." -> "65 in"; "60W Equivalent, 4-Pack" -> "60 w", "4 pack")."""
    keys = {size_key(label)}
    for m in _EMBEDDED.finditer(label.lower()):
        key = size_key(f"{m.group('n')} {m.group('u')}")
        if re.match(r"\d", key) and " " in key:
            keys.add(key)
    m = _SET_OF.search(label.lower())
    if m:  # "Set of 6" is what a shopper calls "the 6 piece" one; "Pack of 4" a "4 pack"
        keys.add(f"{m.group('n')} {'pack' if m.group('k') == 'pack' else 'piece'}")
    return {k for k in keys if k}


_SET_OF = re.compile(r"\b(?P<k>set|pack)\s{1,3}of\s{1,3}(?P<n>\d{1,4})\b")


def equivalent_sizes(key: str) -> list[str]:
    """The same length in the other unit: "6 ft" -> "72 in", "72 in" -> "6 ft"."""
    m = re.fullmatch(r"(\d{1,5}(?:\.\d{1,3})?) (ft|in)", key)
    if not m:
        return []
    value = float(m.group(1))
    other = value * 12 if m.group(2) == "ft" else value / 12
    if other != int(other):
        return []
    return [f"{int(other)} {'in' if m.group(2) == 'ft' else 'ft'}"]


def size_number(key: str) -> float | None:
    """The magnitude of a size key, for "the big bag": "30 lb" -> 30, "xl" -> 5."""
    order = ["xxs", "xs", "s", "m", "l", "xl", "xxl", "xxxl"]
    if key in order:
        return float(order.index(key))
    beds = ["twin", "twin xl", "full", "queen", "king", "california king"]
    if key in beds:
        return float(beds.index(key))
    m = re.match(r"(\d{1,6}(?:\.\d{1,3})?)", key)
    return float(m.group(1)) if m else None


# --------------------------------------------------------------------------------------
# Abbreviations
# --------------------------------------------------------------------------------------

@cache
def _abbreviations() -> tuple[re.Pattern, dict[str, str]]:
    table = _table("abbreviations.txt")
    alternatives = "|".join(sorted((re.escape(k) for k in table), key=len, reverse=True))
    return re.compile(r"(?<![\w'/])(?:" + alternatives + r")(?![\w'/])", re.IGNORECASE), table


def expand_abbreviations(text: str) -> str:
    """Chat shorthand as words ("blk hoodie sz M" -> "black hoodie size M", "add em" ->
    "add them"), so everything after reads one spelling."""
    rx, table = _abbreviations()
    return rx.sub(lambda m: table[m.group().lower()], text)


# --------------------------------------------------------------------------------------
# Synonyms
# --------------------------------------------------------------------------------------

@cache
def synonyms() -> dict[tuple[str, ...], tuple[str, ...]]:
    """Shopper phrase (singular words) -> shop phrase (singular words): the first of its
    alternatives ("jumper: sweater | pullover")."""
    return {key: alternatives[0] for key, alternatives in synonym_choices().items()}


@cache
def synonym_choices() -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Shopper phrase -> the shop phrases it may be, in order: a store says one of them."""
    out: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {}
    for key, value in _table("synonyms.txt").items():
        out[tuple(singular(w) for w in words(key))] = tuple(
            tuple(singular(w) for w in words(alt)) for alt in value.split("|") if words(alt))
    return out


@cache
def _longest_synonym() -> int:
    return max((len(k) for k in synonyms()), default=1)


def with_synonyms(tokens: list[str], known: Callable[[str], bool] | None = None) -> list[str]:
    """The tokens with shopper phrases replaced by shop phrases, longest first; of several
    shop phrases, the first whose words `known` (the store's vocabulary) all has."""
    table = synonym_choices()
    longest = _longest_synonym()
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for n in range(min(longest, len(tokens) - i), 0, -1):
            choices = table.get(tuple(tokens[i:i + n]))
            if choices:
                repl = next((c for c in choices if known is not None
                             and all(known(w) for w in c)), choices[0])
                out.extend(repl)
                i += n
                break
        else:
            out.append(tokens[i])
            i += 1
    return out
