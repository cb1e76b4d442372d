"""Search at the API edge: request filters in, ranked products with scores out."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

import psycopg
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from agentpay.catalog.graph_repository import search_mode
from agentpay.catalog.search_repository import Filters


class SearchFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    price_min: Annotated[StrictInt, Field(ge=0)] | None = None
    price_max: Annotated[StrictInt, Field(ge=0)] | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Za-z]{3}$")] | None = None
    colors: Annotated[list[Annotated[str, Field(max_length=50)]], Field(max_length=20)] = []
    sizes: Annotated[list[Annotated[str, Field(max_length=50)]], Field(max_length=20)] = []
    category: Annotated[str, Field(max_length=200)] | None = None
    in_stock: bool | None = None


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: Annotated[str, Field(min_length=1, max_length=500)]
    k: Annotated[int, Field(ge=1, le=100)] = 10
    filters: SearchFilters = SearchFilters()
    fusion: Literal["weighted", "rrf"] = "weighted"


class SearchResult(BaseModel):
    external_id: str
    id: UUID
    name: str
    price: int
    currency: str
    in_stock: bool
    score: float
    matched: list[str]
    product: dict[str, Any]


class SearchResponse(BaseModel):
    data: list[SearchResult]
    # "full_text" while the store loads in bulk: no vector candidates until its graph is
    # built (README, Large imports)
    search: Literal["hybrid", "full_text"] = "hybrid"


def run_search(conn: psycopg.Connection, organization_id: UUID, body: SearchRequest) -> dict:
    # the search (its embedder and numpy) loads with the first search, not with the
    # catalog's other routes (an upsert, a listing)
    from agentpay.catalog.search import search

    hits = search(conn, organization_id, body.query, k=body.k,
                  filters=Filters(**body.filters.model_dump()), fusion=body.fusion)
    return {"data": [
        {"external_id": h.product["external_id"], "id": h.product["id"],
         "name": h.product["name"], "price": h.product["price_minor"],
         "currency": h.product["currency"], "in_stock": h.product["in_stock"],
         "score": round(h.score, 6), "matched": h.matched,
         "product": {**h.product, "price": h.product["price_minor"],
                     "compare_at_price": h.product["compare_at_minor"]}}
        for h in hits
    ], "search": search_mode(conn, organization_id)}
