//! shopify-schema (placeholder, being built).
