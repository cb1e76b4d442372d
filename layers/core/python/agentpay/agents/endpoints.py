"""HTTP for agents: translate requests to service calls, nothing more."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from agentpay.agents import service
from agentpay.agents.schemas import (
    AgentCreate,
    AgentList,
    AgentOut,
    AgentUpdate,
    PublishableKeyRotate,
)
from agentpay.api.auth import OrgPrincipal
from agentpay.api.deps import ConnDep
from agentpay.api.errors import COMMON_ERRORS

router = APIRouter(prefix="/v1/agent/agents", tags=["agents"], responses=COMMON_ERRORS)


@router.post("", status_code=201, response_model=AgentOut)
def create_agent(body: AgentCreate, principal: OrgPrincipal, conn: ConnDep):
    with conn.transaction():
        return service.create_agent(conn, principal.organization_id, body)


@router.get("", response_model=AgentList)
def list_agents(principal: OrgPrincipal, conn: ConnDep,
                limit: Annotated[int, Query(ge=1, le=100)] = 20,
                cursor: Annotated[str | None, Query(max_length=200)] = None):
    rows, next_cursor = service.list_agents(conn, principal.organization_id, limit, cursor)
    return {"data": rows, "next_cursor": next_cursor}


@router.get("/{agent_id}", response_model=AgentOut)
def get_agent(agent_id: UUID, principal: OrgPrincipal, conn: ConnDep):
    return service.get_agent(conn, principal.organization_id, agent_id)


@router.patch("/{agent_id}", response_model=AgentOut)
def update_agent(agent_id: UUID, body: AgentUpdate, principal: OrgPrincipal, conn: ConnDep):
    with conn.transaction():
        return service.update_agent(conn, principal.organization_id, agent_id, body)


@router.delete("/{agent_id}", status_code=204)
def delete_agent(agent_id: UUID, principal: OrgPrincipal, conn: ConnDep) -> Response:
    with conn.transaction():
        service.delete_agent(conn, principal.organization_id, agent_id)
    return Response(status_code=204)


@router.post("/{agent_id}/publishable-key/rotate", response_model=AgentOut)
def rotate_publishable_key(agent_id: UUID, principal: OrgPrincipal, conn: ConnDep,
                           body: PublishableKeyRotate | None = None):
    """A new publishable key for the agent; the old one stops starting conversations at
    once or after `overlap_minutes`."""
    body = body or PublishableKeyRotate()
    with conn.transaction():
        return service.rotate_publishable_key(conn, principal.organization_id, agent_id,
                                              body.overlap_minutes)


@router.delete("/{agent_id}/publishable-key/previous", status_code=204)
def revoke_previous_publishable_key(agent_id: UUID, principal: OrgPrincipal,
                                    conn: ConnDep) -> Response:
    """End a rotation's overlap now: the replaced publishable key stops working."""
    with conn.transaction():
        service.revoke_previous_publishable_key(conn, principal.organization_id, agent_id)
    return Response(status_code=204)
