-- The public address of this installation's `shopsync serve` (https://hub.example.com), where Shopify delivers
-- webhooks: `shopsync webhooks sync` subscribes every shop's topics to PUBLIC_URL/webhooks/shopify. One address for
-- the whole installation, like the app's credentials it belongs with (a webhook cannot be verified without them).
ALTER TABLE app_credentials ADD COLUMN public_url TEXT;
