"""The one shape every embedding provider has, so indexing and search never care which.

Every vector stored in the database is 384 wide (the column is ``vector(384)``) and
L2-normalised, so inner product and cosine agree and scores from different batches
compare. ``name`` travels with each vector: vectors from different models must never be
compared, and a changed name is how the indexer knows to re-embed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np

DIMENSIONS = 384


class EmbeddingError(RuntimeError):
    """A provider could not produce vectors (bad config, API failure after retries)."""


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into unit-length float32 rows of ``dimensions`` floats."""

    name: str
    dimensions: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """Return float32 ``(len(texts), dimensions)``, rows L2-normalised, input order."""
        ...

    def embed_one(self, text: str) -> np.ndarray:
        """Return one float32 ``(dimensions,)`` vector (a search query)."""
        ...


class EmbedderBase:
    """Shared helpers; providers only implement ``embed``."""

    name: str = "base"
    dimensions: int = DIMENSIONS

    def embed(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


def l2_normalize(matrix: np.ndarray) -> np.ndarray:
    """Normalise rows in place-safe fashion; an all-zero row stays zero instead of NaN."""
    import numpy as np

    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    np.maximum(norms, 1e-12, out=norms)
    return (matrix / norms).astype(np.float32, copy=False)


def empty(dimensions: int = DIMENSIONS) -> np.ndarray:
    import numpy as np

    return np.zeros((0, dimensions), dtype=np.float32)
