"""Opaque keyset cursors: (created_at, id) packed into URL-safe base64."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from uuid import UUID

from agentpay.kit.errors import InvalidInput


def encode_cursor(created_at: datetime, row_id: UUID) -> str:
    raw = json.dumps([created_at.isoformat(), str(row_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, UUID] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created_at, row_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return datetime.fromisoformat(created_at), UUID(row_id)
    except (ValueError, TypeError):
        raise InvalidInput("cursor is not valid", code="invalid_cursor") from None
