-- Term statistics per store, for BM25 in the lexical arm (issue 21, ADR 0011).
--
-- ts_rank_cd scores a match by its words' weights and how close together they stand; it
-- has no inverse document frequency, so in a store where every product says "stainless"
-- that word counts as much as "grinder", and no length normalisation of the BM25 kind.
-- BM25 needs, per store, how many live products (deleted_at IS NULL AND active: what the
-- full-text index holds) contain each lexeme, how many live products there are, and their
-- total length (length(search_vector): distinct lexemes of name, brand, category,
-- attributes and description).
--
-- Kept by statement triggers on products, in the transaction that writes the products:
-- each statement's products are counted in (new live versions) and out (old live
-- versions), aggregated to one change per lexeme, and applied in lexeme order, so two
-- writers of one store take the rows' locks in one order. A rewrite that leaves a
-- product's text and liveness alone (price, stock) changes nothing here. Rows that fall
-- to zero stay until the store is rebuilt (catalog/lexemes_repository.refresh).
CREATE TABLE catalog_lexemes (
    organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    lexeme          text NOT NULL,
    documents       integer NOT NULL,
    PRIMARY KEY (organization_id, lexeme)
);

CREATE TABLE catalog_statistics (
    organization_id uuid PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    documents       integer NOT NULL,
    lexemes         bigint NOT NULL
);

-- The statement's changed live texts, signed: read through the transition tables the
-- trigger names (new_rows, old_rows), once for each of the two tables.
CREATE FUNCTION agentpay_lexeme_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changes text := CASE TG_OP
        WHEN 'INSERT' THEN
            'SELECT n.organization_id, n.search_vector, 1 AS sign FROM new_rows n
              WHERE n.deleted_at IS NULL AND n.active'
        WHEN 'UPDATE' THEN
            'SELECT n.organization_id, n.search_vector, 1 AS sign
               FROM new_rows n JOIN old_rows o ON o.id = n.id
              WHERE n.deleted_at IS NULL AND n.active
                AND NOT (o.deleted_at IS NULL AND o.active AND o.search_vector = n.search_vector)
             UNION ALL
             SELECT o.organization_id, o.search_vector, -1
               FROM old_rows o JOIN new_rows n ON n.id = o.id
              WHERE o.deleted_at IS NULL AND o.active
                AND NOT (n.deleted_at IS NULL AND n.active AND o.search_vector = n.search_vector)'
        ELSE
            'SELECT o.organization_id, o.search_vector, -1 AS sign FROM old_rows o
              WHERE o.deleted_at IS NULL AND o.active'
    END;
BEGIN
    -- the store's statistics row first, then its lexemes in order: one lock order for
    -- every writer. A store being deleted (its products go by cascade) has none to keep.
    EXECUTE format(
        'INSERT INTO catalog_statistics AS s (organization_id, documents, lexemes)
         SELECT c.organization_id, sum(c.sign), sum(c.sign * length(c.search_vector))
           FROM (%s) c
          WHERE EXISTS (SELECT 1 FROM organizations o WHERE o.id = c.organization_id)
          GROUP BY c.organization_id
          ORDER BY c.organization_id
         ON CONFLICT (organization_id) DO UPDATE
            SET documents = s.documents + EXCLUDED.documents,
                lexemes = s.lexemes + EXCLUDED.lexemes', changes);
    EXECUTE format(
        'INSERT INTO catalog_lexemes AS l (organization_id, lexeme, documents)
         SELECT c.organization_id, w.lexeme, sum(c.sign)
           FROM (%s) c, unnest(tsvector_to_array(c.search_vector)) AS w(lexeme)
          WHERE EXISTS (SELECT 1 FROM organizations o WHERE o.id = c.organization_id)
          GROUP BY c.organization_id, w.lexeme
         HAVING sum(c.sign) <> 0
          ORDER BY c.organization_id, w.lexeme
         ON CONFLICT (organization_id, lexeme) DO UPDATE
            SET documents = l.documents + EXCLUDED.documents', changes);
    RETURN NULL;
END
$$;

CREATE TRIGGER products_lexemes_insert AFTER INSERT ON products
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agentpay_lexeme_trigger();
CREATE TRIGGER products_lexemes_update AFTER UPDATE ON products
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agentpay_lexeme_trigger();
CREATE TRIGGER products_lexemes_delete AFTER DELETE ON products
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION agentpay_lexeme_trigger();

-- The stores' statistics as they stand.
INSERT INTO catalog_statistics (organization_id, documents, lexemes)
SELECT p.organization_id, count(*), sum(length(p.search_vector))
  FROM products p
 WHERE p.deleted_at IS NULL AND p.active
 GROUP BY p.organization_id;

INSERT INTO catalog_lexemes (organization_id, lexeme, documents)
SELECT p.organization_id, w.lexeme, count(*)
  FROM products p, unnest(tsvector_to_array(p.search_vector)) AS w(lexeme)
 WHERE p.deleted_at IS NULL AND p.active
 GROUP BY p.organization_id, w.lexeme;

ANALYZE catalog_statistics;
ANALYZE catalog_lexemes;
