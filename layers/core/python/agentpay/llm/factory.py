"""Build the generator from configuration: Claude first, OpenAI as the fallback.

Why None rather than an error when no key is configured: the conversation engine then
answers with its offline responder, so a store without model keys (or a test run) still
gets grounded, if plainer, replies. Why the cache is keyed by the configuration: keys
come from a secret that rotates (see ``keys``), and a rotated key must produce a new
client without a restart, while an unchanged configuration reuses the warm clients.

Why the configured models are checked here: this is where a process starts using them
(and where a changed configuration is picked up), and a model the installed SDK calls
retired or does not know would fail every turn and add the fallback's latency; the
check (``models.choose_model``: a log line, a metric, a current model instead) reads the
SDKs' own lists without importing them.

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
from agentpay.llm.models import choose_model
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


def _model(module, setting: str, base_url: str | None) -> str:
    return choose_model(module.NAME, _env(setting), module.DEFAULT_MODEL, module.MODEL_LINE,
                        setting=setting, custom_endpoint=base_url is not None)


def _build(keys: dict[str, str]) -> LLMRouter | None:
    providers: list[LLMProvider] = []
    if "anthropic" in keys:
        base_url = _env("ANTHROPIC_BASE_URL")
        providers.append(anthropic_provider.AnthropicProvider(
            keys["anthropic"],
            _model(anthropic_provider, "AGENTPAY_ANTHROPIC_MODEL", base_url),
            base_url=base_url,
        ))
    if "openai" in keys:
        base_url = _env("OPENAI_BASE_URL")
        providers.append(openai_provider.OpenAIProvider(
            keys["openai"],
            _model(openai_provider, "AGENTPAY_OPENAI_MODEL", base_url),
            base_url=base_url,
        ))
    return LLMRouter(providers) if providers else None
