-- The store's settings (name, currency, policies, payment provider and its non-secret
-- options) change through PATCH /v1/agent/organization; each change is recorded here in
-- the transaction that makes it: which secret key (by id, and by display prefix, which
-- stays if the key row goes), when, and the settings before and after. Provider secrets
-- are never in organizations.settings, so never here either.
CREATE TABLE organization_settings_history (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    api_key_id      uuid REFERENCES api_keys(id) ON DELETE SET NULL,
    api_key_prefix  text NOT NULL,
    changed_at      timestamptz NOT NULL DEFAULT now(),
    settings_before jsonb NOT NULL,
    settings_after  jsonb NOT NULL
);
CREATE INDEX organization_settings_history_org_idx
    ON organization_settings_history (organization_id, changed_at DESC, id DESC);
