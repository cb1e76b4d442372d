"""The ``webhooks`` part of an organization's settings: checked, written where it can
sign, and shown without the secret.

The settings document (returned by the API and copied into every settings change record)
keeps the URL and the secret's fingerprint only; the secret itself goes to
``webhook_endpoints``, sealed with the data key (``agentpay.kit.sealing``).
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import psycopg

from agentpay.config import Settings
from agentpay.kit.errors import Conflict, InvalidInput
from agentpay.kit.sealing import SealError, get_sealer
from agentpay.webhooks import repository, signing
from agentpay.webhooks.schemas import WebhooksIn


def check_url(url: str, settings: Settings) -> str:
    """An absolute http(s) URL with a host, no credentials and no fragment; in production
    https on port 443 and not an address of a private network (422
    ``invalid_webhook_url``)."""
    def bad(why: str) -> InvalidInput:
        return InvalidInput(f"webhook url: {why}", code="invalid_webhook_url")

    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise bad("must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises on a bad port
    except ValueError:
        raise bad("is not a valid URL") from None
    allowed = ("https",) if settings.is_production else ("https", "http")
    if parts.scheme not in allowed:
        raise bad("must start with " + " or ".join(f"{s}://" for s in allowed))
    if not parts.hostname:
        raise bad("needs a host")
    if parts.username or parts.password:
        raise bad("must not hold credentials; sign with the secret instead")
    if parts.fragment:
        raise bad("must not have a #fragment")
    if settings.is_production:
        try:
            address = ipaddress.ip_address(parts.hostname)
        except ValueError:
            address = None
        if parts.hostname == "localhost" or (address is not None and not address.is_global):
            raise bad("must be a public address")
        if parts.port not in (None, 443):
            # the functions' security group lets HTTPS out on 443 only (template.yaml)
            raise bad("must use the https port, 443")
    return url


def apply(conn: psycopg.Connection, organization_id: UUID, given: WebhooksIn | None,
          settings: Settings) -> dict[str, Any] | None:
    """Write (or, with None, remove) the store's endpoint, its secret sealed with the data
    key; returns what the settings document keeps of it. A new URL without a secret keeps
    the secret already set."""
    if given is None:
        repository.delete_endpoint(conn, organization_id)
        return None
    url = check_url(given.url, settings)
    sealer = get_sealer(settings)
    secret = given.secret
    if secret is None:
        current = repository.get_endpoint(conn, organization_id)
        if current is None:
            raise InvalidInput("webhooks.secret is required the first time",
                               code="webhook_secret_required")
        try:
            secret = sealer.open(current["secret_sealed"], str(organization_id))
        except SealError:
            raise Conflict("the stored webhook secret cannot be read with this "
                           "deployment's data key; send webhooks.secret again",
                           code="webhook_secret_unreadable") from None
    else:
        try:
            signing.secret_key(secret)
        except ValueError as exc:
            raise InvalidInput(f"webhook secret: {exc}", code="invalid_webhook_secret") from None
    repository.put_endpoint(conn, organization_id, url,
                            sealer.seal(secret, str(organization_id)))
    return {"url": url, "secret_fingerprint": signing.fingerprint(secret)}


def view(stored: dict[str, Any]) -> dict[str, Any] | None:
    hooks = stored.get("webhooks")
    if not hooks:
        return None
    return {"url": hooks["url"], "secret_set": True,
            "secret_fingerprint": hooks.get("secret_fingerprint")}
