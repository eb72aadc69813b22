-- The web console's people and their sessions. A password is kept as its argon2id hash (PHC string) only; a
-- session as the SHA-256 of its random token, so a copy of the database opens no session. Sessions end at
-- expires_at, or when their person logs out.
CREATE TABLE console_users (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    role            TEXT NOT NULL CHECK (role IN ('viewer', 'operator')),
    password_hash   TEXT NOT NULL,                         -- argon2id PHC string
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;

CREATE TABLE console_sessions (
    token_hash      TEXT PRIMARY KEY,                      -- hex SHA-256 of the cookie's token
    user_id         INTEGER NOT NULL REFERENCES console_users(id) ON DELETE CASCADE,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL
) STRICT;
CREATE INDEX console_sessions_expiry ON console_sessions(expires_at);

-- The console's pages read a page of orders of one status, newest first, and the jobs of the last days per shop:
-- both without scanning a shop's whole table.
CREATE INDEX shopify_orders_status_created ON shopify_orders(shop_id, status, shopify_created_at);
CREATE INDEX jobs_shop_started ON jobs(shop_id, started_at);
