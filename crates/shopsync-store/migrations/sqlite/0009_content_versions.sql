-- Shopify gives `updatedAt` in whole seconds, so an order or customer changed in the same second as a read keeps
-- the timestamp the read stored. What was read is also kept as a hash of its content: a later read with the same
-- timestamp but other content (paid, cancelled in that second) is evaluated again instead of skipped.
ALTER TABLE shopify_orders ADD COLUMN import_hash TEXT;
ALTER TABLE customer_links ADD COLUMN shopify_hash TEXT;

-- How each conflict was settled (`shopsync orders resolve`): which side won, who decided and when. The sales
-- order's conflict note is cleared; its history stays here.
CREATE TABLE conflict_resolutions (
    id                  INTEGER PRIMARY KEY,
    shop_id             INTEGER NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    order_id            TEXT NOT NULL,                     -- Shopify order gid
    sales_order_id      INTEGER REFERENCES sales_orders(id) ON DELETE SET NULL,
    resolution          TEXT NOT NULL CHECK (resolution IN ('shopify', 'back_office')),
    conflict            TEXT NOT NULL,                     -- the note that was cleared
    resolved_by         TEXT NOT NULL,
    note                TEXT,
    resolved_at         TEXT NOT NULL
) STRICT;
CREATE INDEX conflict_resolutions_order ON conflict_resolutions(shop_id, order_id);
