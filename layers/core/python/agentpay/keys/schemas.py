"""Secret keys at the API edge. A secret appears once, in the answer that creates it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MAX_OVERLAP_MINUTES = 7 * 24 * 60

KeyName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=100)]


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: KeyName = "default"


class KeyRotate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    overlap_minutes: int = Field(
        default=0, ge=0, le=MAX_OVERLAP_MINUTES,
        description="How long the replaced key keeps working (0: it stops at once).")


class KeyOut(BaseModel):
    id: UUID
    name: str
    prefix: str = Field(description="The key's first characters, to tell keys apart")
    status: Literal["active", "expiring", "expired", "revoked"]
    current: bool = Field(description="Whether this is the key making this call")
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None = Field(description="A rotated key's end of overlap")
    revoked_at: datetime | None
    replaced_by: UUID | None = Field(description="The key this one was rotated into")


class KeyIssued(KeyOut):
    secret: str = Field(description="The secret key itself: shown this once, only its "
                                    "hash is kept")


class KeyList(BaseModel):
    data: list[KeyOut]


class KeyRotated(BaseModel):
    key: KeyIssued = Field(description="The new key, with its secret (shown once)")
    replaced: KeyOut = Field(description="The key it replaces: revoked, or expiring")
