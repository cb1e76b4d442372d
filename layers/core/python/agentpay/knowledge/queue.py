"""Knowledge index work rides the catalog's index queue as `knowledge` messages."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

IDS_PER_MESSAGE = 50


def knowledge_messages(organization_id: UUID, article_ids: Iterable[UUID]) -> list[dict]:
    ids = [str(i) for i in article_ids]
    return [
        {"type": "knowledge", "organization_id": str(organization_id),
         "article_ids": ids[start:start + IDS_PER_MESSAGE]}
        for start in range(0, len(ids), IDS_PER_MESSAGE)
    ]
