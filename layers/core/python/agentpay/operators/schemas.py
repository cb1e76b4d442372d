"""Operator tokens at the API edge."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class OperatorTokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    minutes: int | None = Field(default=None, ge=5, le=720, description=(
        "how long the token lives (default AGENTPAY_OPERATOR_TOKEN_MINUTES, 480)"))


class OperatorTokenOut(BaseModel):
    token: str
    token_expires_at: datetime
    scopes: list[str]
