"""HTTP for the store's view of its webhook deliveries (secret key)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from agentpay.api.auth import OrgPrincipal
from agentpay.api.deps import ConnDep
from agentpay.api.errors import COMMON_ERRORS
from agentpay.webhooks import repository
from agentpay.webhooks.schemas import DeliveryList
from agentpay.webhooks.service import webhook_id

router = APIRouter(prefix="/v1/agent/webhooks", tags=["webhooks"], responses=COMMON_ERRORS)


@router.get("/deliveries", response_model=DeliveryList)
def list_deliveries(principal: OrgPrincipal, conn: ConnDep,
                    conversation_id: UUID | None = None,
                    limit: Annotated[int, Query(ge=1, le=200)] = 50):
    """What was sent to the store's endpoint, newest first: each event with its
    `webhook_id`, status (`pending`, `delivered`, `failed`), attempts and last answer."""
    rows = repository.list_deliveries(conn, principal.organization_id, conversation_id, limit)
    return {"data": [{**row, "webhook_id": webhook_id(row["id"])} for row in rows]}
