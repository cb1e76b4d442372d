"""Hybrid product search: dense cosine + full text + trigram, fused, filtered in SQL.

The one function the API, the CLI, the benchmarks and the conversation engine's search
tool all call. Fusion is configurable: `weighted` (default: a normalised lexical score,
trigram similarity and the cosine, weighted) or `rrf` (reciprocal rank fusion over the
three lists); `agentpay bench relevance` measures both.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import numpy as np
import psycopg

from agentpay.catalog import search_repository as repo
from agentpay.catalog.search_repository import (
    FUZZY_MATCH,
    MIN_SEMANTIC,
    Filters,
    Fusion,
    LexicalScore,
    Ranking,
    Weights,
)
from agentpay.catalog.search_text import search_text

__all__ = ["Filters", "Fusion", "SearchHit", "Weights", "search"]

_TOKEN = re.compile(r"[0-9]+/[0-9]+|[\w][\w.\-']*", re.UNICODE)
_MAX_TERMS = 16
MIN_TYPO_TERM = 3  # shorter words are not worth a spelling fix when they match nothing


@dataclass
class SearchHit:
    product: dict[str, Any]
    score: float
    matched: list[str]
    components: dict[str, float] = field(default_factory=dict)


def query_terms(query: str) -> list[str]:
    """The query's words as full text should see them (normalised like product text)."""
    terms = []
    for token in _TOKEN.findall(search_text(query).lower()):
        token = token.strip(".-'")
        if token and token not in terms:
            terms.append(token)
    return terms[:_MAX_TERMS]


def to_tsquery_text(query: str) -> str | None:
    """OR of the query's terms, each quoted (Postgres stems them and drops stop words).

    OR, not AND: shoppers add words the catalog lacks ("comfy", "for my dad"); ranking
    rewards products that match more of them.
    """
    terms = query_terms(query)
    if not terms:
        return None
    return " | ".join("'" + t.replace("'", "''").replace("\\", "") + "'" for t in terms)


def to_tsquery_all(query: str) -> str | None:
    """AND of the query's terms: the products that have every word."""
    terms = query_terms(query)
    if not terms:
        return None
    return " & ".join("'" + t.replace("'", "''").replace("\\", "") + "'" for t in terms)


class _QueryVectors:
    """Small LRU of query embeddings: shoppers repeat queries, the embedder is the cost."""

    def __init__(self, size: int = 2048) -> None:
        self._items: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, embedder, text: str) -> np.ndarray:
        key = (embedder.name, text)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        vector = np.asarray(embedder.embed([text])[0], dtype=np.float32)
        with self._lock:
            self._items[key] = vector
            if len(self._items) > self._size:
                self._items.popitem(last=False)
        return vector


query_vectors = _QueryVectors()


def _normalise_query(query: str) -> str:
    return " ".join(query.split())[:500]


DATABASE_EF_SEARCH = repo.EF_SEARCH


def search(conn: psycopg.Connection, organization_id: UUID, query: str, *, k: int = 10,
           filters: Filters | None = None, embedder=None, fusion: Fusion = "weighted",
           weights: Weights | None = None, depth: int | None = None,
           ef_search: int = DATABASE_EF_SEARCH,
           min_semantic: float = MIN_SEMANTIC,
           lexical: LexicalScore = "bm25",
           shift_to_vector: bool = False) -> list[SearchHit]:
    """Top-k products of one organization for a shopper's query.

    A candidate found only by the vector (no word or trigram match) must reach
    `min_semantic` cosine: better three right products than ten with a mug among shoes.
    """
    if embedder is None:
        from agentpay.embeddings import get_embedder

        embedder = get_embedder()
    filters = filters or Filters()
    text = _normalise_query(query)
    if not text:
        return []
    depth = depth or max(40, 4 * k)
    vector = query_vectors.get(embedder, text)
    typo_terms = [t for t in query_terms(text) if len(t) >= MIN_TYPO_TERM]
    ranking = Ranking(k=k, fusion=fusion, weights=weights or Weights(),
                      min_semantic=min_semantic, lexical=lexical,
                      shift_to_vector=shift_to_vector)
    args = (organization_id, text, to_tsquery_text(text), vector, filters, depth)
    options = {"ef_search": max(ef_search, depth), "words": " ".join(query_terms(text))}
    # spelling correction only for a query with a word no product of the store has (one
    # more statement then): most are spelt as the store spells them
    rows = repo.hybrid_search(conn, *args, None, to_tsquery_all(text), ranking,
                              typo_check=typo_terms, **options)
    if typo_terms and (not rows or rows[0]["typos"]):
        rows = repo.hybrid_search(conn, *args, typo_terms, to_tsquery_all(text), ranking,
                                  **options)
    return [SearchHit(_strip(r), float(r["score"]), _matched(r),
                      {"cosine": float(r["cosine"] or 0.0), "lexical": float(r["lexical_part"]),
                       "fuzzy": float(r["fuzzy"])}) for r in rows]


_SCORES = ("score", "cosine", "lexical_part", "text_match", "fuzzy", "in_vector",
           "lexical_raw", "coverage", "typos")


def _matched(row: dict) -> list[str]:
    parts = []
    if row["in_vector"]:
        parts.append("semantic")
    if row["text_match"]:
        parts.append("text")
    if row["fuzzy"] >= FUZZY_MATCH:
        parts.append("fuzzy")
    return parts


def _strip(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in _SCORES}
