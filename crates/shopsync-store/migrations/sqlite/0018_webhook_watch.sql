-- What shopsync last saw of a shop's webhook subscriptions (when `webhooks sync` set them up or the console and
-- `webhooks list` read them from Shopify): the topics subscribed at shopsync's address, and
-- since when that same set was seen (a look that finds nothing changed keeps it, so a shop whose subscriptions
-- are fine but silent stays flagged however often someone looks). The dashboard reads it to
-- tell a shop whose deliveries stopped from one that never subscribed, without asking Shopify on every page.
CREATE TABLE webhook_subscription_checks (
    shop_id         INTEGER PRIMARY KEY REFERENCES shops(id) ON DELETE CASCADE,
    callback        TEXT NOT NULL,
    topics          TEXT NOT NULL,                         -- JSON array of the topics subscribed at callback
    since           TEXT NOT NULL
) STRICT;

-- The newest order change a shop's order sync stored, read by the same watch: one index probe, not a scan.
CREATE INDEX shopify_orders_updated ON shopify_orders(shop_id, shopify_updated_at);
