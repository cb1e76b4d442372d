-- Which version of a product the search index holds now lives on its index row, not on
-- the product: marking a product indexed used to UPDATE products, which recomputed the
-- stored tsvector and rewrote both GIN indexes for every indexed product (half of the
-- indexing time). An index row carries the product's content_hash as product_hash.
ALTER TABLE product_embeddings ADD COLUMN product_hash text;

UPDATE product_embeddings e
   SET product_hash = p.indexed_hash
  FROM products p
 WHERE p.id = e.product_id;

ALTER TABLE products DROP COLUMN indexed_hash, DROP COLUMN indexed_at;
