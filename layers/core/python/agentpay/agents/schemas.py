"""The agent's shape at the API edge."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from agentpay.kit.jsonsize import check_json_size

JsonObject = Annotated[dict[str, Any], AfterValidator(check_json_size)]


def _valid_rules(rules: dict[str, Any]) -> dict[str, Any]:
    """The money rules must make sense before an agent can sell with them."""
    from agentpay.orchestrator.negotiation import NegotiationRules

    NegotiationRules.model_validate(rules)
    return rules


Rules = Annotated[dict[str, Any], AfterValidator(check_json_size), AfterValidator(_valid_rules)]
ToolNames = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=64)]],
    Field(max_length=64),
]


class AgentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    personality: JsonObject = Field(default_factory=dict)
    tools: ToolNames = Field(default_factory=list)
    rules: Rules = Field(default_factory=dict)
    config: JsonObject = Field(default_factory=dict)
    is_active: bool = True


class AgentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    personality: JsonObject | None = None
    tools: ToolNames | None = None
    rules: Rules | None = None
    config: JsonObject | None = None
    is_active: bool | None = None


class AgentOut(BaseModel):
    id: UUID
    organization_id: UUID
    name: str
    description: str | None
    personality: dict[str, Any]
    tools: list[str]
    rules: dict[str, Any]
    config: dict[str, Any]
    is_active: bool
    publishable_key: str
    previous_publishable_key_expires_at: datetime | None = Field(
        default=None, description="Until when the key replaced by the last rotation still "
                                  "starts conversations (null: it does not)")
    created_at: datetime
    updated_at: datetime


class PublishableKeyRotate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    overlap_minutes: int = Field(
        default=0, ge=0, le=7 * 24 * 60,
        description="How long the replaced key keeps starting conversations (0: it stops "
                    "at once). Conversations already started keep their tokens.")


class AgentList(BaseModel):
    data: list[AgentOut]
    next_cursor: str | None = None
