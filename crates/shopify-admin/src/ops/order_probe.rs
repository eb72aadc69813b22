//! The cheap probe of an incremental order read: counts of what changed and the ids and update times of the
//! orders that did, so only new or changed orders are read in full (see `shopsync-sync`'s order read).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use super::customers::SearchPageVariables;
use super::document;
use crate::operation::{Connection, Gid, Operation, OperationKind, PageInfo, PagedOperation};

/// `graphql/orders_probe.graphql`: 250 orders per page, id and `updatedAt` only, oldest change first.
#[derive(Debug, Clone, Copy)]
pub struct OrdersProbe;

impl OrdersProbe {
    /// Orders per page.
    pub const PAGE_SIZE: usize = 250;
}

impl Operation for OrdersProbe {
    const NAME: &'static str = "OrdersProbe";
    const DOCUMENT: &'static str = document!("orders_probe.graphql");
    const KIND: OperationKind = OperationKind::Query;
    const WRITES: bool = false;
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 253;
    type Variables = SearchPageVariables;
    type Data = OrdersProbeData;
}

impl PagedOperation for OrdersProbe {
    type Node = ProbedOrder;
    fn page_info(data: &OrdersProbeData) -> Option<&PageInfo> {
        Some(&data.orders.page_info)
    }
    fn set_after(variables: &mut SearchPageVariables, cursor: Option<String>) {
        variables.after = cursor;
    }
    fn into_nodes(data: OrdersProbeData) -> Vec<ProbedOrder> {
        data.orders.nodes
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct OrdersProbeData {
    pub orders: Connection<ProbedOrder>,
}

/// An object as a probe sees it: its id and Shopify `updatedAt`, nothing else (the customer probe shares it).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProbedNode {
    pub id: Gid,
    pub updated_at: Timestamp,
}

/// An order as the probe sees it.
pub type ProbedOrder = ProbedNode;

/// `graphql/orders_probe_counts.graphql`: two order counts in one request.
#[derive(Debug, Clone, Copy)]
pub struct OrdersProbeCounts;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrdersProbeCountsVariables {
    /// The search of the orders changed at or after the cursor.
    pub newer: String,
    /// The search of the overlap window before it.
    pub overlap: String,
}

impl Operation for OrdersProbeCounts {
    const NAME: &'static str = "OrdersProbeCounts";
    const DOCUMENT: &'static str = document!("orders_probe_counts.graphql");
    const KIND: OperationKind = OperationKind::Query;
    const WRITES: bool = false;
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 2;
    type Variables = OrdersProbeCountsVariables;
    type Data = OrdersProbeCountsData;
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct OrdersProbeCountsData {
    pub newer: Option<ProbeCount>,
    pub overlap: Option<ProbeCount>,
}

/// A count of orders.
pub type OrderCount = ProbeCount;

/// `Count`: a number of objects, exact or a lower bound (past Shopify's default limit of 10,000).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct ProbeCount {
    pub count: u64,
    /// `EXACT` or `AT_LEAST`.
    pub precision: String,
}

impl ProbeCount {
    /// The count when it is exact.
    pub fn exact(&self) -> Option<u64> {
        (self.precision == "EXACT").then_some(self.count)
    }
}
