-- Full text scoped to one store inside the index. products_search_idx held every store's
-- words: a store's query visited each other store's matching rows on the heap, only for
-- the organization filter to drop them, so a small store's search slowed as other stores
-- grew (ADR 0005). The new index adds each product's store as one more lexeme ('o' and the
-- organization id's hex digits); the search ANDs that lexeme into its tsquery, and GIN
-- intersects the posting lists before any heap visit. The same expression must appear in
-- the query (catalog/search_repository.py, _store_text). btree_gin would do it with a
-- composite index, but the embedded server has no btree_gin.
-- Partial, like every search: deleted and inactive products are never matched.
-- fastupdate off: with it on, new entries wait in a pending list that every search scans
-- until a vacuum merges them; after a benchmark had added and deleted 2,000 products, the
-- 100k store's full-text tier for "trail running shoes" took 3.7 ms, and 1.9 ms once
-- merged. Catalog writes come in batches, searches
-- all the time, so each write merges its own entries instead.
-- CREATE INDEX blocks product writes while it builds: under a second per 100,000 products.
CREATE INDEX products_store_search_idx ON products USING gin (
    (search_vector || array_to_tsvector(ARRAY['o' || replace(organization_id::text, '-', '')])))
    WITH (fastupdate = off)
    WHERE deleted_at IS NULL AND active;
DROP INDEX products_search_idx;
-- the planner's estimates for the new expression (its lexemes, the store lexeme's share)
ANALYZE products;
