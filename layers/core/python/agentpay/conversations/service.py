"""Conversation rules: tokens, idempotent sends, one transaction per exchange.

Services never commit; the caller (endpoint, handler, CLI) owns the transaction.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from uuid import UUID

import psycopg

from agentpay.agents import repository as agents_repo
from agentpay.config import Settings
from agentpay.conversations import repository
from agentpay.conversations.responder import get_responder
from agentpay.conversations.schemas import ConversationCreate, MessageCreate
from agentpay.kit.errors import Conflict, InvalidInput, NotFound
from agentpay.kit.tokens import CONVERSATION_TOKEN_PREFIX, hash_token, new_token

HISTORY_WINDOW = 20
CLOSED = {"completed", "abandoned"}


def _new_token(ttl_seconds: int) -> tuple[str, str, datetime]:
    token = new_token(CONVERSATION_TOKEN_PREFIX)
    return token, hash_token(token), datetime.now(UTC) + timedelta(seconds=ttl_seconds)


def create_conversation(conn: psycopg.Connection, organization_id: UUID, agent_id: UUID,
                        data: ConversationCreate, settings: Settings,
                        *, may_resume: bool) -> tuple[dict, str, datetime, bool]:
    """Start a conversation; returns (conversation, token, expiry, created).

    A session id already in use resumes that conversation with a fresh token only when
    the caller may resume (a secret key); a browser's publishable key gets a conflict, so
    knowing someone's session id never yields their conversation.
    """
    agent = agents_repo.get(conn, organization_id, agent_id)
    if agent is None:
        raise NotFound("agent not found", code="agent_not_found")
    if not agent["is_active"]:
        raise Conflict("agent is not active", code="agent_inactive")
    session_id = data.session_id or f"s_{uuid.uuid4().hex}"
    token, token_hash, expires = _new_token(settings.conversation_token_ttl_seconds)
    conversation = repository.insert_conversation(
        conn, organization_id, agent_id, session_id, data.customer, token_hash, expires
    )
    if conversation is not None:
        return conversation, token, expires, True
    if not may_resume:
        raise Conflict("a conversation with this session id exists", code="session_exists")
    existing = repository.find_by_session(conn, organization_id, session_id, agent_id)
    if existing is None:  # deleted between the insert and the read
        raise Conflict("a conversation with this session id exists", code="session_exists")
    repository.rotate_token(conn, organization_id, existing["id"], token_hash, expires)
    return existing, token, expires, False


def get_conversation(conn: psycopg.Connection, organization_id: UUID,
                     conversation_id: UUID) -> dict:
    conversation = repository.get_conversation(conn, organization_id, conversation_id)
    if conversation is None:
        raise NotFound("conversation not found", code="conversation_not_found")
    return conversation


def get_by_session(conn: psycopg.Connection, organization_id: UUID, session_id: str,
                   agent_id: UUID | None) -> dict:
    conversation = repository.find_by_session(conn, organization_id, session_id, agent_id)
    if conversation is None:
        raise NotFound("conversation not found", code="conversation_not_found")
    return conversation


def validate_content(content: str, settings: Settings) -> str:
    if "\x00" in content:
        raise InvalidInput("content must not contain NUL characters", code="invalid_content")
    text = content.strip()
    if not text:
        raise InvalidInput("content must not be empty", code="empty_content")
    if len(text) > settings.max_message_chars:
        raise InvalidInput(
            f"content is longer than {settings.max_message_chars} characters",
            code="content_too_long",
        )
    return text


def send_message(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
                 data: MessageCreate, settings: Settings) -> dict:
    """Store the shopper's message and the agent's reply together, or replay a retry."""
    content = validate_content(data.content, settings)
    conversation = repository.get_conversation(
        conn, organization_id, conversation_id, for_update=True
    )
    if conversation is None:
        raise NotFound("conversation not found", code="conversation_not_found")
    if data.client_message_id:
        earlier = repository.find_by_client_id(
            conn, organization_id, conversation_id, data.client_message_id
        )
        if earlier is not None:
            if earlier["content"] != content:
                raise Conflict(
                    "client_message_id was already used for a different message",
                    code="idempotency_key_reused",
                )
            reply = repository.find_reply(conn, organization_id, earlier["id"])
            return {"message": earlier, "reply": reply, "conversation": conversation,
                    "replayed": True}
    if conversation["status"] in CLOSED:
        raise Conflict(f"conversation is {conversation['status']}", code="conversation_closed")
    agent = agents_repo.get(conn, organization_id, conversation["agent_id"])
    if agent is None:
        raise NotFound("conversation not found", code="conversation_not_found")

    history = repository.recent_messages(conn, organization_id, conversation_id, HISTORY_WINDOW)
    reply = get_responder().respond(agent, conversation, history, content)

    seq = conversation["message_count"]
    message = repository.insert_message(
        conn, organization_id, conversation_id, seq + 1, "user", content,
        client_message_id=data.client_message_id, intent=reply.intent,
        intent_confidence=reply.intent_confidence, intent_source=reply.intent_source,
        entities=reply.entities,
    )
    answer = repository.insert_message(
        conn, organization_id, conversation_id, seq + 2, "assistant", reply.content,
        reply_to=message["id"], tool_calls=reply.tool_calls, usage=reply.usage,
    )
    conversation = repository.record_exchange(
        conn, organization_id, conversation_id, 2, reply.stage
    )
    return {"message": message, "reply": answer, "conversation": conversation, "replayed": False}


def list_messages(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
                  after_seq: int, limit: int) -> tuple[list[dict], int | None]:
    get_conversation(conn, organization_id, conversation_id)
    rows = repository.list_messages(conn, organization_id, conversation_id, after_seq, limit + 1)
    page = rows[:limit]
    return page, (page[-1]["seq"] if len(rows) > limit else None)
