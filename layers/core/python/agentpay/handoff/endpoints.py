"""HTTP for a person on the store's team: take a conversation over, reply into it, hand it
back. The secret key or an operator token (the dashboard) may do all three."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from agentpay.api.auth import OperatorPrincipal
from agentpay.api.deps import ConnDep, SettingsDep
from agentpay.api.errors import COMMON_ERRORS, error_responses
from agentpay.conversations.schemas import MessageOut
from agentpay.handoff import service, tabs
from agentpay.handoff.schemas import (
    OperatorMessageCreate,
    OperatorMessageOut,
    ReleaseOut,
    TakeOverOut,
)
from agentpay.realtime.service import activity

router = APIRouter(prefix="/v1/agent/conversations", tags=["handoff"],
                   responses={**COMMON_ERRORS, **error_responses(409)})


@router.post("/{conversation_id}/operator-messages", status_code=201,
             response_model=OperatorMessageOut,
             responses={200: {"model": OperatorMessageOut,
                              "description": "A replay (an earlier client_message_id)"}})
def post_operator_message(conversation_id: UUID, body: OperatorMessageCreate,
                          principal: OperatorPrincipal, conn: ConnDep, settings: SettingsDep,
                          response: Response):
    """A person's reply, shown to the shopper in every open tab. The conversation is held
    by a person from now on: the agent does not answer until it is released."""
    with conn.transaction():
        message, conversation, replayed = service.post_operator_message(
            conn, principal.organization_id, conversation_id, body, settings)
    if replayed:
        response.status_code = 200
    frame = {"type": "operator_message",
             "message": MessageOut.model_validate(message).model_dump(mode="json"),
             "status": conversation["status"]}
    delivered = tabs.tell_tabs(conn, settings, principal.organization_id, conversation_id,
                               frame, None if replayed else activity(conversation, message))
    return {"message": message, "conversation": conversation, "replayed": replayed,
            "delivered_to": delivered}


@router.post("/{conversation_id}/release", response_model=ReleaseOut)
def release(conversation_id: UUID, principal: OperatorPrincipal, conn: ConnDep,
            settings: SettingsDep):
    """Hand the conversation back to the agent; its history and state are kept."""
    with conn.transaction():
        conversation, released = service.release(conn, principal.organization_id,
                                                 conversation_id, settings)
    if released:
        _tell_status(conn, settings, principal.organization_id, conversation_id, conversation)
    return {"conversation": conversation, "released": released}


@router.post("/{conversation_id}/takeover", response_model=TakeOverOut)
def take_over(conversation_id: UUID, principal: OperatorPrincipal, conn: ConnDep,
              settings: SettingsDep):
    """A person holds the conversation from now on, before writing anything: the agent
    stops answering (the shopper's messages wait for the team) until it is released."""
    with conn.transaction():
        conversation, taken = service.take_over(conn, principal.organization_id,
                                                conversation_id, settings)
    if taken:
        _tell_status(conn, settings, principal.organization_id, conversation_id, conversation)
    return {"conversation": conversation, "taken": taken}


def _tell_status(conn, settings, organization_id: UUID, conversation_id: UUID,
                 conversation: dict) -> None:
    """Every open tab (shopper and dashboards) hears who holds the conversation now."""
    tabs.tell_tabs(conn, settings, organization_id, conversation_id,
                   {"type": "conversation_status", "status": conversation["status"]},
                   activity(conversation, None))
