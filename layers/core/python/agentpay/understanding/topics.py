"""Store-policy topics: what a shopper asks about a product beyond the product itself
(returns, delivery, warranty, assembly, fit, payment), and the sentence of a listing that
answers it.

Shops put these on the product page ("Free size exchanges within 30 days.", "Runs a half
size small.", "Backed by a 2-year limited warranty."), so a question like "can I swap sizes
later if they're too tight?" is answered from the listing of the product in question
before the store's general policy.
"""

from __future__ import annotations

import re

from agentpay.understanding.lexicon import split_sentences

_S = r"\s{1,3}"
_THEY = r"(?:they|these|those|it|this|that|the\s{1,3}[a-z]{2,20}s?|them)"

# what the shopper asks, most specific first; each pattern is anchored on a word the
# topic cannot be said without
_ASKED: tuple[tuple[str, re.Pattern], ...] = (
    ("fit", re.compile(
        r"\b(?:runs?|running|fits?|fitting)" + _S + r"(?:true|small|big|large|narrow|wide|"
        r"tight|short|long)\b|\btrue" + _S + r"to" + _S + r"size\b|\btts\b|\bsize" + _S +
        r"(?:up|down)\b|\bhow" + _S + r"(?:do|does|did|will|would)" + _S + _THEY + _S +
        r"fit\b|\bfit\s{1,3}(?:like|ok|okay|well)\b"
        # "im between a 9 and a 9.5, which size should i get?"
        r"|\b(?:which|what)" + _S + r"size" + _S + r"(?:should|would|do)" + _S + r"(?:i|we)\b"
        r"|\bbetween" + _S + r"(?:a" + _S + r")?(?:size" + _S + r")?\d{1,2}(?:\.5)?" + _S +
        r"(?:and|or|&)" + _S + r"(?:a" + _S + r")?\d{1,2}(?:\.5)?\b|\bbetween" + _S +
        r"sizes\b")),
    ("returns", re.compile(
        r"\b(?:return|returns|returnable|refund|refunds|exchange|exchanges|exchangeable)\b|"
        r"\bsend" + _S + r"(?:it|them|this|these|those)?\s{0,3}back\b|\b(?:swap|change)" + _S +
        r"(?:the\s{1,3})?(?:sizes?|them|it|these|those)" + _S + r"(?:later|after|if|once|for\s{1,3}"
        r"(?:a|an|another)" + _S + r"(?:size|one|pair))\b|"
        r"\bchange\s{1,3}my\s{1,3}mind\b")),
    ("warranty", re.compile(r"\b(?:warranty|warranties|warrantied|guarantee|guaranteed)\b")),
    ("assembly", re.compile(
        r"\b(?:assembly|assemble|assembled|assembling|flat[- ]?pack(?:ed)?)\b|\bput" + _S +
        r"(?:it|them|this)?\s{0,3}together\b|\b(?:hard|easy|difficult)" + _S + r"to" + _S +
        r"(?:set" + _S + r"up|install)\b")),
    ("shipping", re.compile(
        r"\b(?:shipping|ship|ships|shipped|postage|dispatch|dispatched)\b|"
        r"(?<!power\s)\b(?:delivery|deliver|delivered)\b|\bhow" + _S + r"long" + _S +
        r"(?:to|will|does|would|till|until)\b[^?]{0,40}\b(?:arrive|get\s{1,3}here|come)\b")),
    ("payment", re.compile(
        r"\b(?:pay\s{1,3}(?:with|by|in|over|later|monthly)|payment|payments|paypal|klarna|"
        r"afterpay|installments?|apple\s{1,3}pay|google\s{1,3}pay)\b")),
)

# the listing sentences that answer each topic, best first
_LISTED: dict[str, tuple[re.Pattern, ...]] = {
    "fit": (re.compile(r"\btrue\s{1,3}to\s{1,3}size\b|\bruns?\s{1,3}(?:a\s{1,3})?(?:half|"
                       r"small|large|big|narrow|wide)|\bhalf\s{1,3}(?:a\s{1,3})?size\b|"
                       r"\bsize\s{1,3}(?:up|down)\b", re.IGNORECASE),
            re.compile(r"\b(?:fit|fits|fitting)\b", re.IGNORECASE)),
    "returns": (re.compile(r"\b(?:return|returns|refund|exchange|exchanges)\b", re.IGNORECASE),
                re.compile(r"\bmoney\s{1,3}back\b", re.IGNORECASE)),
    "warranty": (re.compile(r"\b(?:warranty|guarantee|guaranteed)\b", re.IGNORECASE),
                 re.compile(r"\b(?:repair|replacement|lifetime)\s{1,3}(?:promise|"
                            r"policy|cover|coverage|plan)\b|\bpromise\b", re.IGNORECASE)),
    "assembly": (re.compile(r"\bassembl(?:y|e|ed)\s{1,3}(?:takes|required|needed|in)\b|"
                            r"\bflat[- ]?pack", re.IGNORECASE),
                 re.compile(r"\b(?:assembly|assemble|assembled|no\s{1,3}tools)\b", re.IGNORECASE)),
    "shipping": (re.compile(r"\b(?:ships?|shipping|delivery|delivered|dispatch)\b", re.IGNORECASE),),
    "payment": (re.compile(r"\b(?:pay|payment|installments?|card)\b", re.IGNORECASE),),
}
_NOT_POLICY = re.compile(r"\bpower\s{1,3}delivery\b|\bfor\s{1,3}(?:furniture\s{1,3})?"
                         r"assembly\b", re.IGNORECASE)


def asked_topic(low: str) -> str | None:
    """The policy topic a message asks about, if any."""
    for topic, rx in _ASKED:
        if rx.search(low):
            return topic
    return None


def listing_sentence(description: str, topic: str) -> str | None:
    """The sentence of a product description that answers `topic`."""
    sentences = split_sentences(description)
    for rx in _LISTED.get(topic, ()):
        for sentence in sentences:
            if rx.search(sentence) and not _NOT_POLICY.search(sentence):
                return sentence
    return None
