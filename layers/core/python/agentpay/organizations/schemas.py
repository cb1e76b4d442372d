"""The store's settings at the API edge.

Only non-secret options are accepted: a provider's keys and webhook secrets live in the
environment or Secrets Manager, and an unknown field (an `api_key`, say) is refused.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from agentpay.kit.jsonsize import check_json_size
from agentpay.webhooks.schemas import WebhooksIn, WebhooksOut

ProviderName = Literal["local", "stripe", "polar"]

StoreName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                             max_length=200)]
Currency = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True,
                                            pattern=r"^[A-Za-z]{3}$")]
PolicyTopic = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                               max_length=64,
                                               pattern=r"^[A-Za-z0-9][A-Za-z0-9 _-]*$")]
PolicyText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                              max_length=4000)]
Policies = Annotated[dict[PolicyTopic, PolicyText], Field(max_length=30),
                     AfterValidator(check_json_size)]
# Polar's product ids are UUIDs; anything id-shaped is let through for the provider to judge
ProductId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                             max_length=100,
                                             pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")]


class LocalPayments(BaseModel):
    """AgentPay's own signed checkout page: no money moves (development only)."""

    model_config = ConfigDict(extra="forbid")

    provider: Literal["local"]


class StripePayments(BaseModel):
    """Stripe Checkout (physical goods); STRIPE_API_KEY comes from the environment."""

    model_config = ConfigDict(extra="forbid")

    provider: Literal["stripe"]


class PolarPayments(BaseModel):
    """Polar checkouts (digital goods); POLAR_ACCESS_TOKEN comes from the environment."""

    model_config = ConfigDict(extra="forbid")

    provider: Literal["polar"]
    polar_product_id: ProductId | None = Field(
        default=None, description="the store's Polar product; POLAR_PRODUCT_ID when unset")


PaymentsIn = Annotated[LocalPayments | StripePayments | PolarPayments,
                       Field(discriminator="provider")]


class LimitsIn(BaseModel):
    """The store's own limits; a field left out (or null) takes the deployment's default."""

    model_config = ConfigDict(extra="forbid")

    model_budget_usd_per_day: float | None = Field(
        default=None, ge=0, le=1_000_000, allow_inf_nan=False,
        description="what the store's model calls may cost per UTC day before replies "
                    "are offline (0: offline replies only); null: "
                    "AGENTPAY_MODEL_BUDGET_USD_PER_DAY")


class OrganizationUpdate(BaseModel):
    """Fields left out stay as they are. `policies: null` removes the policies,
    `currency: null` returns to USD, `payments: null` removes the provider choice,
    `limits: null` returns to the default limits, `webhooks: null` removes the webhook
    endpoint; `payments` and `limits` each replace the whole object (a new provider drops
    the old one's options); `webhooks` without a `secret` keeps the secret already set."""

    model_config = ConfigDict(extra="forbid")

    name: StoreName | None = None
    currency: Currency | None = None
    policies: Policies | None = None
    payments: PaymentsIn | None = None
    limits: LimitsIn | None = None
    # where conversation.handoff (and later events) go; null removes the endpoint
    webhooks: WebhooksIn | None = None


class PaymentsOut(BaseModel):
    provider: str | None = Field(description="the store's choice; null when none")
    polar_product_id: str | None = None
    checkout_provider: str | None = Field(
        description="the provider a checkout uses now (the choice, or `local` by default "
                    "outside production); null when none can")
    status: str = Field(description="`ready`, or why no checkout can be made: "
                                    "`payments_not_configured`, `provider_not_configured`")


class LimitsOut(BaseModel):
    model_budget_usd_per_day: float = Field(
        description="the daily model budget in force (the store's, or the default)")
    model_budget_source: Literal["organization", "default"]
    model_spent_usd_today: float = Field(
        description="what the store's model calls cost so far today (UTC)")


class OrganizationOut(BaseModel):
    id: UUID
    name: str
    currency: str
    policies: dict[str, str] | None
    payments: PaymentsOut
    limits: LimitsOut
    webhooks: WebhooksOut | None = None
    created_at: datetime
    updated_at: datetime
