//! Changes to orders and customers, shared by the control surface (`SimControl`), the demo seed
//! and the GraphQL mutations (`fulfillmentCreate`, `orderUpdate`, `orderCancel` ...).
//!
//! Every operation takes the time it happens at and returns the webhook topics it caused as
//! [`Events`]; the caller records them (`Store::record`) or, when seeding, drops them. Each
//! change bumps the order's `updatedAt` (whole seconds, as Shopify prints them).

mod address;
mod create;
mod customers;
mod edit;
mod events;
mod fulfillment;
mod specs;

pub use address::{address_from, sample_address, tax_amount, tax_for};
pub use create::create_order;
pub use customers::{CustomerSpec, create_customer};
pub use edit::{cancel_order, edit_order, mark_paid, refund, touch_order};
pub use events::{Events, OrderOpError, now, record};
pub use fulfillment::{FulfillFrom, FulfillProblem, fulfill};
pub use specs::{AddressSpec, LineSpec, OrderEdit, OrderSpec, RefundLineSpec, ShippingSpec, parse_decimal};
