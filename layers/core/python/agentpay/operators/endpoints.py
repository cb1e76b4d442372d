"""HTTP for the dashboard's sign-in and sign-out."""

from __future__ import annotations

from fastapi import APIRouter, Response

from agentpay.api.auth import OperatorPrincipal, OrgPrincipal
from agentpay.api.deps import ConnDep, SettingsDep
from agentpay.api.errors import COMMON_ERRORS
from agentpay.handoff.tabs import close_ended_dashboards
from agentpay.operators import service
from agentpay.operators.schemas import OperatorTokenCreate, OperatorTokenOut

router = APIRouter(prefix="/v1/agent/operator-tokens", tags=["operators"],
                   responses=COMMON_ERRORS)


@router.post("", status_code=201, response_model=OperatorTokenOut)
def create_operator_token(principal: OrgPrincipal, conn: ConnDep, settings: SettingsDep,
                          body: OperatorTokenCreate | None = None):
    """Exchange the secret key for a short-lived operator token (the dashboard's sign-in).
    Only a secret key may do this: an operator token cannot renew itself."""
    minutes = (body.minutes if body and body.minutes else None) \
        or settings.operator_token_minutes
    with conn.transaction():
        return service.issue(conn, principal.organization_id, principal.key_id, minutes)


@router.delete("/current", status_code=204)
def sign_out(principal: OperatorPrincipal, conn: ConnDep, settings: SettingsDep):
    """Ends the operator token this call carries (a secret key: nothing to end); its
    dashboards' sockets are closed now, each told `token_revoked` first."""
    if principal.kind == "operator":
        with conn.transaction():
            service.sign_out(conn, principal.organization_id, principal.token_id)
        close_ended_dashboards(conn, settings, principal.organization_id)
    return Response(status_code=204)
