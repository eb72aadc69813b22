-- Shopify products a shop ships outside the back office (a supplier ships them, a service, a digital good sold as a
-- physical one): their order lines are left out of the sales order instead of holding the order as
-- PRODUCT_NOT_LINKED. Keyed by Shopify's product id, since such a product has no item to hang a flag on.
CREATE TABLE outside_products (
    shop_id             INTEGER NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    shopify_product_id  TEXT NOT NULL,
    title               TEXT NOT NULL,
    marked_at           TEXT NOT NULL,
    PRIMARY KEY (shop_id, shopify_product_id)
) STRICT;
