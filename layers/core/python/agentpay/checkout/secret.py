"""The checkout signing secret: configured in deployments, generated once locally.

Locally a random secret is written under the data directory (mode 0600) so links survive
a restart of `make dev`; a deployment reads it from Secrets Manager
(AGENTPAY_CHECKOUT_SECRET_ARN: the SAM template generates one) or from
AGENTPAY_CHECKOUT_SECRET.
"""

from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path

from agentpay.config import Settings

_lock = threading.Lock()
_cache: dict[str, bytes] = {}


class CheckoutNotConfigured(RuntimeError):
    pass


def _from_secrets_manager(arn: str) -> bytes:
    with _lock:
        if arn not in _cache:
            import boto3

            value = boto3.client("secretsmanager").get_secret_value(SecretId=arn)
            _cache[arn] = value["SecretString"].strip().encode()
        return _cache[arn]


def signing_secret(settings: Settings) -> bytes:
    if settings.checkout_secret:
        return settings.checkout_secret.encode()
    if settings.checkout_secret_arn:
        return _from_secrets_manager(settings.checkout_secret_arn)
    if settings.in_lambda:
        raise CheckoutNotConfigured(
            "set AGENTPAY_CHECKOUT_SECRET_ARN (or AGENTPAY_CHECKOUT_SECRET) to sign checkouts")
    path = Path(settings.data_dir) / "checkout_secret"
    key = str(path)
    with _lock:
        if key not in _cache:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                tmp = path.with_suffix(f".{os.getpid()}.tmp")
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as fh:
                    fh.write(secrets.token_urlsafe(48))
                try:
                    os.link(tmp, path)  # first writer wins; others read theirs
                except FileExistsError:
                    pass
                finally:
                    tmp.unlink(missing_ok=True)
            _cache[key] = path.read_text().strip().encode()
        return _cache[key]
