-- Human handoff that reaches a person (issue 20, item 2).
--
-- A shopper's "can I talk to someone?" used to set a status nobody saw. Now the store
-- gets a signed webhook (Standard Webhooks) and its people reply into the conversation.

-- Where a store's webhooks go, and the secret they are signed with. The secret must be
-- usable to sign (unlike an API key, it cannot be stored as a hash), so it lives here,
-- apart from organizations.settings: the settings document is returned by the API and
-- copied into organization_settings_changes, and neither may ever hold it.
CREATE TABLE webhook_endpoints (
    organization_id uuid PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    url             text NOT NULL,
    secret          text NOT NULL,          -- "whsec_" + base64 of the key bytes
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- The outbox: one row per event to deliver, written in the same statement as the change
-- it reports (a turn's save), sent after commit by the deliver_webhooks function. Every
-- attempt of a row carries the same webhook-id (the row's id), so a receiver can drop
-- repeats; the body is kept as sent so every attempt signs the same bytes.
CREATE TABLE webhook_deliveries (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    conversation_id uuid REFERENCES conversations(id) ON DELETE CASCADE,
    event_type      text NOT NULL,
    body            text NOT NULL,
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    locked_until    timestamptz,            -- a sender's lease on this row
    last_status     integer,                -- the receiver's HTTP status, if it answered
    last_error      text,
    delivered_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_organization_idx
    ON webhook_deliveries (organization_id, created_at DESC);

-- A person on the store's team writes into the conversation as `operator`; an operator's
-- retry is recognised by its client id as a shopper's is (messages_client_id_uq).
ALTER TABLE messages DROP CONSTRAINT messages_role_check,
    ADD CONSTRAINT messages_role_check
        CHECK (role IN ('user', 'assistant', 'system', 'tool', 'operator'));
