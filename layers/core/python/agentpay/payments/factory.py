"""Choose an organization's payment provider; keys come from the environment only.

``organization_settings["payments"]["provider"]`` picks ``stripe``, ``polar`` or, outside
production only, ``local`` (signed links to AgentPay's own page: no money moves). With no
provider chosen a development stack uses ``local``; production (``AGENTPAY_ENV=
production``) refuses ``local`` and answers ``payments_not_configured`` until the store
chooses one (``PATCH /v1/agent/organization``). Secrets never live in organization
settings: ``STRIPE_API_KEY`` (and ``STRIPE_API_BASE`` for a test server),
``POLAR_ACCESS_TOKEN``, ``POLAR_SERVER`` (``sandbox`` by default, or ``production``),
``POLAR_SERVER_URL`` and ``POLAR_PRODUCT_ID``. A store's own Polar product may be set as
``payments.polar_product_id``; it wins over ``POLAR_PRODUCT_ID``.

Providers are cached per configuration, so a Lambda sandbox reuses one HTTP connection
pool per provider; :func:`reset_providers` forgets them (tests change the environment).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

from agentpay.payments.base import CheckoutProvider, PaymentError

PROVIDERS = ("local", "stripe", "polar")

_instances: dict[tuple, CheckoutProvider] = {}
_lock = threading.Lock()


def _env(name: str) -> str | None:
    return (os.environ.get(name) or "").strip() or None


def _not_configured(provider: str, message: str) -> PaymentError:
    return PaymentError("provider_not_configured", message, provider=provider)


def _local(settings: Any) -> CheckoutProvider:
    from agentpay.checkout.links import sign
    from agentpay.checkout.secret import signing_secret
    from agentpay.payments.local_provider import LocalProvider

    return LocalProvider(settings.public_base_url,
                         lambda payload: sign(payload, signing_secret(settings)))


def _cached(key: tuple, build: Any) -> CheckoutProvider:
    with _lock:
        if key not in _instances:
            _instances[key] = build()
        return _instances[key]


def _payments_not_configured(message: str) -> PaymentError:
    return PaymentError("payments_not_configured", message)


def chosen_provider(organization_settings: dict | None, settings: Any) -> str:
    """The provider's name a checkout would use, before looking at its keys."""
    payments = (organization_settings or {}).get("payments") or {}
    name = str(payments.get("provider") or "").strip().lower()
    production = bool(getattr(settings, "is_production", False))
    if not name:
        if production:
            raise _payments_not_configured(
                "this store has no payment provider; choose stripe or polar "
                "(PATCH /v1/agent/organization)")
        return "local"
    if name == "local" and production:
        raise _payments_not_configured(
            "the local provider takes no money and is refused in production; choose stripe "
            "or polar (PATCH /v1/agent/organization)")
    return name


def _resolve(organization_settings: dict | None, settings: Any
             ) -> tuple[str, tuple | None, Callable[[], CheckoutProvider]]:
    """(provider name, cache key or None, builder); PaymentError when it cannot be used.
    Builds nothing and imports no SDK."""
    name = chosen_provider(organization_settings, settings)
    payments = (organization_settings or {}).get("payments") or {}
    if name == "local":
        return name, None, lambda: _local(settings)
    if name == "stripe":
        api_key = _env("STRIPE_API_KEY")
        if not api_key:
            raise _not_configured("stripe", "payments provider 'stripe' needs STRIPE_API_KEY "
                                            "in the environment")
        api_base = _env("STRIPE_API_BASE")

        def build_stripe() -> CheckoutProvider:
            from agentpay.payments.stripe_provider import StripeProvider

            return StripeProvider(api_key, api_base=api_base)

        return name, ("stripe", api_key, api_base), build_stripe
    if name == "polar":
        token = _env("POLAR_ACCESS_TOKEN")
        if not token:
            raise _not_configured("polar", "payments provider 'polar' needs POLAR_ACCESS_TOKEN "
                                           "in the environment")
        product_id = str(payments.get("polar_product_id") or "").strip() or _env(
            "POLAR_PRODUCT_ID")
        if not product_id:
            raise _not_configured("polar", "payments provider 'polar' needs the store's "
                                           "product (payments.polar_product_id or "
                                           "POLAR_PRODUCT_ID)")
        server = (_env("POLAR_SERVER") or "sandbox").lower()
        server_url = _env("POLAR_SERVER_URL")

        def build_polar() -> CheckoutProvider:
            from agentpay.payments.polar_provider import PolarProvider

            return PolarProvider(token, server=server, server_url=server_url,
                                 product_id=product_id)

        return name, ("polar", token, server, server_url, product_id), build_polar
    raise _not_configured(name, f"unknown payments provider {name!r}; choose one of "
                                f"{', '.join(PROVIDERS)}")


def provider_for(organization_settings: dict | None, settings: Any) -> CheckoutProvider:
    """The checkout provider an organization chose, configured from the environment."""
    _name, key, build = _resolve(organization_settings, settings)
    return build() if key is None else _cached(key, build)


def check_provider(organization_settings: dict | None, settings: Any) -> str:
    """The provider a checkout would use now, or the PaymentError it would meet (without
    building a provider: for a settings page)."""
    return _resolve(organization_settings, settings)[0]


def reset_providers() -> None:
    """Forget cached providers (tests change the environment)."""
    with _lock:
        _instances.clear()
