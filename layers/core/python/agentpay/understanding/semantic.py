"""Offline semantic fallback: nearest exemplars by cosine.

When the rules hesitate, the message is embedded and compared with the project's own
exemplars (`exemplars.py`); the closest intents win, and a message close to nothing a
store handles - or closest to the out-of-scope exemplars - is `unknown`. Any embedder
with `embed(texts) -> (n, d) float32, rows L2-normalised` works (the project's
`agentpay.embeddings`, or a stub in tests); exemplar vectors are computed once per
process, on first use, and optionally cached on disk per embedder name.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from agentpay.understanding.exemplars import EXEMPLARS
from agentpay.understanding.intents import UNKNOWN

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)


class TextEmbedder(Protocol):
    """The one method the semantic layer needs from an embedding provider."""

    def embed(self, texts: list[str]) -> np.ndarray:
        """float32 (len(texts), d), rows L2-normalised, input order."""
        ...


#: Settings per embedder family (cosine scales differ between models). Chosen on the
#: datasets' TRAIN splits only (Bitext train, CLINC150 train + oos_train): k neighbours
#: per intent, the similarity floor below which a message is `unknown`, and how much a
#: hesitant rule's guess counts. A lexical embedder leans on the rules' guess more.
PROFILES: dict[str, dict[str, float]] = {
    "minilm": {"k": 2, "unknown_threshold": 0.30, "prior_weight": 0.15},
    "hashing": {"k": 2, "unknown_threshold": 0.35, "prior_weight": 0.5},
    "default": {"k": 2, "unknown_threshold": 0.30, "prior_weight": 0.15},
}


def profile_for(embedder: object) -> dict[str, float]:
    name = str(getattr(embedder, "name", "") or "").lower()
    for family, settings in PROFILES.items():
        if name.startswith(family):
            return settings
    return PROFILES["default"]


@dataclass(frozen=True)
class SemanticResult:
    intent: str
    confidence: float
    similarity: float
    scores: dict[str, float] = field(default_factory=dict)


class SemanticClassifier:
    """k-nearest exemplars with a similarity floor for `unknown`.

    Each intent scores the mean of its `k` most similar exemplars (one lucky neighbour
    should not decide). A rule's low-confidence guess, when given, adds
    `prior_weight * rule_confidence` to its intent: the rules saw cues the embedding
    may blur ("order 1135426"), but not enough to decide alone.
    """

    def __init__(self, embedder: TextEmbedder, exemplars: Mapping[str, Sequence[str]] = EXEMPLARS,
                 *, k: int | None = None, unknown_threshold: float | None = None,
                 prior_weight: float | None = None, margin_scale: float = 4.0,
                 cache_dir: str | os.PathLike[str] | None = None) -> None:
        self.embedder = embedder
        profile = profile_for(embedder)
        self.k = int(k if k is not None else profile["k"])
        self.unknown_threshold = (unknown_threshold if unknown_threshold is not None
                                  else profile["unknown_threshold"])
        self.prior_weight = prior_weight if prior_weight is not None else profile["prior_weight"]
        self.margin_scale = margin_scale
        self._texts: list[str] = []
        self._labels: list[str] = []
        for intent, lines in exemplars.items():
            self._texts.extend(lines)
            self._labels.extend([intent] * len(lines))
        self._intents = sorted(set(self._labels))
        self._cache_dir = cache_dir
        self._lock = threading.Lock()
        self._matrix: Any = None
        self._groups: Any = None

    # -- exemplar vectors, once ---------------------------------------------------------

    def _cache_path(self) -> Path | None:
        name = getattr(self.embedder, "name", None)
        if not name:
            return None
        root = self._cache_dir or os.environ.get("AGENTPAY_MODEL_CACHE") or (
            Path(tempfile.gettempdir()) / "agentpay-cache")
        digest = hashlib.sha256(("\x1f".join(self._texts) + "|" + str(name)).encode()
                                ).hexdigest()[:16]
        return Path(root) / f"intent-exemplars-{name}-{digest}.npy"

    def _ensure(self) -> None:
        if self._matrix is not None:
            return
        with self._lock:
            if self._matrix is not None:
                return
            import numpy as np

            path = self._cache_path()
            matrix = None
            if path is not None and path.is_file():
                try:
                    matrix = np.load(path)
                    if matrix.shape[0] != len(self._texts):
                        matrix = None
                except (OSError, ValueError):
                    matrix = None
            if matrix is None:
                matrix = np.asarray(self.embedder.embed(list(self._texts)), dtype=np.float32)
                if path is not None:
                    try:
                        path.parent.mkdir(parents=True, exist_ok=True)
                        tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
                        np.save(tmp, matrix)
                        os.replace(tmp, path)
                    except OSError:  # a read-only disk only costs the next start
                        logger.debug("could not cache exemplar vectors at %s", path)
            labels = np.asarray(self._labels)
            self._groups = [(intent, np.flatnonzero(labels == intent))
                            for intent in self._intents]
            self._matrix = matrix

    def warm(self) -> None:
        """Embed the exemplars now (e.g. at start-up) instead of on the first message."""
        self._ensure()

    # -- scoring --------------------------------------------------------------------------

    def scores_many(self, vectors: np.ndarray) -> list[dict[str, float]]:
        import numpy as np

        self._ensure()
        sims = np.asarray(vectors, dtype=np.float32) @ self._matrix.T
        out: list[dict[str, float]] = []
        for row in sims:
            scores: dict[str, float] = {}
            for intent, idx in self._groups:
                part = row[idx]
                k = min(self.k, part.shape[0])
                top = np.partition(part, part.shape[0] - k)[-k:]
                scores[intent] = float(top.mean())
            out.append(scores)
        return out

    def decide(self, scores: Mapping[str, float], prior: tuple[str, float] | None = None
               ) -> SemanticResult:
        """The winning intent from per-intent scores, a rule prior and the floor."""
        adjusted = dict(scores)
        if prior is not None and prior[0] in adjusted:
            adjusted[prior[0]] += self.prior_weight * prior[1]
        ranked = sorted(adjusted.items(), key=lambda kv: kv[1], reverse=True)
        best_intent, best = ranked[0]
        runner = ranked[1][1] if len(ranked) > 1 else 0.0
        raw_best = scores.get(best_intent, best)
        if best_intent != UNKNOWN and raw_best < self.unknown_threshold:
            # close to nothing the store does: out of scope, confident as it is far
            gap = self.unknown_threshold - raw_best
            conf = min(0.99, 0.6 + gap * self.margin_scale)
            return SemanticResult(UNKNOWN, round(conf, 4), round(raw_best, 4),
                                  dict(ranked[:3]))
        margin = best - runner
        conf = min(0.99, 0.5 + margin * self.margin_scale)
        return SemanticResult(best_intent, round(conf, 4), round(raw_best, 4), dict(ranked[:3]))

    def classify(self, text: str, prior: tuple[str, float] | None = None) -> SemanticResult:
        vec = self.embedder.embed([text])
        return self.decide(self.scores_many(vec)[0], prior)
