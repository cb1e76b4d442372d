-- No JIT compilation. The hybrid search statement's estimated cost passes jit_above_cost
-- on a large catalog, and compiling it costs far more than running it: at 100,000
-- products the search SQL took p50 329 ms with JIT and 62.5 ms without (same queries,
-- same run). Every query here is short and interactive; none gains from JIT.
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET jit = %L', current_database(), 'off');
END
$$;
