"""Secrets the database must keep readable (a store's webhook signing secret), sealed at
rest with AES-256-GCM.

Why sealed, not hashed: an API key is checked, so its hash is enough; a webhook secret is
used to sign, so the server needs it back. Sealed, a copy of the database (a snapshot, a
dump, a read replica, a leaked backup) holds no usable secret without the data key, which
lives elsewhere (Secrets Manager in a deployment).

A sealed value is ``v1.<key id>.<base64url(nonce || ciphertext || tag)>``: a fresh 96-bit
nonce each time, and the caller's ``context`` (the owning organization's id) as associated
data, so a sealed value copied into another store's row does not open. The key id (eight
hex of a hash of the derived key, never the key) says which key sealed it.

The data key: ``AGENTPAY_DATA_KEY`` (at least 32 characters), or in Lambda
``AGENTPAY_DATA_KEY_ARN`` (the template generates it in Secrets Manager). With neither,
outside production and outside Lambda, the development default ``DEV_DATA_KEY`` is used, so
`make dev`, the tests and any process sharing the dev database agree; it is refused in
production. The AES key is derived from the data key with HKDF-SHA256. Neither key is ever
logged or shown: ``Sealer`` prints its key id only.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
import threading

from agentpay.config import Settings

VERSION = "v1"
# Development only (documented in the README): refused when AGENTPAY_ENV is production.
DEV_DATA_KEY = "agentpay-development-data-key--not-for-production"
MIN_KEY_CHARS = 32
_NONCE_BYTES = 12
_INFO = b"agentpay sealed secrets v1"


class SealError(ValueError):
    """A sealed value that does not open: altered, sealed with another key, or for
    another owner. The message never holds the value or a key."""


class DataKeyNotConfigured(RuntimeError):
    pass


# `cryptography` is imported by the first sealer (its data key comes from Secrets Manager then
# too), not by every handler that can send a webhook (issue 22, item 3).
def _derive(data_key: str) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        data_key.encode())


class Sealer:
    """Seals and opens short secrets with one data key."""

    def __init__(self, data_key: str) -> None:
        if len(data_key) < MIN_KEY_CHARS:
            raise DataKeyNotConfigured(f"the data key must be at least {MIN_KEY_CHARS} "
                                       "characters")
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        key = _derive(data_key)
        self._aead = AESGCM(key)
        self.key_id = hashlib.sha256(b"key id:" + key).hexdigest()[:8]

    def __repr__(self) -> str:  # never the key
        return f"Sealer(key_id={self.key_id!r})"

    def seal(self, plaintext: str, context: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        body = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{VERSION}.{self.key_id}.{body}"

    def open(self, sealed: str, context: str) -> str:
        from cryptography.exceptions import InvalidTag

        version, _, rest = sealed.partition(".")
        key_id, _, body = rest.partition(".")
        if version != VERSION or not body:
            raise SealError("not a sealed value")
        if key_id != self.key_id:
            raise SealError(f"sealed with another data key (key id {key_id}, this "
                            f"deployment's is {self.key_id})")
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            return self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:],
                                      context.encode()).decode()
        except (binascii.Error, ValueError, InvalidTag, UnicodeDecodeError):
            raise SealError("the sealed value was altered or belongs elsewhere") from None


def is_sealed(value: str | None) -> bool:
    return bool(value) and value.startswith(f"{VERSION}.")


_lock = threading.Lock()
_cache: dict[str, Sealer] = {}


def _from_secrets_manager(arn: str) -> str:
    import boto3

    value = boto3.client("secretsmanager").get_secret_value(SecretId=arn)
    return value["SecretString"].strip()


def data_key(settings: Settings) -> str:
    if settings.data_key is not None:
        return settings.data_key.get_secret_value()
    if settings.data_key_arn:
        return _from_secrets_manager(settings.data_key_arn)
    if settings.is_production or settings.in_lambda:
        raise DataKeyNotConfigured(
            "set AGENTPAY_DATA_KEY_ARN (or AGENTPAY_DATA_KEY) to seal stored secrets")
    return DEV_DATA_KEY


def _source(settings: Settings) -> str:
    """Which key the settings name, without holding it (the cache's key)."""
    if settings.data_key is not None:
        return "env:" + hashlib.sha256(settings.data_key.get_secret_value().encode()
                                       ).hexdigest()
    if settings.data_key_arn:
        return "arn:" + settings.data_key_arn
    return "development default"


def get_sealer(settings: Settings) -> Sealer:
    """The sealer for the configured data key (read once per process per source)."""
    source = _source(settings)
    with _lock:
        if source not in _cache:
            _cache[source] = Sealer(data_key(settings))
        sealer = _cache[source]
    if (settings.is_production or settings.in_lambda) and sealer.key_id == _dev_key_id():
        raise DataKeyNotConfigured("the development data key is refused in production")
    return sealer


@functools.cache
def _dev_key_id() -> str:
    return Sealer(DEV_DATA_KEY).key_id
