"""The passages of a store's articles that answer a question, best first, or none.

Candidates come from Postgres in one statement (any shared word by full text, and the
nearest by meaning); each is then judged by the question's telling words
(`knowledge/words.py`): a passage must hold at least half of them, or sit under a heading
of the topic asked about (the reading's topic: "returns", "shipping", …); one that says
nothing of that topic comes after those that do. Among those,
more of the question's words, then the topic in the heading, then the fused lexical and
cosine scores, then the earlier section rank first. Meaning alone never answers: a passage with none of the
question's words is a guess, and a guess about a store's policy is worse than "I don't
have that".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

import psycopg

from agentpay.catalog.search import query_vectors
from agentpay.knowledge import passages_repository
from agentpay.knowledge.words import TOPIC_WORDS, asked_stems, matched, stems, topic_stems

MIN_SHARE = 0.5
# An article's earlier sections state the rule and later ones its exceptions ("We ship to
# … Canada" before "Express isn't available to Canada"): between two passages as good,
# the earlier.
ORDER_PRIOR = 0.1
OFF_TOPIC = 2.0  # what a passage with none of the asked topic's words gives up


@dataclass
class Found:
    external_id: str
    title: str
    url: str | None
    heading: str
    body: str
    score: float
    words: list[str] = field(default_factory=list)  # the question's words it holds
    topical: bool = False  # its heading names the topic asked about


def search(conn: psycopg.Connection, organization_id: UUID, question: str,
           topic: str | None, embedder, k: int = 3) -> list[Found]:
    wanted = asked_stems(question)
    on_topic = topic_stems(topic)
    text = " ".join([question, *TOPIC_WORDS.get(topic or "", ())])
    vector = query_vectors.get(embedder, question)
    rows = passages_repository.search(conn, organization_id, text, vector, embedder.name)
    top_lexical = max((r["lexical"] for r in rows), default=0.0) or 1.0
    found: list[Found] = []
    for r in rows:
        heading = set(stems(r["heading"]))
        have = heading | set(stems(r["body"]))
        words = matched(wanted, have)
        topical = bool(on_topic and matched(on_topic, heading))
        said = len(matched(on_topic, have))  # how much of the topic's words it holds
        share = len(words) / len(wanted) if wanted else 0.0
        if not (share >= MIN_SHARE and (not on_topic or topical or said or share == 1.0)
                or topical):
            continue
        fused = 0.5 * r["lexical"] / top_lexical + 0.5 * max(float(r["cosine"]), 0.0)
        # asked about shipping, a passage that says nothing of it comes after those that
        # do, whatever words it shares: "can I get it by friday?" is not about opening hours
        off_topic = OFF_TOPIC if on_topic and not topical and not said else 0.0
        found.append(Found(r["external_id"], r["title"], r["url"], r["heading"], r["body"],
                           round(2 * share + 0.5 * topical + 0.25 * said + fused
                                 - ORDER_PRIOR * r["ordinal"] - off_topic, 4), words, topical))
    found.sort(key=lambda f: f.score, reverse=True)
    return found[:k]
