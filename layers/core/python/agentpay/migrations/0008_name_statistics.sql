-- Fewer statistics on products.name. The planner estimates the hybrid search's trigram
-- condition (`query <% name`) by running word_similarity against every most-common value
-- and histogram bound of the column: about 200 at the default target, on every search,
-- even when the trigram arm is then skipped. That was 1.6 of the statement's 2.2 ms of
-- planning at 100,000 products; at target 10 the whole statement plans in 0.8 ms, and the
-- plans of typo queries ("runnning shoe", "hoodei", "backpaking tnet") were unchanged:
-- the same bitmap scans of products_name_trgm_idx. Nothing else filters on the name.
ALTER TABLE products ALTER COLUMN name SET STATISTICS 10;
ANALYZE products (name);
