-- A knowledge base per store (issue 20, item 1): the store's help articles (shipping,
-- returns, sizing, payment, warranty, contact), upserted by external_id like products and
-- indexed through the same queue into passages the agent answers store questions from.
--
-- Articles keep what the store sent (Markdown or plain text, at most 100 KB). indexed_hash
-- is the content_hash whose passages are in knowledge_passages: a PUT re-queues an article
-- whose indexing never finished, and a redelivered index message finds nothing to do.
CREATE TABLE knowledge_articles (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    external_id     text NOT NULL,
    title           text NOT NULL,
    body            text NOT NULL,
    url             text,
    tags            text[] NOT NULL DEFAULT '{}',
    content_hash    text NOT NULL,
    indexed_hash    text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz,
    UNIQUE (organization_id, external_id)
);
CREATE INDEX knowledge_articles_page_idx
    ON knowledge_articles (organization_id, created_at DESC, id DESC) WHERE deleted_at IS NULL;

-- An article cut at its headings and paragraphs; each passage with its heading path
-- ("Shipping › International orders"), its text, full text and a vector. A store has tens
-- to a few thousand passages, so the vector search is an exact scan of the store's own
-- rows (read through the primary key's organization prefix): exact recall, and no HNSW
-- graph per store to build for so few rows. Rows are replaced whole per article when
-- its text changes; model says which embedder made the vector.
CREATE TABLE knowledge_passages (
    organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    article_id      uuid NOT NULL REFERENCES knowledge_articles(id) ON DELETE CASCADE,
    ordinal         integer NOT NULL,
    heading         text NOT NULL,
    body            text NOT NULL,
    model           text NOT NULL,
    text_hash       text NOT NULL,
    embedding       vector(384) NOT NULL,
    search_vector   tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', heading), 'A') ||
        setweight(to_tsvector('english', body), 'B')
    ) STORED,
    PRIMARY KEY (organization_id, article_id, ordinal)
);
CREATE INDEX knowledge_passages_search_idx ON knowledge_passages USING gin (search_vector);
