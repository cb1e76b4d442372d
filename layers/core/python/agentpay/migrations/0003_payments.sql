-- Checkout and payments: server-side signed quotes, provider checkouts, paid orders, and
-- the webhook events already processed (de-duplication on the provider's event id).

CREATE TABLE quotes (
    id               text PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    conversation_id  uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    agent_id         uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    currency         char(3) NOT NULL,
    lines            jsonb NOT NULL,
    subtotal_minor   bigint NOT NULL CHECK (subtotal_minor >= 0),
    discount_minor   bigint NOT NULL DEFAULT 0
                     CHECK (discount_minor >= 0 AND discount_minor <= subtotal_minor),
    discount_percent numeric(5, 2) NOT NULL DEFAULT 0,
    total_minor      bigint NOT NULL CHECK (total_minor = subtotal_minor - discount_minor),
    offer_id         text,
    cart_hash        text NOT NULL,
    signature        text NOT NULL,
    expires_at       timestamptz NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX quotes_conversation_idx ON quotes (conversation_id, created_at DESC);

CREATE TABLE checkouts (
    id                   text PRIMARY KEY,
    organization_id      uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    conversation_id      uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    agent_id             uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    quote_id             text NOT NULL REFERENCES quotes(id) ON DELETE CASCADE,
    provider             text NOT NULL,
    provider_checkout_id text NOT NULL,
    url                  text NOT NULL,
    status               text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completed')),
    subtotal_minor       bigint NOT NULL,
    discount_minor       bigint NOT NULL,
    total_minor          bigint NOT NULL,
    currency             char(3) NOT NULL,
    expires_at           timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider, provider_checkout_id)
);
CREATE INDEX checkouts_org_created_idx ON checkouts (organization_id, created_at);

CREATE TABLE orders (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id   uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    conversation_id   uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    agent_id          uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    checkout_id       text NOT NULL UNIQUE REFERENCES checkouts(id) ON DELETE CASCADE,
    provider          text NOT NULL,
    provider_order_id text,
    subtotal_minor    bigint NOT NULL,
    discount_minor    bigint NOT NULL,
    total_minor       bigint NOT NULL,
    currency          char(3) NOT NULL,
    paid_at           timestamptz NOT NULL DEFAULT now(),
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_org_paid_idx ON orders (organization_id, paid_at);

CREATE TABLE webhook_events (
    provider        text NOT NULL,
    event_id        text NOT NULL,
    event_type      text NOT NULL,
    organization_id uuid REFERENCES organizations(id) ON DELETE CASCADE,
    received_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, event_id)
);
