-- The Shopify app's credentials, one set for the whole installation: its client id, and its client secret sealed
-- with the master key (the key of every webhook's HMAC). While a secret rotates, the previous one is kept sealed
-- too and still accepted. The shops table's client_secret columns, per shop, stay unused: one app serves every shop.
CREATE TABLE app_credentials (
    id                      INTEGER PRIMARY KEY CHECK (id = 1),
    client_id               TEXT NOT NULL,
    client_secret           TEXT NOT NULL,                 -- sealed, see shopsync_core::secret::app_secret_context
    previous_client_secret  TEXT,                          -- sealed; accepted until the rotation is over
    updated_at              TEXT NOT NULL
) STRICT;

-- Webhook events not processed yet, looked for when serve starts (a delivery acknowledged just before serve
-- stopped is processed then).
CREATE INDEX webhook_events_unprocessed ON webhook_events(received_at) WHERE processed_at IS NULL;
