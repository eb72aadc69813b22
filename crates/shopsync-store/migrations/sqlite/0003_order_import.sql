-- What the order import needs beyond the first schema: the recheck index, lookups by name and date, and the
-- content hash that tells a Shopify edit worth applying from one that changes nothing.

-- The events each order waits for (shopsync_core::order_errors::RecheckEvent::key: `link:SKU`,
-- `setting:order-countries`, `country:NL` ...), written with its problems. The flow that creates a link or changes
-- a setting finds the orders to re-check through this index instead of reading every problem's detail.
CREATE TABLE order_rechecks (
    shop_id     INTEGER NOT NULL,
    event       TEXT NOT NULL,
    order_id    TEXT NOT NULL,
    PRIMARY KEY (shop_id, event, order_id),
    FOREIGN KEY (shop_id, order_id) REFERENCES shopify_orders(shop_id, order_id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX order_rechecks_order ON order_rechecks(shop_id, order_id);

-- Orders are found by name (#1001), listed newest first, and picked up when a reprocess was asked for.
CREATE INDEX shopify_orders_name ON shopify_orders(shop_id, name);
CREATE INDEX shopify_orders_created ON shopify_orders(shop_id, shopify_created_at);
CREATE INDEX shopify_orders_reprocess ON shopify_orders(shop_id) WHERE reprocess_requested = 1;
CREATE INDEX shopify_orders_sales_order ON shopify_orders(sales_order_id);

-- SHA-256 of the Shopify content (lines, totals, addresses) a sales order was last written from.
ALTER TABLE sales_orders ADD COLUMN content_hash TEXT;

CREATE INDEX shipments_sales_order ON shipments(sales_order_id);
CREATE INDEX shipments_pending ON shipments(sync_status) WHERE sync_status = 'pending';
CREATE INDEX shipment_lines_line ON shipment_lines(sales_order_line_id);
CREATE INDEX order_transactions_order ON order_transactions(shop_id, order_id);
CREATE INDEX order_refunds_order ON order_refunds(shop_id, order_id);
CREATE INDEX order_returns_order ON order_returns(shop_id, order_id);
CREATE INDEX customer_links_customer ON customer_links(customer_id);
CREATE INDEX webhook_events_received ON webhook_events(shop_id, received_at);
