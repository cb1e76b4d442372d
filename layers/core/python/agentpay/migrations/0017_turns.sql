-- A turn in two short transactions (issue 19, item 4). A turn used to hold its
-- transaction, and the conversation's row lock, while the model streamed and while a
-- payment provider created a checkout: every turn in flight pinned an RDS Proxy
-- connection, a second tab waited for the whole reply, and a checkout row rolled back
-- with a failed turn left the provider's checkout (and its paid webhook) with nothing to
-- match.
--
-- Now the first transaction locks the conversation, checks it, records the shopper's
-- message and takes a lease on the conversation's turn (turn_id, until
-- turn_expires_at); the tools and the model run with no transaction open; a second
-- statement saves the reply and the new state only while the lease and the version read
-- by the first are still current. A lease that expired (its Lambda was killed) is cleared
-- by the next turn, with its unanswered message.
ALTER TABLE conversations
    ADD COLUMN version         bigint NOT NULL DEFAULT 0,  -- bumped by every state write
    ADD COLUMN turn_id         uuid,                       -- the turn in flight, if any
    ADD COLUMN turn_message_id uuid,                       -- the shopper message it answers
    ADD COLUMN turn_expires_at timestamptz;                -- when another turn may take over

-- A checkout row is written, and committed, before its provider is called: a paid webhook
-- then always finds it (by the provider's id once recorded, or by the row's id in the
-- checkout's metadata before). 'pending': the provider call is in flight (or its answer
-- was lost); 'failed': the provider refused or did not answer in time.
ALTER TABLE checkouts
    ALTER COLUMN provider_checkout_id DROP NOT NULL,
    ALTER COLUMN url DROP NOT NULL,
    DROP CONSTRAINT checkouts_status_check,
    ADD CONSTRAINT checkouts_status_check
        CHECK (status IN ('pending', 'open', 'completed', 'failed')),
    ADD CONSTRAINT checkouts_open_has_link
        CHECK (status <> 'open' OR (provider_checkout_id IS NOT NULL AND url IS NOT NULL));
