"""Conversation and message shapes at the API edge."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from agentpay.kit.jsonsize import check_json_size
from agentpay.orchestrator.shopping import ShoppingState

Stage = Literal[
    "discovery", "browsing", "consideration", "negotiation", "checkout", "completed", "abandoned"
]
Status = Literal["active", "handoff", "completed", "abandoned"]
SessionId = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:@-]+$")]


class ConversationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent_id: UUID | None = None  # required with a secret key; implied by a publishable key
    session_id: SessionId | None = None
    customer: Annotated[dict[str, Any], AfterValidator(check_json_size)] = Field(
        default_factory=dict
    )


class ConversationOut(BaseModel):
    id: UUID
    organization_id: UUID
    agent_id: UUID
    session_id: str
    status: Status
    stage: Stage
    customer: dict[str, Any]
    context: dict[str, Any]
    negotiation_history: list[Any]
    hesitation_signals: list[Any]
    message_count: int
    last_message_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ConversationCreated(BaseModel):
    conversation: ConversationOut
    token: str
    token_expires_at: datetime


class MessageCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The length limit is configurable, so it is checked in the service, not here.
    content: str
    client_message_id: Annotated[str, Field(min_length=1, max_length=128)] | None = None


class MessageOut(BaseModel):
    id: UUID
    conversation_id: UUID
    seq: int
    role: Literal["user", "assistant", "system", "tool"]
    content: str
    intent: str | None
    intent_confidence: float | None
    intent_source: str | None
    entities: list[Any]
    tool_calls: list[Any]
    usage: dict[str, Any]
    client_message_id: str | None
    reply_to: UUID | None
    created_at: datetime


class MessageExchange(BaseModel):
    """What a send returns: the shopper's message, the agent's reply, the new state."""

    message: MessageOut
    reply: MessageOut
    conversation: ConversationOut
    replayed: bool = False
    # what the reply shows (product cards) and the cart after this turn
    products: list[dict[str, Any]] = Field(default_factory=list)
    cart: dict[str, Any] = Field(default_factory=dict)
    # what the shopper is looking for after this turn, for a storefront to show as filters
    state: ShoppingState = Field(default_factory=ShoppingState)


class MessageList(BaseModel):
    data: list[MessageOut]
    next_after_seq: int | None = None
