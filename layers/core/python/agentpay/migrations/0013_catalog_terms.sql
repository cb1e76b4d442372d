-- Each store's shopping vocabulary: the product types, brands, materials, colours, sizes,
-- genders and yes/no features its products have. The conversation engine reads a message
-- against it ("anything from Loomwell?", "what about a headlamp?", "a medium", "in navy"),
-- so a new store's words need no code change. catalog_words (migration 0011) holds the
-- words of its text for spelling; this table holds what those words are.
--
-- Terms are added in the transaction that writes the products (catalog/repository.py,
-- upsert_many) and made again from the live products by a store's rebuild (an
-- `organization` index message), which also drops the terms of deleted products.
-- Every change bumps organizations.vocabulary_version, which a turn reads with the
-- conversation, so a process's cached vocabulary is reloaded only when it changed.

-- The terms of one product. Product type: the `product_type` attribute (or `type`);
-- features: the attributes whose value is JSON true ("waterproof": true).
CREATE FUNCTION agentpay_catalog_terms(attributes jsonb, brand text, category text,
                                       colors text[], sizes text[])
RETURNS TABLE (kind text, term text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT t.kind, left(btrim(t.term), 100) FROM (
        SELECT 'type' AS kind, coalesce(attributes ->> 'product_type', attributes ->> 'type')
               AS term
        UNION ALL SELECT 'category', category
        UNION ALL SELECT 'brand', brand
        UNION ALL SELECT 'gender', attributes ->> 'gender'
        UNION ALL SELECT 'material', attributes ->> 'material'
         WHERE jsonb_typeof(attributes -> 'material') = 'string'
        UNION ALL SELECT 'material', m
          FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(attributes -> 'materials')
                                              = 'array' THEN attributes -> 'materials'
                                              ELSE '[]'::jsonb END) AS m
        UNION ALL SELECT 'color', c FROM unnest(colors) AS c
        UNION ALL SELECT 'size', s FROM unnest(sizes) AS s
        UNION ALL SELECT 'feature', f.key
          FROM jsonb_each(CASE WHEN jsonb_typeof(attributes) = 'object' THEN attributes
                               ELSE '{}'::jsonb END) AS f
         WHERE f.value = 'true'::jsonb
    ) t
     WHERE t.term IS NOT NULL AND btrim(t.term) <> ''
$$;

CREATE TABLE catalog_terms (
    organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('type', 'category', 'brand', 'gender',
                                                  'material', 'color', 'size', 'feature')),
    term            text NOT NULL,
    PRIMARY KEY (organization_id, kind, term)
);

ALTER TABLE organizations ADD COLUMN vocabulary_version bigint NOT NULL DEFAULT 0;

INSERT INTO catalog_terms (organization_id, kind, term)
SELECT DISTINCT p.organization_id, t.kind, t.term
  FROM products p,
       agentpay_catalog_terms(p.attributes, p.brand, p.category, p.colors, p.sizes) AS t
 WHERE p.deleted_at IS NULL
 ORDER BY 1, 2, 3
ON CONFLICT DO NOTHING;
UPDATE organizations o SET vocabulary_version = 1
 WHERE EXISTS (SELECT 1 FROM catalog_terms t WHERE t.organization_id = o.id);
ANALYZE catalog_terms;
