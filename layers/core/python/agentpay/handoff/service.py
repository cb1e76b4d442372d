"""The rules of a held conversation. The caller owns the transaction, except that the
turn's claim (conversations.service) records a held shopper message in its own.

- The agent's turn that hands over (the ``handoff_to_human`` tool) writes a
  ``conversation.handoff`` outbox row in the same statement as its save (``turns``).
- An operator's message holds the conversation for a person (status ``handoff``); a turn
  in flight makes it wait (409 ``conversation_busy``), a closed conversation refuses it.
- While held, a shopper's message is recorded with no reply: the agent's handoff reply
  was its one acknowledgement.
- An operator may take a conversation over with no message (the dashboard's "take
  over"): the agent stops answering at once, as after a reply.
- Release hands it back to the agent with the history intact.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg

from agentpay.config import Settings
from agentpay.conversations import repository as conversations_repo
from agentpay.conversations.service import CLOSED, ConversationBusy, validate_content
from agentpay.handoff import repository
from agentpay.handoff.schemas import OperatorMessageCreate
from agentpay.kit.errors import Conflict, InvalidInput, NotFound


def _locked(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
            client_message_id: str | None, settings: Settings) -> dict:
    try:
        row = repository.lock(conn, organization_id, conversation_id, client_message_id,
                              settings.turn_lock_timeout_ms)
    except psycopg.errors.LockNotAvailable:
        raise ConversationBusy() from None
    if row is None:
        raise NotFound("conversation not found", code="conversation_not_found")
    return row


def _open(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
          settings: Settings) -> dict:
    """The conversation's row, locked, for a take-over or a release: 409 when closed."""
    row = _locked(conn, organization_id, conversation_id, None, settings)
    row.pop("earlier")
    if row["status"] in CLOSED:
        raise Conflict(f"conversation is {row['status']}", code="conversation_closed")
    return row


def _public(row: dict) -> dict:
    """The conversation as answered: the row without its turn bookkeeping."""
    return {k: row[k] for k in row if k not in ("turn_id", "turn_message_id", "turn_live")}


def _no_turn_in_flight(conn: psycopg.Connection, organization_id: UUID, row: dict) -> None:
    """A reply being written is not overwritten by a person (409, retry in a second); a
    turn whose lease expired (its function was stopped) is cleared, as a turn would."""
    if row["turn_id"] is None:
        return
    if row["turn_live"]:
        raise ConversationBusy()
    conversations_repo.drop_turn(conn, organization_id, row["id"], row["turn_id"],
                                 row["turn_message_id"])


def post_operator_message(conn: psycopg.Connection, organization_id: UUID,
                          conversation_id: UUID, data: OperatorMessageCreate,
                          settings: Settings) -> tuple[dict, dict, bool]:
    """(message, conversation, replayed). Run inside a transaction."""
    content = validate_content(data.content, settings)
    if data.client_message_id is not None and "\x00" in data.client_message_id:
        raise InvalidInput("client_message_id must be plain text",
                           code="invalid_client_message_id")
    row = _locked(conn, organization_id, conversation_id, data.client_message_id, settings)
    earlier = row.pop("earlier")
    if earlier is not None:
        if earlier["role"] != "operator" or earlier["content"] != content:
            raise Conflict("client_message_id was already used for a different message",
                           code="idempotency_key_reused")
        return repository.revive_message(earlier), _public(row), True
    if row["status"] in CLOSED:
        raise Conflict(f"conversation is {row['status']}", code="conversation_closed")
    _no_turn_in_flight(conn, organization_id, row)
    now = datetime.now(UTC).isoformat()
    handoff: dict[str, Any] = {"operator_replied_at": now}
    if row["status"] != "handoff":
        handoff.update({"reason": "an operator took over", "at": now})
    message, conversation = repository.add_operator_message(
        conn, organization_id, conversation_id, content, data.client_message_id, handoff)
    return message, conversation, False


def take_over(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
              settings: Settings) -> tuple[dict, bool]:
    """(conversation, taken). A person on the team takes the conversation: one the agent
    holds is held by a person from now on (the agent stops answering at once); one the
    agent handed over is marked taken (``context.handoff.taken_at``), so it no longer
    waits for a person in the dashboard's list. Taking over a conversation already taken
    changes nothing, so a retried take-over answers the same. Run inside a transaction."""
    row = _open(conn, organization_id, conversation_id, settings)
    conversation = _public(row)
    handoff = (row.get("context") or {}).get("handoff") or {}
    if row["status"] == "handoff" and handoff.get("taken_at"):
        return conversation, False
    _no_turn_in_flight(conn, organization_id, row)
    now = datetime.now(UTC).isoformat()
    taken = {"taken_at": now} if row["status"] == "handoff" else {
        "reason": "an operator took over", "at": now, "taken_at": now}
    return repository.take_over(conn, organization_id, conversation_id, taken), True


def release(conn: psycopg.Connection, organization_id: UUID, conversation_id: UUID,
            settings: Settings) -> tuple[dict, bool]:
    """(conversation, released). Releasing a conversation the agent holds changes nothing,
    so a retried release answers the same. Run inside a transaction."""
    row = _open(conn, organization_id, conversation_id, settings)
    conversation = _public(row)
    if row["status"] != "handoff":
        return conversation, False
    _no_turn_in_flight(conn, organization_id, row)
    released = repository.release(conn, organization_id, conversation_id,
                                  {"released_at": datetime.now(UTC).isoformat()})
    return released, True
