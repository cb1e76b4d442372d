-- Keys can be rotated and revoked, and open sockets are re-checked on every frame.
--
-- A rotated secret key may keep working for an overlap (expires_at), so a store can roll
-- the new key out before the old one stops; replaced_by names its successor. A revoked
-- key (revoked_at) stops at once. Only SHA-256 hashes of secret keys are stored, as before.
ALTER TABLE api_keys ADD COLUMN expires_at timestamptz;
ALTER TABLE api_keys ADD COLUMN replaced_by uuid REFERENCES api_keys(id) ON DELETE SET NULL;

-- An agent's publishable key is public by design (it sits in the store's page source);
-- after a rotation the key it replaced may start conversations until the overlap ends.
ALTER TABLE agents ADD COLUMN previous_publishable_key text UNIQUE;
ALTER TABLE agents ADD COLUMN previous_publishable_key_expires_at timestamptz;

-- Which conversation token opened a socket (its hash): a frame from a socket whose token
-- expired, or was replaced by a resume, is refused like an HTTP call with that token.
-- Sockets opened before this migration have none and are checked by expiry alone.
ALTER TABLE ws_connections ADD COLUMN token_hash text;
