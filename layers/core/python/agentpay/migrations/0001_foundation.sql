-- Foundation schema: tenants, keys, agents, conversations, messages, products,
-- product embeddings (pgvector HNSW), WebSocket connections.
CREATE EXTENSION IF NOT EXISTS vector;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE organizations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    settings    jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);

-- Only a SHA-256 of the secret is stored; the prefix identifies a key in lists and logs.
CREATE TABLE api_keys (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name            text NOT NULL DEFAULT 'default',
    prefix          text NOT NULL,
    secret_hash     text NOT NULL UNIQUE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz,
    revoked_at      timestamptz
);
CREATE INDEX api_keys_organization_idx ON api_keys (organization_id);

CREATE TABLE agents (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name            text NOT NULL,
    description     text,
    personality     jsonb NOT NULL DEFAULT '{}'::jsonb,
    tools           jsonb NOT NULL DEFAULT '[]'::jsonb,
    rules           jsonb NOT NULL DEFAULT '{}'::jsonb,
    config          jsonb NOT NULL DEFAULT '{}'::jsonb,
    publishable_key text NOT NULL UNIQUE,
    is_active       boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz
);
CREATE INDEX agents_organization_idx ON agents (organization_id, created_at DESC)
    WHERE deleted_at IS NULL;

CREATE TABLE conversations (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id    uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    agent_id           uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    session_id         text NOT NULL,
    status             text NOT NULL DEFAULT 'active'
                       CHECK (status IN ('active', 'handoff', 'completed', 'abandoned')),
    stage              text NOT NULL DEFAULT 'discovery'
                       CHECK (stage IN ('discovery', 'browsing', 'consideration', 'negotiation',
                                        'checkout', 'completed', 'abandoned')),
    customer           jsonb NOT NULL DEFAULT '{}'::jsonb,
    context            jsonb NOT NULL DEFAULT '{}'::jsonb,
    negotiation_history jsonb NOT NULL DEFAULT '[]'::jsonb,
    hesitation_signals jsonb NOT NULL DEFAULT '[]'::jsonb,
    token_hash         text NOT NULL UNIQUE,
    token_expires_at   timestamptz NOT NULL,
    message_count      integer NOT NULL DEFAULT 0,
    last_message_at    timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    deleted_at         timestamptz
);
CREATE UNIQUE INDEX conversations_session_uq ON conversations (agent_id, session_id)
    WHERE deleted_at IS NULL;
CREATE INDEX conversations_organization_idx ON conversations (organization_id, created_at DESC);

CREATE TABLE messages (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id   uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    conversation_id   uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq               bigint NOT NULL,
    role              text NOT NULL CHECK (role IN ('user', 'assistant', 'system', 'tool')),
    content           text NOT NULL,
    intent            text,
    intent_confidence real,
    intent_source     text,
    entities          jsonb NOT NULL DEFAULT '[]'::jsonb,
    tool_calls        jsonb NOT NULL DEFAULT '[]'::jsonb,
    usage             jsonb NOT NULL DEFAULT '{}'::jsonb,
    client_message_id text,
    reply_to          uuid REFERENCES messages(id) ON DELETE CASCADE,
    created_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (conversation_id, seq)
);
CREATE UNIQUE INDEX messages_client_id_uq ON messages (conversation_id, client_message_id)
    WHERE client_message_id IS NOT NULL;
CREATE INDEX messages_reply_to_idx ON messages (reply_to) WHERE reply_to IS NOT NULL;

CREATE TABLE products (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    external_id      text NOT NULL,
    name             text NOT NULL,
    description      text NOT NULL DEFAULT '',
    price_minor      bigint NOT NULL CHECK (price_minor >= 0),
    currency         char(3) NOT NULL,
    compare_at_minor bigint CHECK (compare_at_minor IS NULL OR compare_at_minor >= 0),
    category         text,
    brand            text,
    attributes       jsonb NOT NULL DEFAULT '{}'::jsonb,
    variants         jsonb NOT NULL DEFAULT '[]'::jsonb,
    image_url        text,
    url              text,
    active           boolean NOT NULL DEFAULT true,
    in_stock         boolean NOT NULL DEFAULT true,
    colors           text[] NOT NULL DEFAULT '{}',
    sizes            text[] NOT NULL DEFAULT '{}',
    -- Attribute words (colours, sizes, material, ...) flattened by the service for search.
    attribute_text   text NOT NULL DEFAULT '',
    content_hash     text NOT NULL,
    indexed_hash     text,           -- content_hash of the version last indexed
    indexed_at       timestamptz,
    search_vector    tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(name, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(brand, '') || ' ' || coalesce(category, '')
                                         || ' ' || attribute_text), 'B') ||
        setweight(to_tsvector('english', coalesce(description, '')), 'C')
    ) STORED,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at       timestamptz,
    UNIQUE (organization_id, external_id)
);
CREATE INDEX products_search_idx ON products USING gin (search_vector);
CREATE INDEX products_name_trgm_idx ON products USING gin (name gin_trgm_ops);
CREATE INDEX products_org_price_idx ON products (organization_id, price_minor)
    WHERE deleted_at IS NULL AND active;
CREATE INDEX products_org_page_idx ON products (organization_id, created_at DESC, id DESC)
    WHERE deleted_at IS NULL;

-- One row per indexed product: the vector of its current text, plus copies of the
-- columns shoppers filter on, so pgvector's iterative HNSW scan can apply the filters
-- inside the index scan and still return k rows. The products row stays authoritative.
-- 384 dimensions fit the local embedder and text-embedding-3-small with dimensions=384.
CREATE TABLE product_embeddings (
    product_id      uuid PRIMARY KEY REFERENCES products(id) ON DELETE CASCADE,
    organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    model           text NOT NULL,
    content_hash    text NOT NULL,
    embedding       vector(384) NOT NULL,
    price_minor     bigint NOT NULL,
    currency        char(3) NOT NULL,
    in_stock        boolean NOT NULL,
    category        text,
    colors          text[] NOT NULL DEFAULT '{}',
    sizes           text[] NOT NULL DEFAULT '{}',
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX product_embeddings_hnsw_idx ON product_embeddings
    USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);
CREATE INDEX product_embeddings_org_idx ON product_embeddings (organization_id);

CREATE TABLE embedding_cache (
    model      text NOT NULL,
    text_hash  text NOT NULL,
    embedding  vector(384) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model, text_hash)
);

CREATE TABLE ws_connections (
    connection_id   text PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    connected_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ws_connections_conversation_idx ON ws_connections (conversation_id);
