"""Cards for replies sent again: a reloaded widget's history, a retried message.

A reply's cards are not stored with it. Its tool records name the products it showed
(`orchestrator.cards.shown_ids`), and those are read again from the catalog: a replayed
card shows the price, stock and sizes the store has now, and a product no longer sold
has none.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg


def cards(conn: psycopg.Connection, organization_id: UUID,
          messages: list[dict[str, Any]]) -> dict[Any, list[dict[str, Any]]]:
    """message id → the cards its reply showed, for the assistant messages among
    `messages` that showed any (one catalog read for all of them)."""
    from agentpay.catalog import repository as products_repo
    from agentpay.orchestrator.cards import shown_ids
    from agentpay.tools.products import summary

    wanted = {m["id"]: shown_ids(m.get("tool_calls") or []) for m in messages
              if m.get("role") == "assistant"}
    external_ids = sorted({i for ids in wanted.values() for i in ids})
    if not external_ids:
        return {}
    rows = products_repo.get_active_by_external_ids(conn, organization_id, external_ids)
    return {message_id: [summary(rows[i]) for i in ids if i in rows]
            for message_id, ids in wanted.items() if ids}


def frame_parts(reply: dict[str, Any] | None, products: list[dict[str, Any]]) -> dict[str, Any]:
    """`products` and `reply_with_cards` of a replayed reply, as a live one has them."""
    from agentpay.orchestrator.cards import text_with_cards

    content = reply["content"] if reply else None
    return {"products": products,
            "reply_with_cards": text_with_cards(content, products) if content else content}
