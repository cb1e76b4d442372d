"""HTTP for conversations and messages: translate requests to service calls."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from agentpay.api.auth import AnyPrincipal, OperatorPrincipal, operator_not_allowed
from agentpay.api.deps import ConnDep, SettingsDep
from agentpay.api.errors import COMMON_ERRORS, error_responses
from agentpay.conversations import detail, service
from agentpay.conversations.schemas import (
    ConversationCreate,
    ConversationCreated,
    ConversationDetail,
    ConversationList,
    ListStatus,
    MessageCreate,
    MessageExchange,
    MessageList,
    SessionId,
)
from agentpay.kit.errors import Forbidden, InvalidInput, NotFound

router = APIRouter(prefix="/v1/agent/conversations", tags=["conversations"],
                   responses={**COMMON_ERRORS, **error_responses(409)})


@router.post("", status_code=201, response_model=ConversationCreated, responses={
    200: {"model": ConversationCreated,
          "description": "An existing conversation resumed (secret key, known session_id)"}})
def create_conversation(body: ConversationCreate, principal: AnyPrincipal, conn: ConnDep,
                        settings: SettingsDep, request: Request, response: Response):
    if principal.kind == "operator":
        raise operator_not_allowed()
    if principal.kind == "conversation":
        raise Forbidden("a conversation token cannot start conversations",
                        code="secret_key_required")
    if principal.kind == "agent":
        if body.agent_id is not None and body.agent_id != principal.agent_id:
            raise NotFound("agent not found", code="agent_not_found")
        agent_id = principal.agent_id
    elif body.agent_id is None:
        raise InvalidInput("agent_id is required with a secret key", code="agent_id_required")
    else:
        agent_id = body.agent_id
    # the client address is API Gateway's sourceIp (Mangum's client), never a header
    service.admit_new_conversation(conn, agent_id,
                                   request.client.host if request.client else None,
                                   settings, browser=principal.kind == "agent")
    with conn.transaction():
        conversation, token, expires, created = service.create_conversation(
            conn, principal.organization_id, agent_id, body, settings,
            may_resume=principal.kind == "organization", browser=principal.kind == "agent",
        )
    if not created:
        response.status_code = 200
    return {"conversation": conversation, "token": token, "token_expires_at": expires}


@router.get("", response_model=ConversationList)
def list_conversations(principal: OperatorPrincipal, conn: ConnDep,
                       status: ListStatus | None = None,
                       q: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
                       agent_id: UUID | None = None,
                       limit: Annotated[int, Query(ge=1, le=100)] = 25,
                       cursor: Annotated[str | None, Query(max_length=400)] = None):
    """The store's conversations, those waiting for a person first (handed over, not
    taken over by anyone on the team, the last word not the team's), then the most
    recently active. ``q`` finds a session id or a
    message's text (case-insensitive substring); ``status=waiting`` lists only those
    waiting for a person. Pass ``next_cursor`` back as ``cursor`` for the next page."""
    rows, next_cursor = service.list_conversations(
        conn, principal.organization_id, status=status, q=q, agent_id=agent_id,
        limit=limit, cursor=cursor)
    return {"data": rows, "next_cursor": next_cursor}


@router.get("/session/{session_id}", response_model=ConversationDetail)
def get_conversation_by_session(session_id: SessionId, principal: OperatorPrincipal, conn: ConnDep,
                                agent_id: UUID | None = None):
    """The conversation with this session id, as ``GET /{conversation_id}`` shows it."""
    conversation = service.get_by_session(conn, principal.organization_id, session_id,
                                          agent_id)
    return detail.describe(conn, principal.organization_id, conversation)


@router.get("/{conversation_id}", response_model=ConversationDetail)
def get_conversation(conversation_id: UUID, principal: AnyPrincipal, conn: ConnDep):
    """The conversation, with the products it named (`products`: name, price, picture of
    each `external_id` in its messages' tool calls and in its state), its `cart`, the
    `offers` made and the `checkout` link sent, all of this store."""
    principal.require_conversation(conversation_id, operator_may=True)
    conversation = service.get_conversation(conn, principal.organization_id, conversation_id)
    return detail.describe(conn, principal.organization_id, conversation)


@router.post("/{conversation_id}/messages", status_code=201, response_model=MessageExchange,
             responses={200: {"model": MessageExchange,
                              "description": "A replay (an earlier client_message_id)"}})
def send_message(conversation_id: UUID, body: MessageCreate, principal: AnyPrincipal,
                 conn: ConnDep, settings: SettingsDep, response: Response):
    principal.require_conversation(conversation_id)
    # the turn runs its own two short transactions: none may be open around a model call
    exchange = service.send_message(conn, principal.organization_id, conversation_id, body,
                                    settings)
    if exchange["replayed"]:
        response.status_code = 200
    else:
        _tell_dashboards(conn, settings, principal.organization_id, exchange)
    return exchange


def _tell_dashboards(conn, settings, organization_id: UUID, exchange: dict) -> None:
    """The store's open dashboards see a message sent over HTTP as one sent over the
    WebSocket (the socket path tells them itself)."""
    from agentpay.handoff.tabs import tell_tabs
    from agentpay.realtime.service import activity

    conversation = exchange["conversation"]
    said = [exchange["message"]] + ([exchange["reply"]] if exchange["reply"] else [])
    tell_tabs(conn, settings, organization_id, conversation["id"], None,
              [activity(conversation, message) for message in said])


@router.get("/{conversation_id}/messages", response_model=MessageList)
def list_messages(conversation_id: UUID, principal: AnyPrincipal, conn: ConnDep,
                  limit: Annotated[int, Query(ge=1, le=200)] = 50,
                  after_seq: Annotated[int, Query(ge=0)] = 0):
    principal.require_conversation(conversation_id, operator_may=True)
    rows, next_after = service.list_messages(
        conn, principal.organization_id, conversation_id, after_seq, limit
    )
    return {"data": rows, "next_after_seq": next_after}
