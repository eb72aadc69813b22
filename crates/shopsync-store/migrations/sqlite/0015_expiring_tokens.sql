-- Expiring offline tokens (Shopify requires them of new public apps from 2027): an access token valid for an hour
-- and the refresh token that gets the next one, both sealed like every token, with their expiry. A token pasted
-- by hand (a custom app's) has neither: the three columns stay NULL.
ALTER TABLE shops ADD COLUMN access_token_expires_at TEXT;
ALTER TABLE shops ADD COLUMN refresh_token TEXT;             -- sealed, see shopsync_core::secret::refresh_token_context
ALTER TABLE shops ADD COLUMN refresh_token_expires_at TEXT;
