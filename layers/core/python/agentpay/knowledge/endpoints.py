"""HTTP for the knowledge base: batch upsert, list, read and delete a store's articles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse

from agentpay.api.auth import OrgPrincipal
from agentpay.api.deps import ConnDep
from agentpay.api.errors import COMMON_ERRORS, error_body
from agentpay.catalog.queue import QueueUnavailable, get_index_queue
from agentpay.knowledge import service
from agentpay.knowledge.queue import knowledge_messages
from agentpay.knowledge.schemas import ArticleBatch, ArticleList, ArticleOut, ArticleUpsertResult

router = APIRouter(prefix="/v1/agent/knowledge", tags=["knowledge"], responses=COMMON_ERRORS)
ExternalIdPath = Annotated[str, Path(min_length=1, max_length=200)]


@router.put("", response_model=ArticleUpsertResult)
def upsert_articles(body: ArticleBatch, principal: OrgPrincipal, conn: ConnDep):
    """Upsert up to 100 articles by `external_id` (Markdown or plain text, ≤ 100 KB each);
    each is accepted or rejected on its own, and changed ones are queued for indexing."""
    with conn.transaction():
        outcome = service.upsert_articles(conn, principal.organization_id, body.articles)
    result = {"accepted": outcome.accepted, "rejected": outcome.rejected,
              "queued": len(outcome.to_index)}
    try:
        get_index_queue().send(knowledge_messages(principal.organization_id,
                                                  outcome.to_index))
    except QueueUnavailable:
        # The articles are saved; a retried PUT re-queues whatever is not indexed yet.
        result["queued"] = 0
        body = error_body("index_queue_unavailable",
                          "articles were saved but indexing could not be queued; retry the "
                          "request",
                          ArticleUpsertResult.model_validate(result).model_dump(mode="json"))
        return JSONResponse(body, status_code=503)
    return result


@router.get("", response_model=ArticleList)
def list_articles(principal: OrgPrincipal, conn: ConnDep,
                  limit: Annotated[int, Query(ge=1, le=200)] = 50,
                  cursor: Annotated[str | None, Query(max_length=200)] = None):
    rows, next_cursor = service.list_articles(conn, principal.organization_id, limit, cursor)
    return {"data": rows, "next_cursor": next_cursor}


@router.get("/{external_id}", response_model=ArticleOut)
def get_article(external_id: ExternalIdPath, principal: OrgPrincipal, conn: ConnDep):
    return service.get_article(conn, principal.organization_id, external_id)


@router.delete("/{external_id}", status_code=204)
def delete_article(external_id: ExternalIdPath, principal: OrgPrincipal,
                   conn: ConnDep) -> Response:
    with conn.transaction():
        service.delete_article(conn, principal.organization_id, external_id)
    return Response(status_code=204)
