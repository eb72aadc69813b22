//! Integration tests of the Shopify simulator: a real server on 127.0.0.1:0 and a real HTTP
//! client sending requests shaped as Shopify's official clients send them.

mod bulk;
mod bulk_mutations;
mod catalog;
mod client_fields;
mod control;
mod coverage;
mod customer_mutations;
mod draft_orders;
mod metafields;
mod mutations;
mod oauth;
mod orders;
mod props;
mod protocol;
mod publications;
mod semantics;
mod support;
mod tls;
mod versions;
mod webhooks;
