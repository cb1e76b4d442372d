"""Who is calling: an organization (secret key), an agent's widget (publishable key),
one conversation (its token), or a person at the dashboard (an operator token, issued for
the secret key by ``POST /v1/agent/operator-tokens``). All travel as `Authorization: Bearer ...`.

Anything that belongs to another organization, or to another conversation, is reported
as not found, so ids never leak.

Checked on every call, so a change takes effect at the next request: a secret key must
be neither revoked nor past a rotation's overlap; a publishable key must be its agent's
current key (or the one it replaced, during the overlap) and the agent active; a
conversation token must not have expired (401 ``token_expired``) and its agent must still
be active and not deleted (409 ``agent_inactive``: a deactivated agent's conversations
stop at once, and go on if it is switched back on). An operator token must not have
expired (401 ``token_expired``) nor been signed out, and the key that issued it must still
work: it is accepted only where ``OperatorPrincipal`` (or ``operator_may``) says so, and
refused with 403 ``operator_token_not_allowed`` everywhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Literal
from uuid import UUID

from fastapi import Depends, Request

from agentpay.agents import repository as agents_repo
from agentpay.api.deps import ConnDep
from agentpay.keys import repository as keys_repo
from agentpay.keys.service import check_conversation_token
from agentpay.kit.errors import Forbidden, NotFound, Unauthorized
from agentpay.kit.tokens import (
    CONVERSATION_TOKEN_PREFIX,
    OPERATOR_TOKEN_PREFIX,
    PUBLISHABLE_KEY_PREFIX,
    SECRET_KEY_PREFIX,
    hash_token,
)
from agentpay.limits import repository as limits_repo
from agentpay.limits.repository import Bucket
from agentpay.limits.service import check, credential_buckets
from agentpay.operators import repository as operators_repo
from agentpay.operators.service import check_operator_token

Kind = Literal["organization", "agent", "conversation", "operator"]


@dataclass(frozen=True)
class Principal:
    kind: Kind
    organization_id: UUID
    agent_id: UUID | None = None
    conversation_id: UUID | None = None
    # the secret key's id and display prefix (organization principals): who, in audits
    key_id: UUID | None = None
    key_prefix: str | None = None
    # the operator token's id (operator principals): what signing out ends
    token_id: UUID | None = None

    def require_conversation(self, conversation_id: UUID, *, operator_may: bool = False) -> None:
        """Organizations see all their conversations; a token sees its own only; an
        operator token only where the call is one a person at the dashboard makes."""
        if self.kind == "organization":
            return
        if self.kind == "operator":
            if operator_may:
                return
            raise operator_not_allowed()
        if self.kind == "conversation" and self.conversation_id == conversation_id:
            return
        if self.kind == "agent":
            raise Forbidden("a publishable key can only start conversations",
                            code="secret_key_required")
        raise NotFound("conversation not found", code="conversation_not_found")


def operator_not_allowed() -> Forbidden:
    return Forbidden("an operator token can read conversations, reply, take over, release "
                     "and read analytics only; this call needs the secret key",
                     code="operator_token_not_allowed")


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization")
    if not header:
        raise Unauthorized("missing Authorization: Bearer header", code="missing_credentials")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        raise Unauthorized("Authorization must be 'Bearer <key>'", code="invalid_credentials")
    return token


def authenticate(conn, token: str, buckets: Sequence[Bucket] = ()) -> Principal:
    """Who is calling; a valid credential also takes from ``buckets`` in the statement
    that finds it (429 when one is empty), so the limit holds across instances and costs
    no round trip of its own."""
    digest = hash_token(token)
    if token.startswith(SECRET_KEY_PREFIX):
        key, takes = limits_repo.lookup_and_take(conn, keys_repo.ACTIVE_KEY,
                                                 {"hash": digest}, buckets)
        if key is not None:
            check(takes)
            keys_repo.touch_key(conn, key["id"])
            return Principal("organization", key["organization_id"], key_id=key["id"],
                             key_prefix=key["prefix"])
    elif token.startswith(PUBLISHABLE_KEY_PREFIX):
        agent, takes = limits_repo.lookup_and_take(conn, agents_repo.BY_PUBLISHABLE_KEY,
                                                   {"key": token}, buckets)
        if agent is not None:
            check(takes)
            return Principal("agent", agent["organization_id"], agent_id=agent["id"])
    elif token.startswith(CONVERSATION_TOKEN_PREFIX):
        conv, takes = limits_repo.lookup_and_take(conn, keys_repo.CONVERSATION_TOKEN,
                                                  {"hash": digest}, buckets)
        if conv is not None:
            check_conversation_token(conv)
            check(takes)
            return Principal("conversation", conv["organization_id"], agent_id=conv["agent_id"],
                             conversation_id=conv["id"])
    elif token.startswith(OPERATOR_TOKEN_PREFIX):
        row, takes = limits_repo.lookup_and_take(conn, operators_repo.OPERATOR_TOKEN,
                                                 {"hash": digest}, buckets)
        if row is not None:
            check_operator_token(row)
            check(takes)
            return Principal("operator", row["organization_id"], key_id=row["key_id"],
                             key_prefix=row["prefix"], token_id=row["id"])
    raise Unauthorized("the key is not valid, revoked or expired", code="invalid_credentials")


def _any_principal(request: Request, conn: ConnDep) -> Principal:
    from agentpay.config import get_settings

    token = bearer_token(request)
    # keyed by the credential's hash: one noisy key never slows another store
    return authenticate(conn, token, credential_buckets(hash_token(token), get_settings()))


def _organization(principal: Annotated[Principal, Depends(_any_principal)]) -> Principal:
    if principal.kind == "operator":
        raise operator_not_allowed()
    if principal.kind != "organization":
        raise Forbidden("this call needs the organization's secret key",
                        code="secret_key_required")
    return principal


def _operator(principal: Annotated[Principal, Depends(_any_principal)]) -> Principal:
    if principal.kind not in ("organization", "operator"):
        raise Forbidden("this call needs the organization's secret key or an operator token",
                        code="secret_key_required")
    return principal


AnyPrincipal = Annotated[Principal, Depends(_any_principal)]
# the secret key, or an operator token: what a person at the dashboard may do
OperatorPrincipal = Annotated[Principal, Depends(_operator)]
OrgPrincipal = Annotated[Principal, Depends(_organization)]
