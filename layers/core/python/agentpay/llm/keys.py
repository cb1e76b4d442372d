"""The model providers' API keys: from Secrets Manager when configured, else the environment.

Why a secret: deployed functions should not carry keys in their configuration, and a
rotated key must reach warm Lambda sandboxes without a redeploy, hence the 5-minute
cache. Why the environment still counts: local development and tests use it, and if
Secrets Manager is unreachable a key in the environment keeps the agent talking. A key
from the secret wins over the environment's (the secret is what gets rotated). Nothing
here ever logs a key: failures are described by error code or exception class only.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from typing import Any

logger = logging.getLogger(__name__)

# provider -> the variable name, in the environment and in the secret's JSON
KEY_NAMES = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY"}
TTL_SECONDS = 300.0
FAILURE_TTL_SECONDS = 30.0  # retry a failing Secrets Manager soon, but not on every message

_cache: dict[str, tuple[float, dict[str, str]]] = {}  # secret id -> (expires at, keys)
_lock = threading.Lock()
_clock = time.monotonic  # tests move time forward by replacing this


def llm_keys(settings: Any = None) -> dict[str, str]:
    """``{"anthropic": ..., "openai": ...}`` with only the keys that are set and non-empty."""
    if settings is None:
        from agentpay.config import get_settings

        settings = get_settings()
    keys = _pick(os.environ)
    secret_id = getattr(settings, "llm_secret_arn", None)
    if secret_id:
        keys.update(_secret_keys(secret_id))
    return keys


def reset_keys() -> None:
    """Forget cached secret reads (tests, or after a known rotation)."""
    with _lock:
        _cache.clear()


def _pick(source: Any) -> dict[str, str]:
    keys: dict[str, str] = {}
    for provider, name in KEY_NAMES.items():
        value = source.get(name)
        if isinstance(value, str) and value.strip():
            keys[provider] = value.strip()
    return keys


def _secret_keys(secret_id: str) -> dict[str, str]:
    with _lock:  # one read per expiry, not one per waiting thread
        now = _clock()
        cached = _cache.get(secret_id)
        if cached is not None and cached[0] > now:
            return dict(cached[1])
        try:
            keys, ttl = _read_secret(secret_id), TTL_SECONDS
        except Exception as exc:  # noqa: BLE001 - any failure falls back to the environment
            logger.warning(
                "could not read the LLM API keys from Secrets Manager (%s): %s; "
                "using keys from the environment, if any", secret_id, _describe(exc))
            keys, ttl = {}, FAILURE_TTL_SECONDS
        _cache[secret_id] = (now + ttl, keys)
        return dict(keys)


def _read_secret(secret_id: str) -> dict[str, str]:
    import boto3
    from botocore.config import Config

    config = Config(connect_timeout=3, read_timeout=5,
                    retries={"max_attempts": 2, "mode": "standard"})
    region = _region_of(secret_id)
    client = boto3.client("secretsmanager", config=config,
                          **({"region_name": region} if region else {}))
    response = client.get_secret_value(SecretId=secret_id)
    raw = response.get("SecretString")
    if not isinstance(raw, str):
        raise _SecretFormatError("the secret has no SecretString")
    try:
        data = json.loads(raw)
    except ValueError:
        raise _SecretFormatError("the secret is not valid JSON") from None
    if not isinstance(data, dict):
        raise _SecretFormatError("the secret is not a JSON object")
    return _pick(data)


def _region_of(secret_id: str) -> str | None:
    """The region inside a full ARN (a secret may live outside the function's region)."""
    parts = secret_id.split(":")
    return (parts[3] or None) if len(parts) > 6 and parts[0] == "arn" else None


class _SecretFormatError(ValueError):
    pass


def _describe(exc: BaseException) -> str:
    """An error description that cannot contain the secret's text."""
    if isinstance(exc, _SecretFormatError):
        return str(exc)
    response = getattr(exc, "response", None)
    if isinstance(response, dict):  # botocore ClientError
        code = response.get("Error", {}).get("Code")
        if code:
            return f"{type(exc).__name__} {code}"
    return type(exc).__name__
