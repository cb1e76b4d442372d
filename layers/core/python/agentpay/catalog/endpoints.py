"""HTTP for the catalog: batch upsert, delete, list, and search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse

from agentpay.api.auth import OrgPrincipal
from agentpay.api.deps import ConnDep
from agentpay.api.errors import COMMON_ERRORS, error_body
from agentpay.catalog import service
from agentpay.catalog.graph_repository import search_mode
from agentpay.catalog.indexing import queue_index_work
from agentpay.catalog.queue import QueueUnavailable, get_index_queue
from agentpay.catalog.schemas import ProductBatch, ProductList, ProductOut, UpsertResult
from agentpay.catalog.search_api import SearchRequest, SearchResponse, run_search

router = APIRouter(prefix="/v1/agent/products", tags=["catalog"], responses=COMMON_ERRORS)
ExternalIdPath = Annotated[str, Path(min_length=1, max_length=200)]


@router.put("", response_model=UpsertResult)
def upsert_products(body: ProductBatch, principal: OrgPrincipal, conn: ConnDep):
    with conn.transaction():
        outcome = service.upsert_products(conn, principal.organization_id, body.products)
    result = {"accepted": outcome.accepted, "rejected": outcome.rejected,
              "queued": len(outcome.to_index)}
    try:
        queue_index_work(conn, get_index_queue(), principal.organization_id,
                         outcome.to_index)
        result["search"] = search_mode(conn, principal.organization_id)
    except QueueUnavailable:
        # The products are saved; a retried PUT re-queues whatever is not indexed yet.
        result["queued"] = 0
        body = error_body("index_queue_unavailable",
                          "products were saved but indexing could not be queued; retry the "
                          "request", UpsertResult.model_validate(result).model_dump(mode="json"))
        return JSONResponse(body, status_code=503)
    return result


@router.get("", response_model=ProductList)
def list_products(principal: OrgPrincipal, conn: ConnDep,
                  limit: Annotated[int, Query(ge=1, le=200)] = 50,
                  cursor: Annotated[str | None, Query(max_length=200)] = None):
    rows, next_cursor = service.list_products(conn, principal.organization_id, limit, cursor)
    return {"data": [service.to_out(r) for r in rows], "next_cursor": next_cursor}


@router.post("/search", response_model=SearchResponse)
def search_products(body: SearchRequest, principal: OrgPrincipal, conn: ConnDep):
    return run_search(conn, principal.organization_id, body)


@router.get("/{external_id}", response_model=ProductOut)
def get_product(external_id: ExternalIdPath, principal: OrgPrincipal, conn: ConnDep):
    return service.to_out(service.get_product(conn, principal.organization_id, external_id))


@router.delete("/{external_id}", status_code=204)
def delete_product(external_id: ExternalIdPath, principal: OrgPrincipal,
                   conn: ConnDep) -> Response:
    with conn.transaction():
        service.delete_product(conn, principal.organization_id, external_id)
    return Response(status_code=204)
