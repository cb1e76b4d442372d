-- The operator dashboard's sign-in (issue 20, item 3).
--
-- A person on the store's team signs in with the organization's secret key once; the
-- browser then holds only a short-lived operator token (never the secret key). Stored as
-- a hash like every credential. The token lives no longer than the key that issued it:
-- the look-up joins the key, so revoking or rotating the key (or deleting the
-- organization) stops its operator tokens at once.
CREATE TABLE operator_tokens (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    key_id          uuid NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
    token_hash      text NOT NULL UNIQUE,
    expires_at      timestamptz NOT NULL,
    revoked_at      timestamptz,            -- signed out
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX operator_tokens_organization_idx ON operator_tokens (organization_id, created_at);

-- The dashboard's live updates ride the same WebSocket API as the shopper's widget: a
-- socket opened with an operator token belongs to the organization, not to one
-- conversation, and is sent a short `conversation_activity` frame for each message and
-- status change of any of the store's conversations. Signing out (or the token's end,
-- when it is pruned) forgets its sockets.
ALTER TABLE ws_connections ALTER COLUMN conversation_id DROP NOT NULL;
ALTER TABLE ws_connections
    ADD COLUMN operator_token_id uuid REFERENCES operator_tokens(id) ON DELETE CASCADE;
ALTER TABLE ws_connections ADD CONSTRAINT ws_connections_one_audience
    CHECK ((conversation_id IS NULL) <> (operator_token_id IS NULL));
CREATE INDEX ws_connections_operators_idx ON ws_connections (organization_id)
    WHERE operator_token_id IS NOT NULL;
