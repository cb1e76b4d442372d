"""The checkout signing secret: configured in deployments, generated once locally.

Locally a random secret is written under the data directory (mode 0600) so links survive
a restart of `make dev`; a deployment must configure AGENTPAY_CHECKOUT_SECRET (the SAM
template generates one in Secrets Manager).
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


def signing_secret(settings: Settings) -> bytes:
    if settings.checkout_secret:
        return settings.checkout_secret.encode()
    if settings.in_lambda:
        raise CheckoutNotConfigured("AGENTPAY_CHECKOUT_SECRET is not set")
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
