//! shopify-admin (placeholder, being built).
