-- Limits that hold across Lambda instances (issue 19, item 5). Each execution environment
-- used to keep its own in-memory buckets, so N warm instances allowed N times every limit,
-- a publishable key could open conversations without end, WebSocket frames were free, and
-- nothing stopped a store's model bill.
--
-- A token bucket: `tokens` after the last take, at `at`; it refills at `per_second` up to
-- `capacity` (the burst). A take is granted when at least one token has refilled, and a
-- refusal takes nothing, so a client that waits for its Retry-After is served then. The
-- clock is the database's (one clock for every instance); `at` never moves backwards, so
-- a statement whose transaction started earlier cannot refill twice.
CREATE FUNCTION agentpay_bucket_refill(tokens double precision, at timestamptz,
                                       capacity double precision,
                                       per_second double precision)
RETURNS double precision LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT least(capacity, coalesce(tokens, capacity)
                 + greatest(0, extract(epoch FROM now() - coalesce(at, now()))::double precision)
                   * per_second)
$$;

-- The tokens left after a take: one fewer when one was there, else unchanged (refused).
CREATE FUNCTION agentpay_bucket_take(tokens double precision, at timestamptz,
                                     capacity double precision,
                                     per_second double precision)
RETURNS double precision LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN r >= 1 THEN r - 1 ELSE r END
      FROM agentpay_bucket_refill(tokens, at, capacity, per_second) AS r
$$;

-- Buckets by key: 'key:<credential hash>' (every API call), 'new-conversations:agent:<id>'
-- and 'new-conversations:ip:<address>' (conversations a browser may start). A row idle
-- longer than its refill time is a full bucket, the same as no row, so idle rows are
-- deleted a few hundred at a time by the statements that take (oldest first, by `at`).
-- UNLOGGED: a crash empties the table, which only forgives a minute of counting, and the
-- hot update on every call writes no WAL.
CREATE UNLOGGED TABLE rate_buckets (
    key     text PRIMARY KEY,
    tokens  double precision NOT NULL,
    at      timestamptz NOT NULL,
    granted boolean NOT NULL DEFAULT true   -- whether the last take was granted
);
CREATE INDEX rate_buckets_at_idx ON rate_buckets (at);

-- A WebSocket connection's frames (ping, typing, resume, message): the bucket lives on
-- the connection's row, read and taken by the statement that checks every frame, and goes
-- with the row. frame_refusals counts refusals in a row, so a flooding socket is told once.
ALTER TABLE ws_connections ADD COLUMN frame_tokens double precision;
ALTER TABLE ws_connections ADD COLUMN frame_at timestamptz;
ALTER TABLE ws_connections ADD COLUMN frame_refusals integer NOT NULL DEFAULT 0;

-- What each organization's model calls cost per UTC day, added by the statement that
-- saves a turn whose reply cost anything; read with the turn, before any model call, and
-- compared with the organization's daily budget (settings.limits, or the default).
CREATE TABLE model_spend (
    organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    day             date NOT NULL,
    cost_usd        numeric(14, 6) NOT NULL DEFAULT 0,
    calls           integer NOT NULL DEFAULT 0,
    PRIMARY KEY (organization_id, day)
);
