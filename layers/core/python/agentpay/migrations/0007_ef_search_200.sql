-- hnsw.ef_search 100 → 200 for new sessions: each store now has its own graph
-- (migration 0006), and `agentpay bench search` measured, for one store alone, recall@10
-- against an exact scan of 0.924 → 0.956 at 10,000 products (p50 0.81 → 1.21 ms) and
-- 0.726 → 0.783 at 100,000 (p50 4.1 → 4.9 ms). The hybrid search's candidate depth (40
-- for k = 10) stays below it, so a shopper's turn still needs no set_config.
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET hnsw.ef_search = %L', current_database(), '200');
END
$$;
