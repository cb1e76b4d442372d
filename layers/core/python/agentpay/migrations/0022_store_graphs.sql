-- Each store's HNSW graph holds one point per distinct product text, and a large import
-- builds it once, after its vectors are written (issue 21, ADR 0010).
--
-- Inserting vectors one by one into a graph built with ef_construction 1000 slowed from
-- about 1,500 to 180 a second as a store grew to 100,000 products: a first import waited
-- most of an hour. A large import now drops the store's graph, writes the vectors without
-- it (full-text search goes on) and builds the graph in one pass at the end.
--
-- Products that share their text (sizes or colours sold as separate products, one name
-- in several listings) share one vector. As separate points they filled each other's
-- neighbour lists at distance 0 and made the graph both larger and worse to walk: on the
-- 100,000-product demo catalog (56,818 distinct texts) recall@10 at ef_search 400 rose
-- from 0.904 to 0.936 for the same ef_construction, and the build took half the time.
-- store_vectors holds those distinct vectors, one partition (and one graph) per store;
-- search walks the graph and joins product_embeddings on the text hash for the products
-- (and the price, stock, colour and size filters), which keeps its per-product rows.

--
-- Each point also carries what its products span (lowest and highest price, any in
-- stock, their colours and sizes), so a filtered walk skips a point none of whose
-- products can pass without probing them. Indexing only widens these (a product's price
-- moving up leaves the old lowest price): a point may be probed for nothing, never
-- skipped wrongly; a store's rebuild sets them exactly.
CREATE TABLE store_vectors (
    organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    text_hash       text NOT NULL,
    embedding       vector(384) NOT NULL,
    price_min       bigint NOT NULL,
    price_max       bigint NOT NULL,
    in_stock        boolean NOT NULL,
    colors          text[] NOT NULL DEFAULT '{}',
    sizes           text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (organization_id, text_hash)
) PARTITION BY LIST (organization_id);

-- The products of one text, for the join from a graph point.
CREATE INDEX product_embeddings_text_idx ON product_embeddings (organization_id, content_hash);

-- A row while a store's vectors are written without a graph and its graph is built.
-- Search reads it: no row, the vector arm runs; a row, full text and trigrams only (an
-- exact scan of a large store's vectors would take far longer). The build deletes the
-- row in its own transaction, so a build that dies leaves the store in bulk, to be built
-- again.
CREATE TABLE vector_graph_builds (
    organization_id uuid PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    products        integer NOT NULL DEFAULT 0,   -- how many the import announced
    started_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- A new organization's partitions: its product rows (no graph of their own any more) and
-- its distinct vectors with their graph, made before ATTACH (which takes only SHARE UPDATE
-- EXCLUSIVE on the parents: searches and indexing go on).
CREATE OR REPLACE FUNCTION agentpay_embedding_partition(org uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    suffix text := replace(org::text, '-', '');
    rows_part text := 'product_embeddings_' || suffix;
    vectors_part text := 'store_vectors_' || suffix;
BEGIN
    IF to_regclass(rows_part) IS NULL THEN
        EXECUTE format('CREATE TABLE %I (LIKE product_embeddings INCLUDING DEFAULTS)',
                       rows_part);
        EXECUTE format('ALTER TABLE product_embeddings ATTACH PARTITION %I FOR VALUES IN (%L)',
                       rows_part, org);
    END IF;
    IF to_regclass(vectors_part) IS NULL THEN
        EXECUTE format('CREATE TABLE %I (LIKE store_vectors INCLUDING DEFAULTS)', vectors_part);
        EXECUTE format('CREATE INDEX %I ON %I USING hnsw (embedding vector_cosine_ops)'
                       ' WITH (m = 16, ef_construction = 1000)', vectors_part || '_graph',
                       vectors_part);
        EXECUTE format('ALTER TABLE store_vectors ATTACH PARTITION %I FOR VALUES IN (%L)',
                       vectors_part, org);
    END IF;
END
$$;

-- Existing stores: their distinct vectors, then their graphs in bulk, then the old
-- per-product graphs go.
SET LOCAL maintenance_work_mem = '512MB';
SELECT agentpay_embedding_partition(id) FROM organizations;
DO $$
DECLARE
    part regclass;
BEGIN
    FOR part IN SELECT inhrelid::regclass FROM pg_inherits
                 WHERE inhparent = 'store_vectors'::regclass LOOP
        EXECUTE format('DROP INDEX %s', (SELECT relname FROM pg_class WHERE oid = part)
                                         || '_graph');
    END LOOP;
END
$$;
INSERT INTO store_vectors (organization_id, text_hash, embedding, price_min, price_max,
                           in_stock, colors, sizes)
SELECT e.organization_id, e.content_hash, (array_agg(e.embedding))[1], min(e.price_minor),
       max(e.price_minor), bool_or(e.in_stock),
       ARRAY(SELECT DISTINCT c FROM product_embeddings x, unnest(x.colors) c
              WHERE x.organization_id = e.organization_id
                AND x.content_hash = e.content_hash),
       ARRAY(SELECT DISTINCT z FROM product_embeddings x, unnest(x.sizes) z
              WHERE x.organization_id = e.organization_id
                AND x.content_hash = e.content_hash)
  FROM product_embeddings e
 GROUP BY e.organization_id, e.content_hash;
DO $$
DECLARE
    part regclass;
BEGIN
    FOR part IN SELECT inhrelid::regclass FROM pg_inherits
                 WHERE inhparent = 'store_vectors'::regclass LOOP
        EXECUTE format('CREATE INDEX %I ON %s USING hnsw (embedding vector_cosine_ops)'
                       ' WITH (m = 16, ef_construction = 1000)',
                       (SELECT relname FROM pg_class WHERE oid = part) || '_graph', part);
    END LOOP;
END
$$;
DROP INDEX product_embeddings_hnsw_idx;

-- The indexer connects as the application role, which may not change the schema: it
-- drops and builds a store's graph through these two (SECURITY DEFINER, like the
-- partition maker). The build is a plain CREATE INDEX: reads go on, writes of that one
-- store's vectors wait until it ends (a bulk import's own writes are over by then).
CREATE FUNCTION agentpay_drop_vector_graph(org uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    EXECUTE format('DROP INDEX IF EXISTS %I',
                   'store_vectors_' || replace(org::text, '-', '') || '_graph');
END
$$;

-- `memory`: maintenance_work_mem for this build (the graph must fit in it to be built
-- fast); the caller sizes it to the store.
CREATE FUNCTION agentpay_build_vector_graph(org uuid, memory text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    part text := 'store_vectors_' || replace(org::text, '-', '');
BEGIN
    IF to_regclass(part) IS NULL OR to_regclass(part || '_graph') IS NOT NULL THEN
        RETURN false;
    END IF;
    PERFORM set_config('maintenance_work_mem', memory, true);
    EXECUTE format('CREATE INDEX %I ON %I USING hnsw (embedding vector_cosine_ops)'
                   ' WITH (m = 16, ef_construction = 1000)', part || '_graph', part);
    -- statistics now, not when autovacuum gets to it: without them the planner can read
    -- a just-loaded store's vectors with a plan four times slower
    EXECUTE format('ANALYZE %I', part);
    EXECUTE format('ANALYZE %I', 'product_embeddings_' || replace(org::text, '-', ''));
    RETURN true;
END
$$;
