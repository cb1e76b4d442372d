"""The words of a store question, and of the passages that may answer it.

A passage answers only if it shares the question's telling words ("ship", "canada"), not
just "policy" or "your": a sure "I don't have that" beats quoting the wrong page. Words
are compared by a light stem ("shipping", "ships", "shipped" are "ship"; "deliver" and
"delivery" share their first six letters), the same on both sides, so no dictionary is
needed.
"""

from __future__ import annotations

import re
from pathlib import Path

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# words every store question may hold, which say nothing of what it is about
GENERIC = frozenset(
    line.strip() for line in (Path(__file__).parent / "data" / "generic_words.txt")
    .read_text().splitlines() if line.strip() and not line.startswith("#"))
# how a question asks for a time: the answer is in days and times
_WHEN = re.compile(r"\bhow\s{1,3}(?:long|fast|quick|quickly|soon)\b|\bwhen\s{1,3}(?:will|would|"
                   r"can|do|does)\b", re.IGNORECASE)

# what says a topic, for topics the reading names (understanding/topics.py)
TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "returns": ("return", "refund", "exchange"),
    "shipping": ("shipping", "delivery", "ship"),
    "payment": ("payment", "pay", "card"),
    "warranty": ("warranty", "guarantee"),
    "assembly": ("assembly", "assemble"),
    "fit": ("size", "sizing", "fit"),
    "hours": ("hours", "open", "closed"),
    "contact": ("contact", "email", "phone", "call", "reach"),
    "gift_wrap": ("wrap", "wrapping"),
    "discounts": ("discount", "coupon", "promo", "code"),
}


def stem(word: str) -> str:
    word = word.lower().replace("'s", "")
    for suffix in ("ingly", "ing", "ies", "ied", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + ("y" if suffix in ("ies", "ied") else "")
            break
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]  # "size", "sizes" -> "siz"; "exchange", "exchanged" -> "exchang"
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiou":
        word = word[:-1]  # "shipp" -> "ship"
    return word


def stems(text: str) -> list[str]:
    """The telling words of `text`, stemmed, in order, once each."""
    out = [stem(w) for w in _WORD.findall(text.lower()) if w not in GENERIC and len(w) > 1]
    return list(dict.fromkeys(w for w in out if w))


def asked_stems(question: str) -> list[str]:
    """A question's telling words, and "day" and "time" when it asks how long."""
    return stems(question) + ([stem("day"), stem("time")] if _WHEN.search(question) else [])


def same(a: str, b: str) -> bool:
    if a == b:
        return True
    n = min(len(a), len(b), 6)
    return n >= 5 and a[:n] == b[:n]


def matched(wanted: list[str], have: set[str]) -> list[str]:
    """Which of `wanted` the text with stems `have` holds."""
    return [w for w in wanted if w in have or any(same(w, h) for h in have)]


def topic_stems(topic: str | None) -> list[str]:
    return [stem(w) for w in TOPIC_WORDS.get(topic or "", ())]
