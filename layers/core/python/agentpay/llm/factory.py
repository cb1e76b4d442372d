"""Build the generator from configuration: Claude first, OpenAI as the fallback.

Why None rather than an error when no key is configured: the conversation engine then
answers with its offline responder, so a store without model keys (or a test run) still
gets grounded, if plainer, replies. Why the cache is keyed by the configuration: keys
come from a secret that rotates (see ``keys``), and a rotated key must produce a new
client without a restart, while an unchanged configuration reuses the warm clients.

Environment: ``AGENTPAY_ANTHROPIC_MODEL``, ``AGENTPAY_OPENAI_MODEL``,
``ANTHROPIC_BASE_URL``, ``OPENAI_BASE_URL`` (plus the keys, see ``keys``).
"""

from __future__ import annotations

import hashlib
import os
import threading

from agentpay.llm import anthropic_provider, openai_provider
from agentpay.llm.base import LLMProvider
from agentpay.llm.keys import llm_keys
from agentpay.llm.router import LLMRouter

_cached: tuple[str, LLMRouter | None] | None = None  # (configuration fingerprint, router)
_lock = threading.Lock()


def _env(name: str) -> str | None:
    return os.environ.get(name, "").strip() or None


def get_generator() -> LLMRouter | None:
    """The router over every provider with a key, or None when there is none."""
    global _cached
    keys = llm_keys()
    config = (
        keys.get("anthropic", ""), _env("AGENTPAY_ANTHROPIC_MODEL") or "",
        _env("ANTHROPIC_BASE_URL") or "",
        keys.get("openai", ""), _env("AGENTPAY_OPENAI_MODEL") or "",
        _env("OPENAI_BASE_URL") or "",
    )
    # A digest, so the cache never holds the keys as readable text.
    fingerprint = hashlib.sha256("\x00".join(config).encode("utf-8")).hexdigest()
    with _lock:
        if _cached is not None and _cached[0] == fingerprint:
            return _cached[1]
        router = _build(keys)
        _cached = (fingerprint, router)
        return router


def reset_generator() -> None:
    """Forget the cached router (tests change the environment)."""
    global _cached
    with _lock:
        _cached = None


def _build(keys: dict[str, str]) -> LLMRouter | None:
    providers: list[LLMProvider] = []
    if "anthropic" in keys:
        providers.append(anthropic_provider.AnthropicProvider(
            keys["anthropic"],
            _env("AGENTPAY_ANTHROPIC_MODEL") or anthropic_provider.DEFAULT_MODEL,
            base_url=_env("ANTHROPIC_BASE_URL"),
        ))
    if "openai" in keys:
        providers.append(openai_provider.OpenAIProvider(
            keys["openai"],
            _env("AGENTPAY_OPENAI_MODEL") or openai_provider.DEFAULT_MODEL,
            base_url=_env("OPENAI_BASE_URL"),
        ))
    return LLMRouter(providers) if providers else None
