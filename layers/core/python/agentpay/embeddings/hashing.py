"""A cheap, dependency-free embedder: hashed word unigrams plus character n-grams.

Why it exists: it needs no model files, starts instantly and embeds thousands of texts
per second, so it is the fallback when MiniLM is not installed and the fast choice for
tests. It is lexical, not semantic ("sneakers" is not near "running shoes"), but the
character 3-5-grams (of each word with ``<``/``>`` boundary markers) keep typos and model
numbers close ("wireles" ~ "wireless", "xps13" ~ "xps 13").

Features are hashed with blake2b (stable across processes and machines, unlike the
salted built-in ``hash``) into 384 signed buckets; the sign bit makes collisions cancel
on average instead of piling up. Term frequency is sublinear (1 + ln tf) per word, and a
word's own feature and its n-gram block each carry a fixed share of its weight, so long
words do not drown short ones.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from hashlib import blake2b
from typing import TYPE_CHECKING

from agentpay.embeddings.base import DIMENSIONS, EmbedderBase, empty

if TYPE_CHECKING:
    import numpy as np

HASHING_NAME = "hashing-v1"
_WORD = re.compile(r"\w+", re.UNICODE)
_NGRAM_SIZES = (3, 4, 5)
# Texts without a single word get one fixed unit vector, not a zero row (cosine of a
# zero vector is NaN in pgvector).
_EMPTY = "\x00empty"
_WORD_SHARE = 0.5  # of a word's (unit) weight on the exact word; the rest on its n-grams


def _bucket(feature: str, dims: int) -> tuple[int, float]:
    h = int.from_bytes(blake2b(feature.encode("utf-8"), digest_size=8).digest(), "little")
    return (h >> 1) % dims, (1.0 if h & 1 else -1.0)


@lru_cache(maxsize=20_000)  # ~5 MB; a catalog's vocabulary mostly fits
def _word_features(word: str, dims: int) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """(bucket indices, signed weights) of one word; cached since catalogs repeat words."""
    weights: dict[int, float] = {}

    def add(feature: str, weight: float) -> None:
        idx, sign = _bucket(feature, dims)
        weights[idx] = weights.get(idx, 0.0) + sign * weight

    marked = f"<{word}>"  # never shorter than 3, so every word has at least one n-gram
    grams = [marked[i : i + n] for n in _NGRAM_SIZES for i in range(len(marked) - n + 1)]
    add("w:" + word, math.sqrt(_WORD_SHARE))
    gram_weight = math.sqrt((1.0 - _WORD_SHARE) / len(grams))
    for gram in grams:
        add("c:" + gram, gram_weight)
    return tuple(weights), tuple(weights.values())


def tokenize(text: str) -> list[str]:
    """NFKC + casefold, then word characters: the same words for 'Ｘ' and 'x', 'ß' and 'ss'."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


class HashingEmbedder(EmbedderBase):
    """Deterministic hashed features; thread-safe (no mutable state but an lru_cache)."""

    name = HASHING_NAME
    dimensions = DIMENSIONS

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return empty(self.dimensions)
        import numpy as np

        dims = self.dimensions
        cols: list[int] = []
        values: list[float] = []
        per_row: list[int] = []
        for text in texts:
            before = len(cols)
            words = tokenize(str(text)) or [_EMPTY]
            if len(set(words)) == len(words):  # the usual title: no repeated word
                for word in words:
                    indices, weights = _word_features(word, dims)
                    cols += indices
                    values += weights
            else:
                for word, tf in Counter(words).items():
                    indices, weights = _word_features(word, dims)
                    scale = 1.0 + math.log(tf)
                    cols += indices
                    values += [w * scale for w in weights]
            per_row.append(len(cols) - before)
        rows = np.repeat(np.arange(len(texts), dtype=np.int64), per_row)
        matrix = np.bincount(
            rows * dims + np.asarray(cols, dtype=np.int64),
            weights=np.asarray(values, dtype=np.float64),
            minlength=len(texts) * dims,
        ).reshape(len(texts), dims)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        np.maximum(norms, 1e-12, out=norms)
        return (matrix / norms).astype(np.float32)
