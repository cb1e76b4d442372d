"""Store questions the reading has no topic for (understanding/topics.py names returns,
shipping, payment, warranty, assembly and fit): opening hours, contact, gift wrapping,
coupons, size charts. Asked only of stores with articles, so a store without any answers
these as it always has."""

from __future__ import annotations

import re

_S = r"\s{1,3}"
_ASKED: tuple[tuple[str, re.Pattern], ...] = (
    ("hours", re.compile(
        r"\b(?:opening|business|store|shop|office|support|service)" + _S + r"hours\b|\bwhat"
        + _S + r"time" + _S + r"(?:do|does|are)" + _S + r"(?:you|they|the" + _S +
        r"(?:store|shop))" + _S + r"(?:open|close)\b|\b(?:are|is)" + _S + r"(?:you|the" + _S +
        r"(?:store|shop))" + _S + r"open\b", re.IGNORECASE)),
    ("contact", re.compile(
        r"\bcontact" + _S + r"(?:you|the" + _S + r"(?:store|shop|team)|"
        r"(?:customer" + _S + r")?(?:support|service)|details|info)\b|\bhow" + _S +
        r"(?:can|do)" + _S + r"i" + _S + r"(?:contact|reach|call|email|e-mail)\b|"
        r"\b(?:phone|telephone)" + _S + r"number\b|\bemail" + _S + r"address\b|"
        r"\bcustomer" + _S + r"(?:service|support|care)\b|\bwhere" + _S + r"are" + _S +
        r"you" + _S + r"(?:located|based)\b|\b(?:physical|real)" + _S + r"(?:store|shop)\b",
        re.IGNORECASE)),
    ("gift_wrap", re.compile(r"\bgift" + _S + r"(?:wrap|wrapped|wrapping|box|boxes|message|"
                             r"note|receipt)\b|\bwrap" + _S + r"(?:it|them)" + _S +
                             r"(?:as" + _S + r"a" + _S + r")?gift\b", re.IGNORECASE)),
    ("discounts", re.compile(r"\b(?:coupons?|vouchers?|promo(?:tion(?:al)?)?" + _S +
                             r"codes?|discount" + _S + r"codes?)\b", re.IGNORECASE)),
    ("fit", re.compile(r"\bsize" + _S + r"(?:chart|guide|table)s?\b|\bsizing" + _S +
                       r"(?:chart|guide|info|information)\b", re.IGNORECASE)),
)


def asked_store_topic(text: str) -> str | None:
    """The store topic a message asks about, if any."""
    for topic, rx in _ASKED:
        if rx.search(text):
            return topic
    return None
