"""Operator messages and release at the API edge."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from agentpay.conversations.schemas import ConversationOut, MessageOut


class OperatorMessageCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The length limit is configurable (AGENTPAY_MAX_MESSAGE_CHARS): checked in the service.
    content: str
    client_message_id: Annotated[str, Field(min_length=1, max_length=128)] | None = Field(
        default=None, description="the operator's id for this message: a retry with the "
                                  "same id and content returns the first one")


class OperatorMessageOut(BaseModel):
    message: MessageOut
    conversation: ConversationOut
    replayed: bool = False
    delivered_to: int = Field(0, description="open shopper tabs the message was posted to")


class ReleaseOut(BaseModel):
    conversation: ConversationOut
    released: bool = Field(description="false when the agent already held the conversation")


class TakeOverOut(BaseModel):
    conversation: ConversationOut
    taken: bool = Field(description="false when a person already held the conversation")
