-- Search settings as database defaults, so a shopper's turn needs no set_config round
-- trip: pgvector's iterative index scans keep filtered queries at k results, a search
-- list deep enough for the hybrid candidate pool, and the pg_trgm threshold the fuzzy
-- arm of the hybrid search is tuned for. New sessions pick these up (RDS Proxy applies
-- them at connection start; no session-level SET, so no pinning).
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET hnsw.iterative_scan = %L', current_database(),
                   'relaxed_order');
    EXECUTE format('ALTER DATABASE %I SET hnsw.ef_search = %L', current_database(), '100');
    EXECUTE format('ALTER DATABASE %I SET pg_trgm.word_similarity_threshold = %L',
                   current_database(), '0.5');
END
$$;
