-- Bulk writes in progress: a bulk mutation a flow started (the catalog push's productSet per line, then the
-- publishing of the new products) and whose result it has not recorded yet. The plan says what each line of the
-- uploaded file was (the item, the content hash sent, the prices sent), so a run that stops while Shopify works
-- reads the finished operation's result instead of starting another, and records exactly what Shopify accepted.
-- One per shop and object: the flow's job runs alone.
CREATE TABLE bulk_writes (
    shop_id         INTEGER NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    object          TEXT NOT NULL,                         -- products
    stage           TEXT NOT NULL,                         -- the flow's step: products, publish
    operation_id    TEXT,                                  -- the bulk operation's gid once Shopify started it
    plan            TEXT NOT NULL,                         -- JSON, read by the flow only
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (shop_id, object)
) STRICT;
