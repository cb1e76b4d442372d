"""Operator tokens: what the dashboard holds instead of the secret key. The caller owns
the transaction.

Why a token of its own: a browser tab must never hold the organization's secret key
(it can change products, keys and settings, and does not expire). An operator token
lives ``operator_token_minutes`` (8 hours by default), dies with the key that issued it,
and is accepted only by what a person at the dashboard does: read conversations, take
one over, reply, release, read the analytics (see ``agentpay.api.auth``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg

from agentpay.kit.errors import Unauthorized
from agentpay.kit.tokens import OPERATOR_TOKEN_PREFIX, hash_token, new_token
from agentpay.operators import repository

SCOPES = ("conversations:read", "conversations:reply", "conversations:handoff",
          "analytics:read")


def issue(conn: psycopg.Connection, organization_id: UUID, key_id: UUID,
          minutes: int) -> dict[str, Any]:
    token = new_token(OPERATOR_TOKEN_PREFIX)
    expires = datetime.now(UTC) + timedelta(minutes=minutes)
    repository.prune(conn, organization_id)
    row = repository.insert(conn, organization_id, key_id, hash_token(token), expires)
    return {"token": token, "token_expires_at": row["expires_at"], "scopes": list(SCOPES)}


def sign_out(conn: psycopg.Connection, organization_id: UUID, token_id: UUID) -> None:
    """The token stops at once; its dashboards hear nothing more, and the caller closes
    them after the commit (``handoff.tabs.close_ended_dashboards``)."""
    repository.revoke(conn, organization_id, token_id)


def check_operator_token(row: dict[str, Any]) -> None:
    if row["expired"]:
        raise Unauthorized("the operator token has expired; sign in again",
                           code="token_expired")
