-- The back-office REST API (shopsync-web's /api/v1): its bearer tokens, the answers kept for Idempotency-Key
-- retries, and the feeds the back office pulls with the position each consumer acknowledged.

-- A token is shown once when created; only the SHA-256 of its secret part is kept. `public_id` is the token's
-- non-secret prefix, so a presented token is found by it and its secret compared in constant time.
CREATE TABLE api_tokens (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    public_id       TEXT NOT NULL UNIQUE,
    secret_hash     TEXT NOT NULL,                          -- hex SHA-256 of the secret part
    scopes          TEXT NOT NULL,                          -- JSON array: "read", "write"
    created_at      TEXT NOT NULL,
    last_used_at    TEXT,
    revoked_at      TEXT
) STRICT;
-- One live token per name: the name is the consumer the feed positions are kept for, so a token replaced under
-- the same name (revoke, create) carries on where the old one stopped.
CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens(name) WHERE revoked_at IS NULL;

-- One answered write per consumer and Idempotency-Key: a retry with the same key and body gets this answer again.
CREATE TABLE api_idempotency_keys (
    consumer        TEXT NOT NULL,
    key             TEXT NOT NULL,
    request_hash    TEXT NOT NULL,                          -- hex SHA-256 of method, path and body
    status          INTEGER NOT NULL,
    response        TEXT NOT NULL,                          -- the JSON body answered
    created_at      TEXT NOT NULL,
    PRIMARY KEY (consumer, key)
) STRICT;
CREATE INDEX api_idempotency_keys_created ON api_idempotency_keys(created_at);

-- The feeds: each sales order and customer has one row here, moved to a new sequence number every time it is
-- written. The triggers run inside the writing transaction and SQLite has one writer at a time, so the numbers are
-- committed in order: a reader that saw number N has seen every number below it, and a consumer that pulls from
-- its acknowledged number misses nothing and gets each record once per change.
CREATE TABLE feed_changes (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    feed            TEXT NOT NULL CHECK (feed IN ('sales_orders', 'customers')),
    record_id       INTEGER NOT NULL,
    UNIQUE (feed, record_id)
) STRICT;
CREATE INDEX feed_changes_feed ON feed_changes(feed, seq);

INSERT INTO feed_changes (feed, record_id) SELECT 'sales_orders', id FROM sales_orders ORDER BY id;
INSERT INTO feed_changes (feed, record_id) SELECT 'customers', id FROM customers ORDER BY id;

CREATE TRIGGER sales_orders_feed_insert AFTER INSERT ON sales_orders BEGIN
    DELETE FROM feed_changes WHERE feed = 'sales_orders' AND record_id = NEW.id;
    INSERT INTO feed_changes (feed, record_id) VALUES ('sales_orders', NEW.id);
END;
CREATE TRIGGER sales_orders_feed_update AFTER UPDATE ON sales_orders WHEN NEW.updated_at IS NOT OLD.updated_at BEGIN
    DELETE FROM feed_changes WHERE feed = 'sales_orders' AND record_id = NEW.id;
    INSERT INTO feed_changes (feed, record_id) VALUES ('sales_orders', NEW.id);
END;
CREATE TRIGGER sales_orders_feed_delete AFTER DELETE ON sales_orders BEGIN
    DELETE FROM feed_changes WHERE feed = 'sales_orders' AND record_id = OLD.id;
END;
CREATE TRIGGER customers_feed_insert AFTER INSERT ON customers BEGIN
    DELETE FROM feed_changes WHERE feed = 'customers' AND record_id = NEW.id;
    INSERT INTO feed_changes (feed, record_id) VALUES ('customers', NEW.id);
END;
CREATE TRIGGER customers_feed_update AFTER UPDATE ON customers WHEN NEW.updated_at IS NOT OLD.updated_at BEGIN
    DELETE FROM feed_changes WHERE feed = 'customers' AND record_id = NEW.id;
    INSERT INTO feed_changes (feed, record_id) VALUES ('customers', NEW.id);
END;
CREATE TRIGGER customers_feed_delete AFTER DELETE ON customers BEGIN
    DELETE FROM feed_changes WHERE feed = 'customers' AND record_id = OLD.id;
END;

-- The position each consumer (an API token's name) acknowledged in each feed: a pull without `after` starts here.
CREATE TABLE feed_positions (
    consumer        TEXT NOT NULL,
    feed            TEXT NOT NULL CHECK (feed IN ('sales_orders', 'customers')),
    position        INTEGER NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (consumer, feed)
) STRICT;
