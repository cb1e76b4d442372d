"""Article shapes at the API edge: what a store sends, and what it reads back."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from agentpay.catalog.schemas import AcceptedItem, ExternalId, RejectedItem, Url
from agentpay.kit.text import utf8_encodable

MAX_BATCH = 100
MAX_BODY_BYTES = 100 * 1024  # 100 KB of UTF-8, as the issue promises stores
MAX_TAGS = 20
Tag = Annotated[str, Field(min_length=1, max_length=50)]
# control characters other than tab, newline and carriage return: no Markdown needs them,
# and NUL cannot be stored
_CONTROL = {chr(c) for c in range(32) if chr(c) not in "\t\n\r"} | {"\x7f"}


class ArticleIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_id: ExternalId
    title: Annotated[str, Field(min_length=1, max_length=300)]
    body: Annotated[str, Field(min_length=1)]
    url: Url | None = None
    tags: Annotated[list[Tag], Field(max_length=MAX_TAGS)] = Field(default_factory=list)

    @field_validator("title", "body")
    @classmethod
    def _plain_characters(cls, value: str) -> str:
        if any(ch in _CONTROL for ch in value):
            raise ValueError("must not contain control characters")
        return value

    @field_validator("body")
    @classmethod
    def _at_most_100_kb(cls, value: str) -> str:
        size = len(value.encode("utf-8", "surrogatepass"))
        if size > MAX_BODY_BYTES:
            raise ValueError(f"is {size} bytes; at most {MAX_BODY_BYTES} (100 KB) of UTF-8")
        if not any(ch.isalnum() for ch in value):
            raise ValueError("has no words")
        return value

    @field_validator("tags")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(tag.strip().lower() for tag in value))

    @model_validator(mode="after")
    def _storable(self) -> ArticleIn:
        """Postgres holds UTF-8 without NUL: an unpaired surrogate ("\\ud800", valid JSON)
        or a NUL anywhere is this article's error, not the batch's 500."""
        texts = [self.external_id, self.title, self.body, self.url or "", *self.tags]
        if any("\x00" in t or not utf8_encodable(t) for t in texts):
            raise ValueError("text must be valid Unicode without NUL characters")
        return self


class ArticleBatch(BaseModel):
    """Items stay loosely typed here so one bad article cannot reject the whole batch."""

    model_config = ConfigDict(extra="forbid")

    articles: Annotated[list[Any], Field(min_length=1, max_length=MAX_BATCH)]


class ArticleUpsertResult(BaseModel):
    accepted: list[AcceptedItem]
    rejected: list[RejectedItem]
    queued: int


class ArticleOut(BaseModel):
    id: UUID
    external_id: str
    title: str
    body: str
    url: str | None
    tags: list[str]
    # the article's passages answer shoppers (its current text is indexed)
    indexed: bool
    created_at: datetime
    updated_at: datetime


class ArticleList(BaseModel):
    data: list[ArticleOut]
    next_cursor: str | None = None
