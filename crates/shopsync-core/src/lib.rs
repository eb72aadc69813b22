//! Domain types shared by every part of shopsync, with no I/O.
//!
//! shopsync keeps a merchant's back office and one or more Shopify stores in sync. This crate holds the
//! vocabulary the other crates speak: the typed, validated shop settings ([`settings::ShopSettings`]), the
//! sync schedules ([`schedule::Schedule`]), the sealing of secrets at rest ([`secret::TokenCipher`]),
//! Shopify global ids ([`gid::Gid`]), timestamps in the one text form the store keeps ([`time`]), the order
//! error catalog ([`order_errors`]: every reason an order is not imported, with its remedy as data:
//! [`remedy`]), the flows a shop runs ([`Flow`]) and the country table ([`countries`]: names and where a postal
//! code is required).
//!
//! Nothing here touches the network, the disk or a database, so every rule in it can be tested directly.
//!
//! ```
//! use shopsync_core::settings::ShopSettings;
//!
//! let mut settings = ShopSettings::default();
//! settings.set("allow-data-sync-to-shopify", "on").unwrap();
//! assert!(settings.allow_data_sync_to_shopify);
//! let err = settings.set("allow-data-sync-to-shopify", "maybe").unwrap_err();
//! assert!(err.to_string().contains("on, off"));
//! ```

pub mod countries;
pub mod flow;
pub mod gid;
pub mod order_errors;
pub mod remedy;
pub mod schedule;
pub mod secret;
pub mod settings;
pub mod time;

pub use flow::Flow;
pub use gid::Gid;
pub use order_errors::{OrderErrorCode, OrderProblem, OrderStatus};
pub use schedule::Schedule;
pub use secret::{CipherError, MasterKey, TokenCipher};
pub use settings::{SettingError, ShopSettings};
