"""The offline answer from a store's passages: its most telling sentence(s), quoted, with
the article's link.

Quoted, not paraphrased: a store's policy in its own words is what a shopper can rely on,
and what the grounding guard can check a model's answer against.
"""

from __future__ import annotations

import re
from typing import Any

from agentpay.knowledge.retrieval import Found
from agentpay.knowledge.words import asked_stems, matched, stems

MAX_EXCERPT_CHARS = 400
OPENING_BONUS = 1.5
_SENTENCES = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])|\n+")


def sentences(body: str) -> list[str]:
    return [s.strip() for s in _SENTENCES.split(body) if s.strip()]


def excerpt(found: Found, question: str, topic_words: list[str]) -> str:
    """The sentence holding most of the question's words (the topic's words, then being
    the section's first, break ties), and the next best too when it holds a word the
    first lacks."""
    wanted = asked_stems(question)
    scored = []
    for i, sentence in enumerate(sentences(found.body)):
        have = set(stems(sentence))
        words = matched(wanted, have)
        # a section's opening sentence states its rule: it wins a tie with a later one
        opening = OPENING_BONUS if i == 0 else 0
        scored.append((2 * len(words) + len(matched(topic_words, have)) + opening, -i,
                       sentence, set(words)))
    if not scored:
        return ""
    ranked = sorted(scored, reverse=True)
    best = ranked[0]
    chosen = [best]
    for other in ranked[1:]:
        if other[3] - best[3] and \
                len(best[2]) + len(other[2]) < MAX_EXCERPT_CHARS:
            chosen.append(other)
            break
    chosen.sort(key=lambda s: -s[1])  # in the article's order
    text = " ".join(s[2] for s in chosen)
    return text if len(text) <= MAX_EXCERPT_CHARS else text[:MAX_EXCERPT_CHARS - 1] + "…"


def answer_data(found: list[Found], question: str, topic_words: list[str]) -> dict[str, Any]:
    """The tool result: the passages (facts a model may use) and the offline excerpt."""
    best = found[0] if found else None
    return {
        "count": len(found),
        "external_ids": [f.external_id for f in found],
        "passages": [{"article": f.external_id, "title": f.title, "url": f.url,
                      "heading": f.heading, "passage": f.body} for f in found],
        "answer": None if best is None else {
            "article": best.external_id, "title": best.title, "url": best.url,
            "excerpt": excerpt(best, question, topic_words)},
    }


def reply(data: dict[str, Any] | None) -> str | None:
    """The offline reply quoting the best passage, or None when nothing answers."""
    answer = (data or {}).get("answer")
    if not answer or not answer.get("excerpt"):
        return None
    text = f"From our “{answer['title']}” page: “{answer['excerpt']}”"
    if answer.get("url"):
        text += f" More here: {answer['url']}"
    return text + " Anything else I can help with?"
