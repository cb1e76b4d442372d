"""Secret-key rules: how many, rotation with an optional overlap, revocation. The caller
owns the transaction.

Why rotation takes an overlap: a store's backends pick a new key up one by one, so the
old key may keep working for up to a week (``overlap_minutes``); 0, the default, stops it
at once, which is what a leaked key needs. Why the last working key cannot be revoked:
the API could then never be called again (only ``agentpay org create`` would help);
rotate it, or create another key first.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg

from agentpay.keys import repository
from agentpay.kit.errors import Conflict, NotFound, Unauthorized
from agentpay.organizations.service import issue_api_key

MAX_WORKING_KEYS = 20


def _out(row: dict[str, Any], current_key_id: UUID | None) -> dict[str, Any]:
    return {**row, "current": row["id"] == current_key_id}


def list_keys(conn: psycopg.Connection, organization_id: UUID,
              current_key_id: UUID | None) -> list[dict[str, Any]]:
    return [_out(row, current_key_id) for row in repository.list_keys(conn, organization_id)]


def create_key(conn: psycopg.Connection, organization_id: UUID, name: str,
               current_key_id: UUID | None) -> dict[str, Any]:
    working = repository.lock_keys(conn, organization_id)
    if len(working) >= MAX_WORKING_KEYS:
        raise Conflict(f"an organization has at most {MAX_WORKING_KEYS} working keys; "
                       "revoke one first", code="too_many_keys")
    issued = issue_api_key(conn, organization_id, name)
    row = repository.get_key(conn, organization_id, issued.id)
    return {**_out(row, current_key_id), "secret": issued.secret}


def _missing_or_spent(conn: psycopg.Connection, organization_id: UUID,
                      key_id: UUID) -> Exception:
    if repository.get_key(conn, organization_id, key_id) is None:
        return NotFound("key not found", code="key_not_found")
    return Conflict("this key no longer works (revoked or expired)", code="key_inactive")


def rotate_key(conn: psycopg.Connection, organization_id: UUID, key_id: UUID,
               overlap_minutes: int, current_key_id: UUID | None) -> dict[str, Any]:
    """A new key with the old one's name; the old one revoked now or after the overlap."""
    working = {row["id"]: row for row in repository.lock_keys(conn, organization_id)}
    old = working.get(key_id)
    if old is None:
        raise _missing_or_spent(conn, organization_id, key_id)
    if old["status"] == "expiring":
        raise Conflict("this key was already rotated; rotate its replacement instead",
                       code="key_already_rotated")
    issued = issue_api_key(conn, organization_id, old["name"])
    replaced = repository.retire_key(conn, organization_id, key_id, issued.id,
                                     overlap_minutes)
    new = repository.get_key(conn, organization_id, issued.id)
    return {"key": {**_out(new, current_key_id), "secret": issued.secret},
            "replaced": _out(replaced, current_key_id)}


def revoke_key(conn: psycopg.Connection, organization_id: UUID, key_id: UUID) -> None:
    """Stops the key at once (during a rotation's overlap too). Revoking a revoked key
    changes nothing."""
    working = repository.lock_keys(conn, organization_id)
    if any(row["id"] == key_id for row in working):
        lasting = [row for row in working if row["id"] != key_id and row["status"] == "active"]
        if not lasting:
            raise Conflict("the organization's last lasting key cannot be revoked; create "
                           "or rotate to a new key first", code="last_active_key")
    if repository.revoke_key(conn, organization_id, key_id) is None \
            and repository.get_key(conn, organization_id, key_id) is None:
        raise NotFound("key not found", code="key_not_found")


def check_conversation_token(conv: dict[str, Any]) -> None:
    """A known conversation token (``repository.find_conversation_token``) may be used
    only before its expiry, and only while its agent is active and not deleted; the same
    rule for HTTP calls, the WebSocket's connect and each of its frames."""
    if conv["expired"]:
        raise Unauthorized("the conversation token has expired; start or resume the "
                           "conversation for a new one", code="token_expired")
    if not conv["agent_active"]:
        raise Conflict("this conversation's agent is not active", code="agent_inactive")
