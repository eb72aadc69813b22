//! The store's decisions, made once for every backend.
//!
//! A backend reads the stored state with its own SQL, asks this module what a batch changes, and writes the answer
//! with its own SQL, all inside one write transaction, so the decision and the write see the same rows. What is
//! decided here, and nowhere else:
//! - [`catalog`]: which items, variants, prices, stock levels and bundles of a batch are new, changed or unchanged,
//!   and what a batch may not hold (a key given twice, a SKU on two variants);
//! - [`orders`]: what a Shopify version of an order does to its sales order (left as it is, replaced, or held as a
//!   conflict once something shipped), the content hash that tells, and the conflict's note.
//!
//! Nothing here touches a database, so each rule is tested on its own and both backends keep it by construction.

pub(crate) mod catalog;
pub(crate) mod orders;
