"""HTTP for the organization's secret keys (secret key): translate requests, nothing more."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from agentpay.api.auth import OrgPrincipal
from agentpay.api.deps import ConnDep, SettingsDep
from agentpay.api.errors import COMMON_ERRORS, error_responses
from agentpay.handoff.tabs import close_ended_dashboards
from agentpay.keys import service
from agentpay.keys.schemas import KeyCreate, KeyIssued, KeyList, KeyRotate, KeyRotated

router = APIRouter(prefix="/v1/agent/organization/keys", tags=["keys"],
                   responses={**COMMON_ERRORS, **error_responses(409)})


@router.get("", response_model=KeyList)
def list_keys(principal: OrgPrincipal, conn: ConnDep):
    """Every secret key of the organization, revoked ones too; never a secret."""
    return {"data": service.list_keys(conn, principal.organization_id, principal.key_id)}


@router.post("", status_code=201, response_model=KeyIssued)
def create_key(principal: OrgPrincipal, conn: ConnDep, body: KeyCreate | None = None):
    """Another secret key; its secret is in this answer only."""
    body = body or KeyCreate()
    with conn.transaction():
        return service.create_key(conn, principal.organization_id, body.name,
                                  principal.key_id)


@router.post("/{key_id}/rotate", status_code=201, response_model=KeyRotated)
def rotate_key(key_id: UUID, principal: OrgPrincipal, conn: ConnDep, settings: SettingsDep,
               body: KeyRotate | None = None):
    """A new key replaces this one, which stops at once or after `overlap_minutes`; the
    new secret is in this answer only. Stopped at once, its dashboards' sockets close."""
    body = body or KeyRotate()
    with conn.transaction():
        rotated = service.rotate_key(conn, principal.organization_id, key_id,
                                     body.overlap_minutes, principal.key_id)
    close_ended_dashboards(conn, settings, principal.organization_id)
    return rotated


@router.delete("/{key_id}", status_code=204)
def revoke_key(key_id: UUID, principal: OrgPrincipal, conn: ConnDep,
               settings: SettingsDep) -> Response:
    """Revoke a key now (the last lasting key cannot be revoked: 409). The dashboards
    signed in with it stop too: their sockets are closed now."""
    with conn.transaction():
        service.revoke_key(conn, principal.organization_id, key_id)
    close_ended_dashboards(conn, settings, principal.organization_id)
    return Response(status_code=204)
