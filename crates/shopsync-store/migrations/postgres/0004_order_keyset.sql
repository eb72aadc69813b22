-- The orders lists page by keyset (a page starts after or before the creation time and id of an order), not by
-- OFFSET, so a deep page costs what the first does. The order of a list is creation time then id, both
-- descending: with the id in the index as well, a page is one range of it read in order, with no sort of the
-- orders created in the same instant.
DROP INDEX shopify_orders_status_created;
CREATE INDEX shopify_orders_status_created ON shopify_orders(shop_id, status, shopify_created_at, order_id);
DROP INDEX shopify_orders_created;
CREATE INDEX shopify_orders_created ON shopify_orders(shop_id, shopify_created_at, order_id);
