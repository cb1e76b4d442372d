"""Several requests in one message: "add 2 bags. also looking for a cat tree under 100",
"add it. do u also have a 10 inch nonstick pan?", "how fast does it ship? and whats the
total". A shop assistant does each in turn; so does the engine, one part at a time.

A message is split only where a new request plainly starts: after a sentence's end or a
comma, a part that opens with "also", "do you have", "I need", a question word and the like.
"The blue one, size M" and "nothing over 60, any colour" stay whole.
"""

from __future__ import annotations

import re

MAX_PARTS = 3

# where a part may end: a sentence's stop, a comma or semicolon ("the mossgrove chairs -
# how much are ..." is one request about what it names)
_BREAK = re.compile(r"(?<=[.!?;,])\s{1,3}|\s{1,3}and\s{1,3}(?=(?:add|remove|take|show|put)\b)|"
                    # "the cheapest carbon pair and the cheapest aluminium pair": two picks
                    r"\s{1,3}and\s{1,3}(?=(?:also\s{1,3})?the\s{1,3}(?:cheapest|priciest|most\s{1,3}"
                    r"expensive|least\s{1,3}expensive|lightest|biggest|smallest)\b)")
# a part that asks for something: a verb of the shop, a question, or enough words to be
# one ("hmm bit pricey." is a feeling, not a request)
_ASKS = re.compile(r"\b(?:add|put|take|remove|buy|get|grab|need|want|show|find|looking|"
                   r"have|got)\b|\?", re.IGNORECASE)
# how a new request opens
_OPENS = re.compile(
    r"(?:and\s{1,3}|oh\s{1,3}and\s{1,3}|but\s{1,3}|ok\s{1,3}|plus\s{1,3})?(?:"
    r"also|(?:do|did)\s{1,3}(?:u|you|ya)\s{1,3}(?:also\s{1,3})?(?:have|sell|carry|stock|do)|"
    r"have\s{1,3}(?:u|you)\s{1,3}got|got\s{1,3}any|any\s{1,3}chance|"
    r"i(?:'d|\s{1,3}would)?\s{1,3}(?:also\s{1,3})?(?:need|want|like)|i'?m\s{1,3}(?:also\s{1,3})?"
    r"(?:looking|after)|(?:also\s{1,3})?(?:need|looking\s{1,3}for)|"
    r"how\s{1,3}(?:fast|long|much|soon|quickly)|what(?:'?s|\s{1,3}is|\s{1,3}does|\s{1,3}about)|"
    r"whats|when\s{1,3}(?:will|does|would)|can\s{1,3}(?:i|you|u)|is\s{1,3}(?:it|there|shipping|"
    r"delivery)|are\s{1,3}(?:they|there)|does\s{1,3}(?:it|that|this|the)|show\s{1,3}me|"
    r"add|put|take|remove|"
    # "add it. and a 32 oz water bottle in black?": after a stop, the next thing wanted
    r"(?:and|plus|now|then|next)\s{1,3}(?:a|an|some|two|three|2|3)(?=\s{1,3}[a-z0-9])|"
    # "bung that in the basket. Now mugs, four matching ones": the next thing on the list
    r"now\s{1,3}(?=[a-z]{3,}s\b))\b",
    re.IGNORECASE)
# after a comma only a plain second request opens a part ("..., also need gloves", "..., do
# you have a leash?"); "..., I want something warm" goes on describing the same wish
_AFTER_COMMA = re.compile(
    r"(?:and\s{1,3}|oh\s{1,3}and\s{1,3}|plus\s{1,3})?(?:also|"
    # "scrap the speaker, I'd rather have noise cancelling earbuds": what comes instead
    r"i(?:'d|\s{1,3}would)\s{1,3}rather\s{1,3}(?:have|get|go\s{1,3}(?:with|for))|"
    r"(?:do|did)\s{1,3}(?:u|you|ya)\s{1,3}"
    r"(?:also\s{1,3})?(?:have|sell|carry|stock)|have\s{1,3}(?:u|you)\s{1,3}got"
    # "add it, and how quickly does it ship?": a question joined to a cart move
    r"|and\s{1,3}(?:also\s{1,3})?(?:how\s{1,3}(?:fast|long|much|soon|quickly)|what(?:'?s|\s{1,3}is)|"
    r"whats|when\s{1,3}(?:will|does|would)|is\s{1,3}(?:it|there)|does\s{1,3}(?:it|that|this)|"
    r"can\s{1,3}(?:i|you|u)))\b", re.IGNORECASE)
# a first part that is a request of its own (not "hmm," or "ok so,")
_WORDY = re.compile(r"[a-z0-9]{2,}", re.IGNORECASE)


