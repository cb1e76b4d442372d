"""GET /checkout/{token}: the local provider's page (the signature is the credential).

Development only, like the local provider itself: the app does not mount it in
production."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from agentpay.api.deps import SettingsDep
from agentpay.api.errors import error_responses
from agentpay.checkout.links import verify
from agentpay.checkout.page import render
from agentpay.checkout.secret import signing_secret

router = APIRouter(tags=["checkout"], responses=error_responses(400, 410, 422, 503))


@router.get("/checkout/{token}", response_class=HTMLResponse)
def checkout_page(token: str, settings: SettingsDep) -> HTMLResponse:
    payload = verify(token[:8192], signing_secret(settings))
    return HTMLResponse(render(payload, pay_action=f"{token}/pay"),
                        headers={"Cache-Control": "no-store"})
