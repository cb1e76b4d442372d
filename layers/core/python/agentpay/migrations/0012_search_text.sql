-- Product text is normalised before Postgres parses it for full text, in two ways.
--
-- Words joined by a slash are two words. The parser reads "Drill/Driver", "Washer/Dryer"
-- or "Black/White" as one file-path token, so the lexeme was 'drill/driver' and a search
-- for "drill", "driver" or "white" did not match the product by its text at all (on the
-- demo catalog, "drill" found drill bits but no cordless drill: every one is named
-- "... Drill/Driver ..."). A slash with a letter on either side becomes a space; a slash
-- between digits stays, so "1/2 in." is still the lexeme '1/2'.
--
-- A length in inches or feet is written one way: 36", 36'', 36 in., 36in, 36-inch and
-- 36 inches all become "36 inch" (ft., feet and foot: "foot"). Shops write 36'' or
-- 36 in. and shoppers type "36 inch": "in" is an English stop word and a quote is no
-- word, so the unit was lost on one side and the query's 'inch' matched nothing. A bare
-- "in" followed by a number is left alone ("2 in 1"). catalog/search_text.py normalises
-- queries by the same rules (tests/test_search_text.py checks that the two agree).
CREATE FUNCTION agentpay_search_text(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT regexp_replace(regexp_replace(regexp_replace(regexp_replace(t,
        '([^[:digit:]])/|/([^[:digit:]])', '\1 \2', 'g'),
        '([[:digit:]])[[:space:]]*(''''|"|″|”)', '\1 inch ', 'g'),
        '([[:digit:]])[[:space:]]*-?[[:space:]]*(inches|inch|in\.|in(?![[:space:]]*[[:digit:]]))(?![[:alnum:]])',
        '\1 inch', 'gi'),
        '([[:digit:]])[[:space:]]*-?[[:space:]]*(feet|foot|ft\.?)(?![[:alnum:]])', '\1 foot', 'gi')
$$;

-- A generated column's expression cannot be altered before PostgreSQL 17, so the column is
-- made again; dropping it drops the full-text index, which is then built again as
-- migration 0009 made it. products is rewritten under an exclusive lock, which holds
-- catalog writes and searches: the whole migration took 12-14 s on 121,000 products here.
ALTER TABLE products DROP COLUMN search_vector;
ALTER TABLE products ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', agentpay_search_text(coalesce(name, ''))), 'A') ||
    setweight(to_tsvector('english', agentpay_search_text(
        coalesce(brand, '') || ' ' || coalesce(category, '') || ' ' || attribute_text)), 'B') ||
    setweight(to_tsvector('english', agentpay_search_text(coalesce(description, ''))), 'C')
) STORED;
CREATE INDEX products_store_search_idx ON products USING gin (
    (search_vector || array_to_tsvector(ARRAY['o' || replace(organization_id::text, '-', '')])))
    WITH (fastupdate = off)
    WHERE deleted_at IS NULL AND active;

-- The stores' vocabularies (migration 0011) split the same way, and made again.
CREATE OR REPLACE FUNCTION agentpay_catalog_words(name text, brand text, category text,
                                                  attribute_text text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT w FROM unnest(tsvector_to_array(to_tsvector('simple'::regconfig,
               agentpay_search_text(concat_ws(' ', name, brand, category, attribute_text))))) AS w
     WHERE length(w) BETWEEN 3 AND 40 AND w !~ '^[-+.,/0-9]+$'
$$;
DELETE FROM catalog_words WHERE word LIKE '%/%';
INSERT INTO catalog_words (organization_id, word)
SELECT DISTINCT p.organization_id, w
  FROM products p,
       agentpay_catalog_words(p.name, p.brand, p.category, p.attribute_text) AS w
 WHERE p.deleted_at IS NULL
ON CONFLICT DO NOTHING;

ANALYZE products;
ANALYZE catalog_words;