def split_requests(text: str) -> list[str]:
    """The requests of one message, in order; the message itself when it holds one."""
    text = text.strip()
    if len(text) > 600:
        return [text]
    parts: list[str] = []
    start = 0
    for m in _BREAK.finditer(text):
        rest = text[m.end():]
        head = text[start:m.start()].strip(" ,;")
        after_comma = text[m.start() - 1:m.start()] in ",;" if m.start() else False
        opens = _AFTER_COMMA if after_comma else _OPENS
        if m.group().strip() == "and" and _SUPERLATIVE_HEAD.search(head) \
                and _SUPERLATIVE_NEXT.match(rest):
            parts.append(head)  # a second superlative pick joined by "and"
            start = m.end()
            if len(parts) == MAX_PARTS - 1:
                break
            continue
        if _ADVICE.search(head) and _WANT.match(rest):
            continue  # "what would you suggest for a beginner? I need boots": one request
        if not after_comma and _CONTEXT.match(head) and not _ASKS.search(head) and (
                _WANT.match(rest) or _DO_YOU_HAVE.match(rest)):
            start = m.end()  # "My cat is big and likes to climb. I want a cat tree": the
            continue         # story is context, the wish after it the request
        if opens.match(rest) and not _same_request(rest) and not _REFERS_BACK.match(rest) \
                and not _CONSTRAINT_ONLY.match(rest) and (
                len(_WORDY.findall(head)) >= 4 or (_ASKS.search(head)
                                                   and len(_WORDY.findall(head)) >= 2)):
            parts.append(head)
            start = m.end()
            if len(parts) == MAX_PARTS - 1:
                break
    tail = text[start:].strip(" ,;")
    if tail:
        parts.append(tail)
    return parts if len(parts) > 1 or start else [text]


_SUPERLATIVE_HEAD = re.compile(r"\b(?:cheapest|priciest|most\s{1,3}expensive|least\s{1,3}expensive|"
                               r"lightest|biggest|smallest)\b", re.IGNORECASE)

_SUPERLATIVE_NEXT = re.compile(r"(?:also\s{1,3})?the\s{1,3}" + _SUPERLATIVE_HEAD.pattern,
                               re.IGNORECASE)

# a sentence about the shopper, not a request: "my cat is very big", "we're a big family"
_CONTEXT = re.compile(r"(?:(?:hi|hello|hey)[,.!]?\s{1,3})?(?:my|our|we(?:'re|\s{1,3}are)?|i'?m|"
                      r"i\s{1,3}am|she|he|they)\s{1,3}(?!(?:also\s{1,3})?(?:looking|after|"
                      r"searching|shopping|interested|trying))", re.IGNORECASE)

_DO_YOU_HAVE = re.compile(r"(?:(?:do|did)\s{1,3}(?:u|you|ya)\s{1,3}(?:have|sell|carry|stock)|"
                          r"got\s{1,3}any|have\s{1,3}(?:u|you)\s{1,3}got)\b", re.IGNORECASE)

# "..., also under 50": a constraint on the same wish, not a request
_CONSTRAINT_ONLY = re.compile(r"(?:and\s{1,3})?also\s{1,3}(?:under|below|over|less|more|in|size|any|"
                              r"around|about|up\s{1,3}to|max|no\s{1,3}more)\b", re.IGNORECASE)

# a request for advice, and what it is about said next
_ADVICE = re.compile(r"\b(?:suggest|recommend|advise|advice|what\s{1,3}(?:should|would|do)\s{1,3}"
                     r"(?:i|you|we)\s{1,3}(?:get|buy|need|choose|go\s{1,3}for))\b", re.IGNORECASE)
_WANT = re.compile(r"(?:and\s{1,3}|so\s{1,3})?(?:also\s{1,3})?(?:i(?:'d|\s{1,3}would)?\s{1,3}(?:need|want|like)|"
                   r"i'?m\s{1,3}(?:looking|after)|(?:it'?s\s{1,3})?for\s{1,3}(?:a|an|my|me)\b|"
                   r"need|looking\s{1,3}for)\b", re.IGNORECASE)

# "..., whats the price on each?": a question about what the first part named
_REFERS_BACK = re.compile(r"\A[^.!?]{0,40}\b(?:each|both|either|which\s{1,3}(?:one|is))\b",
                          re.IGNORECASE)


def _same_request(rest: str) -> bool:
    """"..., add it", "..., take it" and "... and put 12 in the cart" after a pick are the
    same request's end."""
    return bool(re.match(r"(?:and\s{1,3})?(?:add|put|take|throw)\s{1,3}(?:it|them|that|those|one|"
                         r"both|\d{1,3}|two|three|four|five|six|seven|eight|nine|ten|twelve|"
                         r"a\s{1,3}dozen|a\s{1,3}couple)(?:\s{1,3}(?:in|into|to)(?:\s{1,3}(?:the|my)"
                         r")?\s{1,3}(?:cart|basket|bag))?\s{0,3}(?:in|to|please|pls|thanks)?\s{0,3}"
                         r"(?:,?\s{0,3}(?:size|in|any|colou?r)\b[^.!?]{0,30})?"  # "..., size L"
                         r"[.!?]?\s{0,3}$", rest, re.IGNORECASE))
