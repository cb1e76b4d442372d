"""Payment provider keys and webhook secrets from Secrets Manager, into the environment.

Why the environment: the providers and webhook verification read STRIPE_API_KEY,
POLAR_ACCESS_TOKEN, *_WEBHOOK_SECRET, ... from it locally; in Lambda the same names come
from one JSON secret (AGENTPAY_PAYMENTS_SECRET_ARN), loaded once per execution
environment and never logged. Values already in the environment win.
"""

from __future__ import annotations

import json
import logging
import os
import threading

logger = logging.getLogger(__name__)

_loaded: set[str] = set()
_lock = threading.Lock()
NAMES = ("STRIPE_API_KEY", "STRIPE_WEBHOOK_SECRET", "POLAR_ACCESS_TOKEN",
         "POLAR_WEBHOOK_SECRET", "POLAR_PRODUCT_ID", "POLAR_SERVER")


def load_payment_secrets(arn: str | None) -> None:
    if not arn or arn in _loaded:
        return
    with _lock:
        if arn in _loaded:
            return
        try:
            import boto3

            raw = boto3.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
            values = json.loads(raw)
        except Exception as exc:  # noqa: BLE001 - reported without the secret's content
            logger.warning("could not read the payments secret: %s", type(exc).__name__)
            return
        for name in NAMES:
            value = values.get(name)
            if isinstance(value, str) and value and not os.environ.get(name):
                os.environ[name] = value
        _loaded.add(arn)
