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


def daily_figures(conn: psycopg.Connection, organization_id: UUID, since: datetime,
                  until: datetime, agent_id: UUID | None = None) -> list[dict[str, Any]]:
    """One row per UTC day of [since, until), days with nothing included (a chart's x
    axis): conversations started, checkouts created, orders paid, revenue and discount per
    currency, LLM cost."""
    rows = conn.execute(
        """
        WITH days AS (
            SELECT d::date AS day
              FROM generate_series((%(since)s::timestamptz AT TIME ZONE 'UTC')::date,
                                   ((%(until)s::timestamptz - interval '1 microsecond')
                                    AT TIME ZONE 'UTC')::date,
                                   interval '1 day') d),
        conv AS (
            SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n
              FROM conversations
             WHERE organization_id = %(org)s AND created_at >= %(since)s
               AND created_at < %(until)s
               AND (%(agent)s::uuid IS NULL OR agent_id = %(agent)s::uuid)
             GROUP BY 1),
        ck AS (
            SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n
              FROM checkouts
             WHERE organization_id = %(org)s AND created_at >= %(since)s
               AND created_at < %(until)s AND status IN ('open', 'completed')
               AND (%(agent)s::uuid IS NULL OR agent_id = %(agent)s::uuid)
             GROUP BY 1),
        ord AS (
            SELECT (paid_at AT TIME ZONE 'UTC')::date AS day, currency, count(*) AS n,
                   sum(total_minor) AS revenue, sum(discount_minor) AS discount
              FROM orders
             WHERE organization_id = %(org)s AND paid_at >= %(since)s AND paid_at < %(until)s
               AND (%(agent)s::uuid IS NULL OR agent_id = %(agent)s::uuid)
             GROUP BY 1, 2),
        cost AS (
            SELECT (m.created_at AT TIME ZONE 'UTC')::date AS day,
                   sum(coalesce((m.usage->>'cost_usd')::numeric, 0)) AS usd
              FROM messages m JOIN conversations c ON c.id = m.conversation_id
             WHERE m.organization_id = %(org)s AND m.role = 'assistant'
               AND m.created_at >= %(since)s AND m.created_at < %(until)s
               AND (%(agent)s::uuid IS NULL OR c.agent_id = %(agent)s::uuid)
             GROUP BY 1)
        SELECT days.day, coalesce(conv.n, 0) AS conversations, coalesce(ck.n, 0) AS checkouts,
               coalesce(cost.usd, 0) AS llm_cost_usd,
               coalesce((SELECT jsonb_agg(jsonb_build_object(
                           'currency', ord.currency, 'orders', ord.n,
                           'revenue_minor', ord.revenue, 'discount_minor', ord.discount))
                           FROM ord WHERE ord.day = days.day), '[]'::jsonb) AS by_currency
          FROM days
          LEFT JOIN conv ON conv.day = days.day
          LEFT JOIN ck ON ck.day = days.day
          LEFT JOIN cost ON cost.day = days.day
         ORDER BY days.day
        """,
        {"org": organization_id, "agent": agent_id, "since": since, "until": until},
    ).fetchall()
    return [{
        "date": row["day"].isoformat(),
        "conversations": int(row["conversations"]),
        "checkouts_created": int(row["checkouts"]),
        "orders_paid": sum(int(m["orders"]) for m in row["by_currency"]),
        "revenue": {m["currency"]: int(m["revenue_minor"]) for m in row["by_currency"]},
        "orders_by_currency": {m["currency"]: int(m["orders"]) for m in row["by_currency"]},
        "discount_given": {m["currency"]: int(m["discount_minor"])
                           for m in row["by_currency"]},
        "llm_cost_usd": round(float(row["llm_cost_usd"]), 6),
    } for row in rows]


# The funnel's steps in order: the conversation stages a shopper passes, then "paid".
# A conversation counts at every step up to the furthest it reached: its stage now, a
# checkout link it was given (at least "checkout") or a paid order ("paid") whatever the
# stage says; one that ended `abandoned` or sits in a person's hands counts at the steps
# its checkouts and orders prove, and at "discovery" (its last stage is not kept).
FUNNEL_STEPS = ("discovery", "browsing", "consideration", "negotiation", "checkout", "paid")
_STAGE_STEP = {"completed": "paid"}


def funnel(conn: psycopg.Connection, organization_id: UUID, since: datetime,
           until: datetime, agent_id: UUID | None = None) -> dict[str, Any]:
    """Conversations started in [since, until): how many reached each step, and how many
    sit at each stage now."""
    rows = conn.execute(
        """
        SELECT c.stage,
               EXISTS (SELECT 1 FROM checkouts k
                        WHERE k.conversation_id = c.id AND k.organization_id = c.organization_id
                          AND k.status IN ('open', 'completed')) AS checked_out,
               EXISTS (SELECT 1 FROM orders o
                        WHERE o.conversation_id = c.id
                          AND o.organization_id = c.organization_id) AS paid,
               count(*) AS n
          FROM conversations c
         WHERE c.organization_id = %(org)s AND c.created_at >= %(since)s
           AND c.created_at < %(until)s
           AND (%(agent)s::uuid IS NULL OR c.agent_id = %(agent)s::uuid)
         GROUP BY 1, 2, 3
        """,
        {"org": organization_id, "agent": agent_id, "since": since, "until": until},
    ).fetchall()
    rank = {step: i for i, step in enumerate(FUNNEL_STEPS)}
    reached = dict.fromkeys(FUNNEL_STEPS, 0)
    by_stage: dict[str, int] = {}
    for row in rows:
        n = int(row["n"])
        by_stage[row["stage"]] = by_stage.get(row["stage"], 0) + n
        top = rank.get(_STAGE_STEP.get(row["stage"], row["stage"]), 0)
        if row["checked_out"]:
            top = max(top, rank["checkout"])
        if row["paid"]:
            top = rank["paid"]
        for step in FUNNEL_STEPS[: top + 1]:
            reached[step] += n
    return {"steps": [{"step": step, "conversations": reached[step]}
                      for step in FUNNEL_STEPS],
            "by_stage": by_stage}


def totals(daily: list[dict[str, Any]]) -> dict[str, Any]:
    """The period's figures for the whole store, added up from the daily series: what the
    dashboard's tiles show."""
    conversations = sum(d["conversations"] for d in daily)
    orders = sum(d["orders_paid"] for d in daily)
    revenue: dict[str, int] = {}
    discount: dict[str, int] = {}
    counts: dict[str, int] = {}
    for day in daily:
        for currency, amount in day["revenue"].items():
            revenue[currency] = revenue.get(currency, 0) + amount
        for currency, amount in day["discount_given"].items():
            discount[currency] = discount.get(currency, 0) + amount
        for currency, n in day["orders_by_currency"].items():
            counts[currency] = counts.get(currency, 0) + n
    llm_cost = sum(d["llm_cost_usd"] for d in daily)
    return {
        "conversations": conversations,
        "checkouts_created": sum(d["checkouts_created"] for d in daily),
        "orders_paid": orders,
        "conversion_rate": round(orders / conversations, 4) if conversations else 0.0,
        "revenue": revenue,
        "average_order_value": {c: revenue[c] // counts[c] for c in revenue if counts.get(c)},
        "discount_given": discount,
        "llm_cost_usd": round(llm_cost, 6),
        "llm_cost_per_order_usd": round(llm_cost / orders, 6) if orders else None,
    }
