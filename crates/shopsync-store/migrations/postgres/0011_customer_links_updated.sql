-- The customer probe counts the Shopify customers the store holds at a version inside the overlap window, and
-- looks up versions by id (the primary key): this index keeps the count a range read on large shops.
CREATE INDEX customer_links_updated ON customer_links(shop_id, shopify_updated_at);
