"""Agent rules of the road. The caller owns the transaction."""

from __future__ import annotations

from uuid import UUID

import psycopg

from agentpay.agents import repository
from agentpay.agents.schemas import AgentCreate, AgentUpdate
from agentpay.kit.errors import NotFound
from agentpay.kit.pagination import decode_cursor, encode_cursor
from agentpay.kit.tokens import PUBLISHABLE_KEY_PREFIX, new_token

# Only these columns may be changed through PATCH; the schema forbids anything else.
_UPDATABLE = {"name", "description", "personality", "tools", "rules", "config", "is_active"}


def create_agent(conn: psycopg.Connection, organization_id: UUID, data: AgentCreate) -> dict:
    return repository.insert(
        conn, organization_id, new_token(PUBLISHABLE_KEY_PREFIX), data.model_dump()
    )


def get_agent(conn: psycopg.Connection, organization_id: UUID, agent_id: UUID) -> dict:
    agent = repository.get(conn, organization_id, agent_id)
    if agent is None:
        raise NotFound("agent not found", code="agent_not_found")
    return agent


def list_agents(conn: psycopg.Connection, organization_id: UUID, limit: int,
                cursor: str | None) -> tuple[list[dict], str | None]:
    rows = repository.list_page(conn, organization_id, limit + 1, decode_cursor(cursor))
    page, more = rows[:limit], len(rows) > limit
    next_cursor = encode_cursor(page[-1]["created_at"], page[-1]["id"]) if more else None
    return page, next_cursor


def update_agent(conn: psycopg.Connection, organization_id: UUID, agent_id: UUID,
                 data: AgentUpdate) -> dict:
    changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if k in _UPDATABLE}
    # Explicit nulls on non-nullable columns mean "leave as is".
    changes = {k: v for k, v in changes.items() if v is not None or k == "description"}
    agent = repository.update(conn, organization_id, agent_id, changes)
    if agent is None:
        raise NotFound("agent not found", code="agent_not_found")
    return agent


def delete_agent(conn: psycopg.Connection, organization_id: UUID, agent_id: UUID) -> None:
    if not repository.soft_delete(conn, organization_id, agent_id):
        raise NotFound("agent not found", code="agent_not_found")


def rotate_publishable_key(conn: psycopg.Connection, organization_id: UUID, agent_id: UUID,
                           overlap_minutes: int) -> dict:
    """The agent with a new publishable key (the widget's ``data-agent-key``); the key it
    replaces stops at once or after ``overlap_minutes``. Conversations already started
    keep their tokens."""
    agent = repository.rotate_publishable_key(conn, organization_id, agent_id,
                                              new_token(PUBLISHABLE_KEY_PREFIX),
                                              overlap_minutes)
    if agent is None:
        raise NotFound("agent not found", code="agent_not_found")
    return agent


def revoke_previous_publishable_key(conn: psycopg.Connection, organization_id: UUID,
                                    agent_id: UUID) -> None:
    if repository.revoke_previous_publishable_key(conn, organization_id, agent_id) is None:
        raise NotFound("agent not found", code="agent_not_found")
