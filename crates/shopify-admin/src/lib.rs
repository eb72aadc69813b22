//! The Shopify Admin GraphQL client of shopsync: the one crate that speaks
//! to Shopify. It knows nothing of databases or the back office.
//!
//! - [`AdminClient`]: one shop's client (built with [`AdminClient::builder`]),
//!   running typed operations ([`ops`]) through a request policy (the
//!   sandbox switches), the shop's [`CostBudget`], the transport, a
//!   [`RequestHook`] and the retry loop.
//! - [`CostBudget`]: a local mirror of Shopify's leaky bucket, shared (`Arc`)
//!   by every task of a shop, so requests wait *before* they are sent
//!   instead of being throttled.
//! - [`AdminClient::paginate`]: any connection as a `Stream` of pages.
//! - [`bulk`]: bulk queries, waiting for them, and streaming their JSONL
//!   result with children reassembled onto parents.
//! - [`bulk_mutation`]: bulk mutations: the staged upload of their variables,
//!   starting them, and reading their result line by line.
//! - [`webhook`]: HMAC verification of deliveries; [`oauth`]: install URL,
//!   callback verification, code exchange, token refresh.
//!
//! ```no_run
//! use std::sync::Arc;
//! use futures::TryStreamExt;
//! use secrecy::SecretString;
//! use shopify_admin::ops::orders::{OrdersPage, SearchPageVariables};
//! use shopify_admin::ops::updated_since;
//! use shopify_admin::{AdminClient, CostBudget, ShopDomain, Switches};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let shop = ShopDomain::parse("my-store.myshopify.com")?;
//! let budget = Arc::new(CostBudget::new()); // one per shop, shared
//! let switches = Arc::new(Switches::new(true, false)); // reads only
//! let client = AdminClient::builder(shop, SecretString::from("shpat_…".to_owned()))
//!     .budget(budget.clone())
//!     .policy(switches.clone())
//!     .build()?;
//! let since = "2026-11-01T00:00:00Z".parse()?;
//! let mut pages = client.paginate::<OrdersPage>(SearchPageVariables::matching(updated_since(since)));
//! while let Some(page) = pages.try_next().await? {
//!     for order in &page.nodes {
//!         println!("{} {}", order.name, order.current_total_price_set.shop_money.amount);
//!     }
//!     // checkpoint page.page_info.end_cursor here
//! }
//! # Ok(())
//! # }
//! ```
//!
//! The operations are `.graphql` files under `graphql/` with hand-written
//! serde types (see [`ops`] for why and for each document's cost). Every
//! document is validated against Shopify's own 2026-10 Admin schema in the
//! test suite.

pub mod budget;
pub mod bulk;
pub mod bulk_mutation;
pub mod client;
pub mod domain;
pub mod error;
pub mod hook;
pub mod oauth;
pub mod operation;
pub mod ops;
pub mod pagination;
pub mod retry;
pub mod webhook;

pub use budget::{BudgetSnapshot, CostBudget, QueryCost, ThrottleStatus};
pub use bulk::{BulkGrouping, BulkLimits, BulkObject, BulkRow, BulkWait};
pub use bulk_mutation::{BulkMutationLine, any_bulk_mutation, max_bulk_upload_bytes};
pub use client::{AdminClient, AdminClientBuilder, Reply, Timeouts, http_client};
pub use domain::{API_VERSION, ApiVersion, Endpoint, InvalidShopDomain, ShopDomain};
pub use error::{AdminError, AuthFailure, BulkError, GraphQlError, UserError};
pub use hook::{AllowAll, BlockReason, OutgoingRequest, RequestHook, RequestPolicy, RequestRecord, Switches};
pub use operation::{Connection, Gid, Operation, OperationKind, PageInfo, PagedOperation};
pub use pagination::Page;
pub use retry::RetryConfig;
pub use webhook::{VerifiedWebhook, WebhookError, WebhookVerifier};
