"""Embedding providers behind one interface; pick one with ``get_embedder()``."""

from agentpay.embeddings.base import DIMENSIONS, Embedder, EmbeddingError
from agentpay.embeddings.factory import get_embedder, reset_embedders

__all__ = ["DIMENSIONS", "Embedder", "EmbeddingError", "get_embedder", "reset_embedders"]
