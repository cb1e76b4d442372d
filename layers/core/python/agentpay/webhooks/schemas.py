"""The store's webhook endpoint at the API edge (inside the organization's settings)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

WebhookUrl = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                              max_length=2000)]
WebhookSecret = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                 max_length=200)]


class WebhooksIn(BaseModel):
    """Where the store's webhooks go and the secret they are signed with. The secret is
    write-only: it is never returned or logged. Left out, the one already set is kept."""

    model_config = ConfigDict(extra="forbid")

    url: WebhookUrl = Field(description="https:// (http:// outside production)")
    secret: WebhookSecret | None = Field(
        default=None, description="`whsec_` + base64 of 24 to 64 random bytes "
                                  "(Standard Webhooks); write-only")


class WebhooksOut(BaseModel):
    url: str
    secret_set: bool = Field(description="a signing secret is stored (it is never shown)")
    secret_fingerprint: str | None = Field(
        default=None, description="a one-way fingerprint of the secret (first 12 hex of "
                                  "its SHA-256), to tell which one is in use")


class DeliveryOut(BaseModel):
    id: UUID
    webhook_id: str = Field(description="the `webhook-id` header of every attempt")
    event_type: str
    conversation_id: UUID | None
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    next_attempt_at: datetime | None = Field(description="when a pending one is tried next")
    last_status: int | None = Field(description="the endpoint's last HTTP status, if any")
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


class DeliveryList(BaseModel):
    data: list[DeliveryOut]
