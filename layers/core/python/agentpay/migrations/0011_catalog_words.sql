-- Each store's vocabulary: the words of its products' names, brands, categories and
-- attributes, for spelling correction. A query word that no product of the store has
-- ("headphnes") is replaced by the store's closest words ("headphones") and searched by
-- full text. Until now such a word ran a trigram search over the product names instead:
-- every name with half of the query's trigrams was rechecked with word_similarity, which
-- at 100,000 products took 30 to 70 ms ("runnning shoes": 2,688 names). A store's
-- vocabulary is some 12,000 words at 100,000 products, and a lookup takes about 0.25 ms.
--
-- One partition per store, like product_embeddings (migration 0006): each has its own
-- trigram index, so a lookup reads only its store's words (the embedded server has no
-- btree_gin for a composite (organization_id, word) trigram index). The partition is made
-- by the organizations trigger, in the transaction that inserts the organization.
--
-- The trigram index on product names served only that search, and every product write
-- paid for it: dropped.
--
-- Words are added when products are written (catalog/repository.py, upsert_many) and
-- not removed when a product goes: a word left behind can only be offered as a
-- correction that then matches nothing.

-- The words of one product, as Postgres's text parser splits them (the 'simple'
-- configuration: lower case, no stemming): three characters or more, not numbers.
CREATE FUNCTION agentpay_catalog_words(name text, brand text, category text,
                                       attribute_text text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT w FROM unnest(tsvector_to_array(to_tsvector('simple'::regconfig,
               concat_ws(' ', name, brand, category, attribute_text)))) AS w
     WHERE length(w) BETWEEN 3 AND 40 AND w !~ '^[-+.,/0-9]+$'
$$;

CREATE TABLE catalog_words (
    organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    word            text NOT NULL,
    PRIMARY KEY (organization_id, word)
) PARTITION BY LIST (organization_id);
CREATE INDEX catalog_words_trgm_idx ON catalog_words USING gin (word gin_trgm_ops);

-- ATTACH builds the partition's primary key and trigram index, as for embeddings.
CREATE FUNCTION agentpay_word_partition(org uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    part text := 'catalog_words_' || replace(org::text, '-', '');
BEGIN
    IF to_regclass(part) IS NOT NULL THEN
        RETURN;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE catalog_words INCLUDING DEFAULTS)', part);
    EXECUTE format('ALTER TABLE catalog_words ATTACH PARTITION %I FOR VALUES IN (%L)',
                   part, org);
END
$$;

CREATE OR REPLACE FUNCTION agentpay_organization_partitions() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM agentpay_embedding_partition(NEW.id);
    PERFORM agentpay_word_partition(NEW.id);
    RETURN NEW;
END
$$;

SELECT agentpay_word_partition(id) FROM organizations;

INSERT INTO catalog_words (organization_id, word)
SELECT DISTINCT p.organization_id, w
  FROM products p,
       agentpay_catalog_words(p.name, p.brand, p.category, p.attribute_text) AS w
 WHERE p.deleted_at IS NULL;
ANALYZE catalog_words;

DROP INDEX products_name_trgm_idx;
