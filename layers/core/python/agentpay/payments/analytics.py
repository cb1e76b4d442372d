"""Conversions and cost per agent and period: one query, all figures from stored facts."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg


def agent_figures(conn: psycopg.Connection, organization_id: UUID, since: datetime,
                  until: datetime, agent_id: UUID | None = None) -> list[dict[str, Any]]:
    """Per agent: conversations started, checkouts created, orders paid, revenue, discount,
    LLM cost, in [since, until). Money stays in minor units per currency."""
    rows = conn.execute(
        """
        WITH a AS (
            SELECT id, name FROM agents
             WHERE organization_id = %(org)s AND deleted_at IS NULL
               AND (%(agent)s::uuid IS NULL OR id = %(agent)s::uuid)),
        conv AS (
            SELECT agent_id, count(*) AS n FROM conversations
             WHERE organization_id = %(org)s AND created_at >= %(since)s
               AND created_at < %(until)s
             GROUP BY agent_id),
        ck AS (
            SELECT agent_id, count(*) AS n FROM checkouts
             WHERE organization_id = %(org)s AND created_at >= %(since)s
               AND created_at < %(until)s
               -- made by the provider (a pending or failed row never reached a shopper)
               AND status IN ('open', 'completed')
             GROUP BY agent_id),
        ord AS (
            SELECT agent_id, currency, count(*) AS n, sum(total_minor) AS revenue,
                   sum(discount_minor) AS discount
              FROM orders
             WHERE organization_id = %(org)s AND paid_at >= %(since)s AND paid_at < %(until)s
             GROUP BY agent_id, currency),
        cost AS (
            SELECT c.agent_id, sum(coalesce((m.usage->>'cost_usd')::numeric, 0)) AS usd
              FROM messages m JOIN conversations c ON c.id = m.conversation_id
             WHERE m.organization_id = %(org)s AND m.role = 'assistant'
               AND m.created_at >= %(since)s AND m.created_at < %(until)s
             GROUP BY c.agent_id)
        SELECT a.id AS agent_id, a.name,
               coalesce(conv.n, 0) AS conversations, coalesce(ck.n, 0) AS checkouts,
               coalesce(cost.usd, 0) AS llm_cost_usd,
               coalesce((SELECT jsonb_agg(jsonb_build_object(
                           'currency', ord.currency, 'orders', ord.n,
                           'revenue_minor', ord.revenue, 'discount_minor', ord.discount))
                           FROM ord WHERE ord.agent_id = a.id), '[]'::jsonb) AS by_currency
          FROM a
          LEFT JOIN conv ON conv.agent_id = a.id
          LEFT JOIN ck ON ck.agent_id = a.id
          LEFT JOIN cost ON cost.agent_id = a.id
         ORDER BY a.name, a.id
        """,
        {"org": organization_id, "agent": agent_id, "since": since, "until": until},
    ).fetchall()
    out = []
    for row in rows:
        money = row["by_currency"]
        orders = sum(int(m["orders"]) for m in money)
        llm_cost = float(row["llm_cost_usd"])
        conversations = int(row["conversations"])
        out.append({
            "agent_id": row["agent_id"], "name": row["name"],
            "conversations": conversations, "checkouts_created": int(row["checkouts"]),
            "orders_paid": orders,
            "conversion_rate": round(orders / conversations, 4) if conversations else 0.0,
            "revenue": {m["currency"]: int(m["revenue_minor"]) for m in money},
            "average_order_value": {m["currency"]: int(m["revenue_minor"]) // int(m["orders"])
                                    for m in money if int(m["orders"])},
            "discount_given": {m["currency"]: int(m["discount_minor"]) for m in money},
            "llm_cost_usd": round(llm_cost, 6),
            "llm_cost_per_order_usd": round(llm_cost / orders, 6) if orders else None,
        })
    return out
