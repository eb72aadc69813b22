-- Bulk writes in progress (SQLite's 0020): a bulk mutation a flow started and whose result it has not recorded
-- yet, with the plan of its lines, so a run that stops while Shopify works reads the finished operation's result
-- instead of starting another. One per shop and object.
CREATE TABLE bulk_writes (
    shop_id         BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    object          TEXT NOT NULL,
    stage           TEXT NOT NULL,
    operation_id    TEXT,
    plan            TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (shop_id, object)
);
