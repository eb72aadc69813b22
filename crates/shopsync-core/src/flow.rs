//! The flows shopsync runs for a shop, as one type instead of strings spread over settings, the scheduler and the
//! front-ends.
//!
//! A flow is one direction of one kind of data: the catalog out, stock out, customers in, orders in, shipments
//! out. Each has the setting that switches it on, the schedule setting that says when `serve` runs it, and the
//! name its jobs carry (`products`, `orders` ...), which the store keeps and scripts match, so it never changes.
//!
//! ```
//! use shopsync_core::Flow;
//!
//! assert_eq!("orders".parse::<Flow>().unwrap(), Flow::Orders);
//! assert_eq!(Flow::Fulfillments.switch_setting(), "sync-fulfilled-status");
//! assert_eq!(Flow::ALL.map(Flow::as_str), ["products", "inventory", "customers", "orders", "fulfillments"]);
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::settings::ShopSettings;

/// A flow of a shop. [`Flow::ALL`] is the order in which `sync all` and `serve` run them: the catalog before the
/// stock that needs its links, customers before the orders that name them, orders before the shipments of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    /// Items, variants and prices to Shopify products.
    Products,
    /// Back-office stock to Shopify's available quantities.
    Inventory,
    /// Shopify customers into the back office.
    Customers,
    /// Shopify orders into back-office sales orders, with payouts.
    Orders,
    /// Back-office shipments to Shopify fulfillments.
    Fulfillments,
}

/// A text that names no flow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a flow; the flows are: products, inventory, customers, orders, fulfillments")]
pub struct UnknownFlow(pub String);

impl Flow {
    /// Every flow, in the order they run one after the other.
    pub const ALL: [Flow; 5] = [Flow::Products, Flow::Inventory, Flow::Customers, Flow::Orders, Flow::Fulfillments];

    /// The flow's name: its jobs' kind, its schedule's suffix (`schedule.orders`) and its word in commands.
    pub fn as_str(self) -> &'static str {
        match self {
            Flow::Products => "products",
            Flow::Inventory => "inventory",
            Flow::Customers => "customers",
            Flow::Orders => "orders",
            Flow::Fulfillments => "fulfillments",
        }
    }

    /// The setting that switches the flow on or off.
    pub fn switch_setting(self) -> &'static str {
        match self {
            Flow::Products => "sync-products",
            Flow::Inventory => "sync-inventory",
            Flow::Customers => "sync-customers",
            Flow::Orders => "sync-orders",
            Flow::Fulfillments => "sync-fulfilled-status",
        }
    }

    /// Whether the shop's settings switch the flow on.
    pub fn enabled(self, settings: &ShopSettings) -> bool {
        match self {
            Flow::Products => settings.sync_products,
            Flow::Inventory => settings.sync_inventory,
            Flow::Customers => settings.sync_customers,
            Flow::Orders => settings.sync_orders,
            Flow::Fulfillments => settings.sync_fulfilled_status,
        }
    }

    /// Whether the flow writes to Shopify, so it needs `allow-data-sync-to-shopify` (the order flow writes only to
    /// remove the reprocess tag, which it leaves when writes are off).
    pub fn writes_to_shopify(self) -> bool {
        matches!(self, Flow::Products | Flow::Inventory | Flow::Fulfillments)
    }

    /// The Admin API access scopes the flow needs.
    pub fn scopes(self) -> &'static [&'static str] {
        match self {
            Flow::Products => &["read_products", "write_products"],
            Flow::Inventory => &["read_inventory", "write_inventory", "read_locations"],
            Flow::Customers => &["read_customers"],
            Flow::Orders => &["read_orders", "write_orders", "read_customers"],
            Flow::Fulfillments => &[
                "read_orders",
                "read_merchant_managed_fulfillment_orders",
                "write_merchant_managed_fulfillment_orders",
            ],
        }
    }
}

impl fmt::Display for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Flow {
    type Err = UnknownFlow;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().to_ascii_lowercase();
        Flow::ALL.into_iter().find(|flow| flow.as_str() == wanted).ok_or_else(|| UnknownFlow(text.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flow_parses_from_its_name_and_has_a_switch_that_is_a_setting() {
        for flow in Flow::ALL {
            assert_eq!(flow.as_str().parse::<Flow>(), Ok(flow));
            assert!(
                crate::settings::SETTINGS.iter().any(|s| s.key == flow.switch_setting()),
                "{flow}: {} is a setting",
                flow.switch_setting()
            );
            assert!(!flow.scopes().is_empty());
        }
        assert!("order".parse::<Flow>().unwrap_err().to_string().contains("products, inventory"));
    }

    #[test]
    fn a_flow_is_enabled_by_its_own_switch() {
        for flow in Flow::ALL {
            let mut settings = ShopSettings::default();
            assert!(flow.enabled(&settings), "{flow} is on by default");
            settings.set(flow.switch_setting(), "off").unwrap();
            assert!(!flow.enabled(&settings));
            assert!(Flow::ALL.iter().filter(|f| **f != flow).all(|f| f.enabled(&settings)));
        }
    }
}
