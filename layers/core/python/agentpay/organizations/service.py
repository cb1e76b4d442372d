"""Creating tenants and issuing their keys. The caller owns the transaction."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import psycopg

from agentpay.kit.errors import InvalidInput
from agentpay.kit.tokens import SECRET_KEY_PREFIX, display_prefix, hash_token, new_token
from agentpay.organizations import repository


@dataclass(frozen=True)
class IssuedKey:
    id: UUID
    organization_id: UUID
    prefix: str
    secret: str  # shown once, never stored


def create_organization(conn: psycopg.Connection, name: str) -> tuple[dict, IssuedKey]:
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise InvalidInput("organization name must be 1 to 200 characters", code="invalid_name")
    org = repository.insert_organization(conn, name)
    return org, issue_api_key(conn, org["id"], "default")


def issue_api_key(conn: psycopg.Connection, organization_id: UUID, name: str) -> IssuedKey:
    secret = new_token(SECRET_KEY_PREFIX)
    row = repository.insert_api_key(
        conn, organization_id, name, display_prefix(secret), hash_token(secret)
    )
    return IssuedKey(row["id"], organization_id, row["prefix"], secret)
