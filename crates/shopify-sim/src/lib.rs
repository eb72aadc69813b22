//! shopify-sim (placeholder, being built).
