"""Creating tenants, issuing their keys, and the store's settings. The caller owns the
transaction."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg

from agentpay.config import Settings
from agentpay.kit.errors import InvalidInput, NotFound
from agentpay.kit.tokens import SECRET_KEY_PREFIX, display_prefix, hash_token, new_token
from agentpay.limits import repository as limits_repo
from agentpay.limits.service import model_budget, organization_budget
from agentpay.organizations import repository
from agentpay.organizations.schemas import OrganizationUpdate
from agentpay.webhooks import settings as webhook_settings

DEFAULT_CURRENCY = "USD"


@dataclass(frozen=True)
class IssuedKey:
    id: UUID
    organization_id: UUID
    prefix: str
    secret: str  # shown once, never stored


def create_organization(conn: psycopg.Connection, name: str) -> tuple[dict, IssuedKey]:
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise InvalidInput("organization name must be 1 to 200 characters", code="invalid_name")
    org = repository.insert_organization(conn, name)
    return org, issue_api_key(conn, org["id"], "default")


def issue_api_key(conn: psycopg.Connection, organization_id: UUID, name: str) -> IssuedKey:
    secret = new_token(SECRET_KEY_PREFIX)
    row = repository.insert_api_key(
        conn, organization_id, name, display_prefix(secret), hash_token(secret)
    )
    return IssuedKey(row["id"], organization_id, row["prefix"], secret)


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Actor:
    """Who changes settings: a secret key, by id and display prefix (never the secret)."""

    key_id: UUID | None
    key_prefix: str


def _payments_view(stored: dict[str, Any], settings: Settings) -> dict[str, Any]:
    from agentpay.payments.base import PaymentError
    from agentpay.payments.factory import check_provider, chosen_provider
    from agentpay.payments.secrets import load_payment_secrets

    payments = stored.get("payments") or {}
    load_payment_secrets(settings.payments_secret_arn)  # Lambda: keys come from the secret
    try:
        name, status = check_provider(stored, settings), "ready"
    except PaymentError as exc:
        name, status = None, exc.code
        if exc.code != "payments_not_configured":
            name = chosen_provider(stored, settings)  # chosen, but its keys are missing
    return {"provider": payments.get("provider") or None,
            "polar_product_id": payments.get("polar_product_id") or None,
            "checkout_provider": name, "status": status}


def _limits_view(conn: psycopg.Connection, organization_id: UUID, stored: dict[str, Any],
                 settings: Settings) -> dict[str, Any]:
    budget = model_budget(organization_budget(stored),
                          limits_repo.spent_today(conn, organization_id), settings)
    return {"model_budget_usd_per_day": budget.limit_usd,
            "model_budget_source": budget.source,
            "model_spent_usd_today": round(budget.spent_usd, 6)}


def _view(conn: psycopg.Connection, row: dict[str, Any], settings: Settings) -> dict[str, Any]:
    stored = row["settings"] or {}
    return {"id": row["id"], "name": row["name"],
            "currency": stored.get("currency") or DEFAULT_CURRENCY,
            "policies": stored.get("policies") or None,
            "payments": _payments_view(stored, settings),
            "limits": _limits_view(conn, row["id"], stored, settings),
            "webhooks": webhook_settings.view(stored),
            "created_at": row["created_at"], "updated_at": row["updated_at"]}


def get_organization(conn: psycopg.Connection, organization_id: UUID,
                     settings: Settings) -> dict[str, Any]:
    row = repository.get_organization(conn, organization_id)
    if row is None:
        raise NotFound("organization not found", code="organization_not_found")
    return _view(conn, row, settings)


def _changed(conn: psycopg.Connection, organization_id: UUID, name: str,
             stored: dict[str, Any], update: OrganizationUpdate,
             settings: Settings) -> tuple[str, dict[str, Any]]:
    """The new name and settings document; keys this API does not own are kept."""
    given = update.model_fields_set
    new = copy.deepcopy(stored)
    if "name" in given:
        if update.name is None:
            raise InvalidInput("the store's name cannot be removed", code="invalid_name")
        name = update.name
    for key in ("currency", "policies"):
        if key in given:
            value = getattr(update, key)
            if value is None:
                new.pop(key, None)
            else:
                new[key] = value
    if "limits" in given:
        limits = update.limits.model_dump(exclude_none=True) if update.limits else {}
        if limits:
            new["limits"] = limits
        else:
            new.pop("limits", None)
    if "payments" in given:
        if update.payments is None:
            new.pop("payments", None)
        else:
            if update.payments.provider == "local" and settings.is_production:
                raise InvalidInput("the local provider takes no money and is refused in "
                                   "production; choose stripe or polar",
                                   code="provider_not_allowed")
            new["payments"] = update.payments.model_dump(exclude_none=True)
    if "webhooks" in given:
        # the secret goes to its own table; the document keeps its fingerprint only
        hooks = webhook_settings.apply(conn, organization_id, update.webhooks, settings)
        if hooks is None:
            new.pop("webhooks", None)
        else:
            new["webhooks"] = hooks
    return name, new


def update_organization(conn: psycopg.Connection, organization_id: UUID, actor: Actor,
                        update: OrganizationUpdate, settings: Settings) -> dict[str, Any]:
    """Apply a settings change and record it (who, when, before, after) in the same
    transaction; a change that changes nothing records nothing."""
    row = repository.lock_organization(conn, organization_id)
    if row is None:
        raise NotFound("organization not found", code="organization_not_found")
    stored = row["settings"] or {}
    name, new = _changed(conn, organization_id, row["name"], stored, update, settings)
    if name == row["name"] and new == stored:
        return _view(conn, row, settings)
    updated = repository.update_organization(conn, organization_id, name, new)
    repository.insert_settings_change(
        conn, organization_id, actor.key_id, actor.key_prefix,
        before={"name": row["name"], "settings": stored},
        after={"name": name, "settings": new})
    return _view(conn, updated, settings)
