"""Credentials: random bearer tokens with a kind prefix; only their SHA-256 is stored.

The tokens carry 256 bits of randomness, so a fast hash is enough (no brute force can
reach them) and lets the lookup be a unique-index probe.
"""

from __future__ import annotations

import hashlib
import secrets

SECRET_KEY_PREFIX = "ap_sk_"
PUBLISHABLE_KEY_PREFIX = "ap_pk_"
CONVERSATION_TOKEN_PREFIX = "ap_ct_"
OPERATOR_TOKEN_PREFIX = "ap_ot_"
_SHOWN = 8  # characters after the kind prefix kept to identify a key


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def display_prefix(token: str) -> str:
    """The part of a key safe to store, list and log."""
    for prefix in (SECRET_KEY_PREFIX, PUBLISHABLE_KEY_PREFIX, CONVERSATION_TOKEN_PREFIX,
                   OPERATOR_TOKEN_PREFIX):
        if token.startswith(prefix):
            return token[: len(prefix) + _SHOWN]
    return token[:_SHOWN]
