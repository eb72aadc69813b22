//! Integration tests of shopify-admin: one binary, one module per area.
//! Servers bind 127.0.0.1 only; every loop is bounded in count and time.

mod bulk;
mod domain;
mod fixtures;
mod hook_and_policy;
mod oauth;
mod props;
mod retries;
mod schema;
mod sim;
mod support;
mod vectors;
