"""SQL for rate buckets (table ``rate_buckets``, functions in migration 0016).

A take is one statement, and it can ride along with a look-up the request makes anyway
(the credential's, when a call is authenticated), so a limit that holds across every
Lambda instance costs no extra round trip. Buckets are taken in order and a later one only
when the earlier ones granted: a browser refused for its address does not spend its
store's allowance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, LiteralString

import psycopg
from psycopg import sql

# A bucket refills completely within a minute (its capacity is its rate per minute), so a
# row idle for longer is a full bucket, the same as no row: ``prune`` deletes rows idle
# for PRUNE_IDLE, oldest first, in a statement of its own that about one conversation
# start in ``service.TIDY_EVERY`` runs (``service.tidy``); a take never deletes. Migration
# 0016's comment on ``rate_buckets`` still says the takes delete idle rows, as the first
# version did: it stays as applied, since the migrator records each file's checksum and
# refuses one that changed after it ran.
PRUNE_IDLE = "10 minutes"


@dataclass(frozen=True)
class Bucket:
    """``per_minute`` takes a minute, with bursts of up to ``per_minute``."""

    key: str
    per_minute: int
    what: str = "requests"  # what a refusal says there are too many of

    @property
    def capacity(self) -> float:
        return float(self.per_minute)

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0


@dataclass(frozen=True)
class Take:
    bucket: Bucket
    granted: bool | None  # None: not reached, an earlier bucket refused
    tokens: float | None


_STEP = sql.SQL("""
{name} AS (
    INSERT INTO rate_buckets AS b (key, tokens, at, granted)
    SELECT {key}, {capacity} - 1, now(), true FROM {source} LIMIT 1
    ON CONFLICT (key) DO UPDATE
       SET tokens = agentpay_bucket_take(b.tokens, b.at, {capacity}, {per_second}),
           granted = agentpay_bucket_refill(b.tokens, b.at, {capacity}, {per_second}) >= 1,
           at = greatest(b.at, now())
    RETURNING granted, tokens)""")


def _statement(lookup: LiteralString | None,
               buckets: Sequence[Bucket]) -> tuple[sql.Composed, dict[str, Any]]:
    ctes: list[sql.Composable] = []
    params: dict[str, Any] = {}
    if lookup is not None:
        ctes.append(sql.SQL("found AS ({})").format(sql.SQL(lookup)))
        start = sql.SQL("found")
        outputs: list[sql.Composable] = [sql.SQL("found.*")]
        base = sql.SQL("found")
    else:
        start = sql.SQL("(SELECT 1) AS one")
        outputs = []
        base = sql.SQL("(SELECT 1) AS one")
    joins: list[sql.Composable] = []
    for n, bucket in enumerate(buckets):
        name = sql.Identifier(f"b{n}")
        source = start if n == 0 else sql.SQL("{prev} WHERE {prev}.granted").format(
            prev=sql.Identifier(f"b{n - 1}"))
        ctes.append(_STEP.format(
            name=name, key=sql.Placeholder(f"b{n}_key"), source=source,
            capacity=sql.Placeholder(f"b{n}_capacity"),
            per_second=sql.Placeholder(f"b{n}_per_second")))
        params.update({f"b{n}_key": bucket.key, f"b{n}_capacity": bucket.capacity,
                       f"b{n}_per_second": bucket.per_second})
        outputs += [sql.SQL("{}.granted AS {}").format(name, sql.Identifier(f"b{n}_granted")),
                    sql.SQL("{}.tokens AS {}").format(name, sql.Identifier(f"b{n}_tokens"))]
        joins.append(sql.SQL("LEFT JOIN {} ON true").format(name))
    statement = sql.SQL("WITH {ctes}\nSELECT {outputs} FROM {base} {joins}").format(
        ctes=sql.SQL(",").join(ctes), outputs=sql.SQL(", ").join(outputs or [sql.SQL("1")]),
        base=base, joins=sql.SQL(" ").join(joins))
    return statement, params


_TEXT: dict[tuple[str | None, int], str] = {}


def _statement_text(conn: psycopg.Connection, lookup: LiteralString | None,
                    buckets: Sequence[Bucket]) -> tuple[str, dict[str, Any]]:
    """The statement as text, composed once per look-up and bucket count (the buckets'
    keys and rates are parameters): every authenticated call runs one."""
    statement, params = _statement(lookup, buckets)
    key = (lookup, len(buckets))
    text = _TEXT.get(key)
    if text is None:
        text = _TEXT[key] = statement.as_string(conn)
    return text, params


def _takes(row: dict[str, Any], buckets: Sequence[Bucket]) -> list[Take]:
    return [Take(bucket, row.pop(f"b{n}_granted"), row.pop(f"b{n}_tokens"))
            for n, bucket in enumerate(buckets)]


def take(conn: psycopg.Connection, buckets: Sequence[Bucket]) -> list[Take]:
    """Take one token from each bucket in order, stopping at the first refusal."""
    if not buckets:
        return []
    statement, params = _statement_text(conn, None, buckets)
    return _takes(conn.execute(statement, params).fetchone(), buckets)


def lookup_and_take(conn: psycopg.Connection, lookup: LiteralString, params: dict[str, Any],
                    buckets: Sequence[Bucket]) -> tuple[dict[str, Any] | None, list[Take]]:
    """Run ``lookup`` (one SELECT of at most one row, named %(...)s parameters) and, only
    when it finds its row, take from ``buckets``: one statement, one round trip."""
    if not buckets:
        return conn.execute(lookup, params).fetchone(), []
    statement, own = _statement_text(conn, lookup, buckets)
    row = conn.execute(statement, {**params, **own}).fetchone()  # type: ignore[arg-type]
    if row is None:
        return None, []
    return row, _takes(row, buckets)


def prune(conn: psycopg.Connection, limit: int | None = None) -> int:
    """Delete up to ``limit`` (None: every) idle bucket, oldest first, skipping rows a
    take holds."""
    return conn.execute(
        """DELETE FROM rate_buckets WHERE key IN (
               SELECT key FROM rate_buckets
                WHERE at < now() - %(idle)s::interval
                ORDER BY at LIMIT %(limit)s FOR UPDATE SKIP LOCKED)""",
        {"idle": PRUNE_IDLE, "limit": limit}).rowcount


def spent_today(conn: psycopg.Connection, organization_id: Any) -> float:
    """What the organization's model calls cost so far today (UTC), in US dollars."""
    row = conn.execute(
        """SELECT cost_usd FROM model_spend
            WHERE organization_id = %s AND day = (now() AT TIME ZONE 'UTC')::date""",
        (organization_id,),
    ).fetchone()
    return float(row["cost_usd"]) if row else 0.0
