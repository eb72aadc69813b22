-- Shopify products a shop ships outside the back office: their order lines are left out of the sales order instead
-- of holding the order as PRODUCT_NOT_LINKED (see the SQLite migration 0021).
CREATE TABLE outside_products (
    shop_id             BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    shopify_product_id  TEXT NOT NULL,
    title               TEXT NOT NULL,
    marked_at           TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (shop_id, shopify_product_id)
);
