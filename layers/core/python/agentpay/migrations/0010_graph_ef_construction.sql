-- Each store's HNSW graph is built with ef_construction 1000 (pgvector's maximum) instead
-- of 64. On the 100k demo store's 98,034 vectors (200 queries, ef_search 200, recall@10
-- against an exact scan): 0.815 at 64, 0.911 at 400, 0.944 at 800, 0.972 at 1000, for a
-- walk of 1.4 → 2.2 ms (ADR 0008). m stays 16: pgvector prices a walk by m × ef_search,
-- and at m 32 the planner reads a 10,000-product store by exact scan instead (5.5 ms).
-- Inserting into a 100,000-vector graph slows from about 1,500 to 180 vectors a second.
--
-- A partition's index is made with the partition, before ATTACH, which adopts it as the
-- partition's part of product_embeddings_hnsw_idx (a partitioned index's options cannot
-- be altered). Existing graphs get the option for the vectors inserted from now on;
-- `agentpay catalog rebuild-graph --org ID` rebuilds one with it (REINDEX CONCURRENTLY).
CREATE OR REPLACE FUNCTION agentpay_embedding_partition(org uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    part text := 'product_embeddings_' || replace(org::text, '-', '');
BEGIN
    IF to_regclass(part) IS NOT NULL THEN
        RETURN;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE product_embeddings INCLUDING DEFAULTS)', part);
    EXECUTE format('CREATE INDEX %I ON %I USING hnsw (embedding vector_cosine_ops)'
                   ' WITH (m = 16, ef_construction = 1000)', part || '_hnsw', part);
    EXECUTE format('ALTER TABLE product_embeddings ATTACH PARTITION %I FOR VALUES IN (%L)',
                   part, org);
END
$$;

DO $$
DECLARE
    graph regclass;
BEGIN
    FOR graph IN SELECT inhrelid::regclass FROM pg_inherits
                  WHERE inhparent = 'product_embeddings_hnsw_idx'::regclass LOOP
        EXECUTE format('ALTER INDEX %s SET (ef_construction = 1000)', graph);
    END LOOP;
END
$$;
