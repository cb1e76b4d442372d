"""WebSocket behaviour: authenticate on connect, forget on disconnect, act on frames.

Frames are JSON objects with an `action`: `ping` → `pong`; `typing` → relayed to the
conversation's other connections; `message` → the same send path as HTTP, with the reply
delivered to every connection of the conversation.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentpay.config import Settings
from agentpay.conversations import repository as conversations_repo
from agentpay.conversations import service as conversations
from agentpay.conversations.schemas import MessageCreate, MessageOut
from agentpay.db import Database
from agentpay.kit.errors import AppError
from agentpay.kit.tokens import CONVERSATION_TOKEN_PREFIX, hash_token
from agentpay.realtime import repository
from agentpay.realtime.broadcast import Broadcaster

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    status_code: int
    body: str = ""


class Frame(BaseModel):
    model_config = ConfigDict(extra="allow")

    action: str = Field(min_length=1, max_length=32)


class MessageFrame(BaseModel):
    model_config = ConfigDict(extra="ignore")

    action: str
    content: str
    client_message_id: str | None = Field(default=None, min_length=1, max_length=128)


def connect(db: Database, connection_id: str, token: str | None) -> Outcome:
    """Record the connection if the conversation token is valid; never post here."""
    if not token or not token.startswith(CONVERSATION_TOKEN_PREFIX) or len(token) > 200:
        return Outcome(401, "missing or invalid token")
    with db.transaction() as conn:
        conversation = conversations_repo.find_by_token_hash(conn, hash_token(token))
        if conversation is None:
            return Outcome(401, "missing or invalid token")
        repository.insert(conn, connection_id, conversation["organization_id"],
                          conversation["id"])
    return Outcome(200)


def disconnect(db: Database, connection_id: str) -> Outcome:
    with db.transaction() as conn:
        repository.delete(conn, connection_id)
    return Outcome(200)


def _error(code: str, message: str) -> dict:
    return {"type": "error", "error": {"code": code, "message": message}}


def handle_frame(db: Database, broadcaster: Broadcaster, settings: Settings,
                 connection_id: str, body: str | None) -> Outcome:
    with db.connection() as conn:
        connection = repository.get(conn, connection_id)
    if connection is None:
        return Outcome(410, "unknown connection")
    org_id, conversation_id = connection["organization_id"], connection["conversation_id"]
    try:
        raw: Any = json.loads(body or "")
        frame = Frame.model_validate(raw)
    except (ValueError, ValidationError):
        broadcaster.send(connection_id, _error("invalid_frame",
                                               "frames are JSON objects with an action"))
        return Outcome(200)

    if frame.action == "ping":
        broadcaster.send(connection_id, {"type": "pong"})
    elif frame.action == "typing":
        with db.connection() as conn:
            others = [c for c in repository.for_conversation(conn, org_id, conversation_id)
                      if c != connection_id]
        broadcaster.send_all(others, {"type": "typing"})
    elif frame.action == "message":
        _message(db, broadcaster, settings, connection_id, org_id, conversation_id, raw)
    else:
        broadcaster.send(connection_id, _error("unknown_action",
                                               f"unknown action {frame.action!r}"))
    return Outcome(200)


def _message(db: Database, broadcaster: Broadcaster, settings: Settings, connection_id: str,
             org_id, conversation_id, raw: dict) -> None:
    try:
        frame = MessageFrame.model_validate(raw)
    except ValidationError:
        broadcaster.send(connection_id, _error("validation_error",
                                               "a message frame needs a string content"))
        return
    try:
        conversations.validate_content(frame.content, settings)
    except AppError as exc:
        broadcaster.send(connection_id, _error(exc.code, exc.message))
        return
    with db.connection() as conn:
        targets = repository.for_conversation(conn, org_id, conversation_id)
    broadcaster.send_all(targets, {"type": "agent_typing"})
    try:
        with db.transaction() as conn:
            exchange = conversations.send_message(
                conn, org_id, conversation_id,
                MessageCreate(content=frame.content, client_message_id=frame.client_message_id),
                settings,
            )
    except AppError as exc:
        broadcaster.send(connection_id, _error(exc.code, exc.message))
        return
    for key, kind in (("message", "user_message"), ("reply", "agent_message")):
        payload = MessageOut.model_validate(exchange[key]).model_dump(mode="json")
        broadcaster.send_all(targets, {"type": kind, "message": payload})
