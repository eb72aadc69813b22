//! The simulated store's data. One module per domain; `crate::store::Store` holds one table set
//! per module (catalog now; orders, customers, fulfillment orders ... are added as new modules).

pub mod catalog;
pub mod customers;
pub mod metafields;
pub mod orders;
pub mod payouts;
pub mod publications;
pub mod shop;
