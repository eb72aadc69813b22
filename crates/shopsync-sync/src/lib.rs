//! The sync engine: one module per flow, and what every flow shares.
//!
//! An [`Engine`] holds the store, the cipher for sealed secrets, one HTTP connection pool and one Shopify cost
//! budget per shop. [`Engine::shop`] opens a [`ShopContext`] for one shop: its settings, and a Shopify client
//! whose token is decrypted right there (and nowhere else), whose policy enforces the shop's safety switches and
//! whose request hook feeds the request log as the shop's logging setting says. [`Engine::run_job`] runs a flow
//! as a job: recorded in the store, reported through [`Progress`], summarised in a [`FlowSummary`].
//!
//! [`app`] is the application boundary every front-end calls: run a flow or all of them, run what is due, the
//! scopes a shop needs, with no presentation in it.
//!
//! Flows live in their own modules and use only the store traits and the Shopify client; the engine never
//! builds GraphQL itself and never touches HTTP servers.
//!
//! ```no_run
//! # async fn example(store: std::sync::Arc<shopsync_store::SqliteStore>, cipher: shopsync_core::TokenCipher)
//! # -> Result<(), shopsync_sync::SyncError> {
//! use shopsync_sync::{Engine, NoProgress};
//! use shopsync_store::JobTrigger;
//!
//! let engine = Engine::new(store, cipher)?;
//! let shop = engine.shop("demo.myshopify.com").await?;
//! let check = async {
//!     shop.check_access().await?;
//!     Ok(Default::default())
//! };
//! let summary = engine.run_job(&shop, "check", JobTrigger::Manual, &NoProgress, check).await?;
//! println!("{summary}");
//! engine.flush_logs().await;
//! # Ok(()) }
//! ```

pub mod app;
pub mod catalog;
pub mod customers;
mod engine;
mod error;
pub mod fulfillments;
pub mod import;
mod logger;
pub mod orders;
pub mod privacy;
mod progress;
pub mod scheduler;
pub mod secrets;
pub mod subscriptions;
mod summary;
mod tokens;
pub mod webhooks;

pub use engine::{Engine, ShopContext};
pub use error::{InvalidRecordFix, SyncError};
pub use progress::{NoProgress, Progress};
pub use summary::FlowSummary;
