-- Installations started (`shopsync shop connect`, the console's Request access) and not finished yet: the state
-- nonce sent to Shopify with the shop it was sent for, so the callback is accepted once, for that shop only, and
-- only for a while. A row is deleted when its callback arrives, whatever the outcome.
CREATE TABLE oauth_states (
    state         TEXT PRIMARY KEY,                -- the nonce (random, single use; not a credential)
    shop_domain   TEXT NOT NULL,                   -- NAME.myshopify.com the installation was started for
    endpoint      TEXT,                            -- development endpoint (the simulator); NULL for Shopify
    api_version   TEXT NOT NULL,
    created_at    TEXT NOT NULL
) STRICT;
