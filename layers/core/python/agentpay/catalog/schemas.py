"""Product shapes at the API edge. Money is integers in minor units, never floats."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, field_validator

from agentpay.kit.jsonsize import check_json_size

MAX_BATCH = 1000
MAX_MINOR = 10**12  # a trillion minor units: far above any real price, far below bigint
MinorUnits = Annotated[StrictInt, Field(ge=0, le=MAX_MINOR)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
ExternalId = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f/]+$")]


def _http_url(value: str | None) -> str | None:
    if value is not None and not value.startswith(("https://", "http://")):
        raise ValueError("must be an http(s) URL")
    return value


Url = Annotated[str, Field(max_length=2000), AfterValidator(_http_url)]


class Variant(BaseModel):
    model_config = ConfigDict(extra="allow")

    sku: ShortText
    color: Annotated[str, Field(max_length=100)] | None = None
    size: Annotated[str, Field(max_length=100)] | None = None
    stock: Annotated[StrictInt, Field(ge=0, le=10**9)] = 0
    price: MinorUnits | None = None


class ProductIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_id: ExternalId
    name: Annotated[str, Field(min_length=1, max_length=500)]
    description: Annotated[str, Field(max_length=10_000)] = ""
    price: MinorUnits
    currency: Annotated[str, Field(pattern=r"^[A-Za-z]{3}$")]
    compare_at_price: MinorUnits | None = None
    category: ShortText | None = None
    brand: ShortText | None = None
    attributes: Annotated[dict[str, Any], AfterValidator(check_json_size)] = Field(
        default_factory=dict
    )
    variants: Annotated[list[Variant], Field(max_length=500)] = Field(default_factory=list)
    stock: Annotated[StrictInt, Field(ge=0, le=10**9)] | None = None
    image_url: Url | None = None
    url: Url | None = None
    active: bool = True

    @field_validator("currency")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @field_validator("name", "description")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value


class ProductBatch(BaseModel):
    """Items stay loosely typed here so one bad item cannot reject the whole batch."""

    model_config = ConfigDict(extra="forbid")

    products: Annotated[list[Any], Field(min_length=1, max_length=MAX_BATCH)]


class AcceptedItem(BaseModel):
    index: int
    external_id: str
    id: UUID
    status: str  # created | updated | unchanged


class RejectedItem(BaseModel):
    index: int
    external_id: str | None
    errors: list[dict[str, Any]]


class UpsertResult(BaseModel):
    accepted: list[AcceptedItem]
    rejected: list[RejectedItem]
    queued: int
    # "full_text" while the store loads in bulk (its graph is built once the load is
    # indexed: search finds by words meanwhile), "hybrid" otherwise
    search: Literal["hybrid", "full_text"] = "hybrid"


class ProductOut(BaseModel):
    id: UUID
    external_id: str
    name: str
    description: str
    price: int
    currency: str
    compare_at_price: int | None
    category: str | None
    brand: str | None
    attributes: dict[str, Any]
    variants: list[dict[str, Any]]
    image_url: str | None
    url: str | None
    active: bool
    in_stock: bool
    created_at: datetime
    updated_at: datetime


class ProductList(BaseModel):
    data: list[ProductOut]
    next_cursor: str | None = None
