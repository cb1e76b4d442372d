"""Text normalised for full-text search, the same way for queries and products.

Products are normalised in SQL (migration 0012, `agentpay_search_text`, inside the
generated `search_vector`); queries here, by the same rules, so both sides meet on one
spelling: "Drill/Driver" is two words, and 36", 36'', 36 in., 36in, 36-inch and
36 inches are all "36 inch" (ft., feet and foot: "foot"). tests/test_search_text.py
checks the two agree on every rule.
"""

from __future__ import annotations

import re

# Postgres ARE and Python regexes differ in syntax only: [[:digit:]] is \d, [[:space:]]
# is \s, [[:alnum:]] is [^\W_]. Here the spaces around a "-" are possessive (`\s*+`): what
# follows each run is never a space, so giving spaces back could not help, and trying every
# split of "1" + 4,000 spaces took half a second (Postgres's engine does not backtrack).
_RULES = (
    (re.compile(r"([^\d])/|/([^\d])"), r"\1 \2"),
    (re.compile(r"(\d)\s*(''|\"|″|”)"), r"\1 inch "),
    (re.compile(r"(\d)\s*+-?\s*+(inches|inch|in\.|in(?!\s*\d))(?![^\W_])", re.IGNORECASE),
     r"\1 inch"),
    (re.compile(r"(\d)\s*+-?\s*+(feet|foot|ft\.?)(?![^\W_])", re.IGNORECASE), r"\1 foot"),
)


def search_text(text: str) -> str:
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)  # a group that took no part is empty
    return text
