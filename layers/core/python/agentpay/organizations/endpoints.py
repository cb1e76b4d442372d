"""HTTP for the store's own settings (secret key): translate requests, nothing more."""

from __future__ import annotations

from fastapi import APIRouter

from agentpay.api.auth import OrgPrincipal
from agentpay.api.deps import ConnDep, SettingsDep
from agentpay.api.errors import COMMON_ERRORS
from agentpay.organizations import service
from agentpay.organizations.schemas import OrganizationOut, OrganizationUpdate

router = APIRouter(prefix="/v1/agent/organization", tags=["organization"],
                   responses=COMMON_ERRORS)


@router.get("", response_model=OrganizationOut)
def get_organization(principal: OrgPrincipal, conn: ConnDep, settings: SettingsDep):
    """The store's name, currency, policies and payment provider (with whether checkouts
    can be made now)."""
    return service.get_organization(conn, principal.organization_id, settings)


@router.patch("", response_model=OrganizationOut)
def update_organization(body: OrganizationUpdate, principal: OrgPrincipal, conn: ConnDep,
                        settings: SettingsDep):
    """Change the store's settings; every change is recorded with the key that made it."""
    actor = service.Actor(principal.key_id, principal.key_prefix or "")
    with conn.transaction():
        return service.update_organization(conn, principal.organization_id, actor, body,
                                           settings)
