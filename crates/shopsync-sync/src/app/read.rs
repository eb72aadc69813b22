//! The read models a person looks at, as plain data: what the CLI prints, the console will show and the REST API
//! will return. Each is read from the store in one place, so every front-end shows the same thing.

use serde::Serialize;
use shopsync_core::ShopSettings;
use shopsync_core::order_errors::{OrderRef, ProblemReport};
use shopsync_store::{
    ConflictResolution, CustomerStore, OrderError, OrderRefund, OrderReturn, OrderStore, OrderTransaction, SalesOrder,
    Shipment, ShipmentQuery, Shop, ShopStore, ShopifyOrder, StoreError,
};

use crate::SyncError;

/// The connected shop with this domain (trimmed, any letter case).
pub async fn find_shop(store: &(impl ShopStore + ?Sized), domain: &str) -> Result<Shop, SyncError> {
    let domain = domain.trim().to_ascii_lowercase();
    Ok(store.shop(&domain).await?.ok_or(StoreError::ShopNotFound(domain))?)
}

/// One Shopify order as the import sees it: every problem with its remedy, its sales order, customer, shipments,
/// payments, refunds and returns.
#[derive(Debug, Serialize)]
pub struct OrderDetail {
    pub order: ShopifyOrder,
    /// The order's page in Shopify admin.
    pub admin_url: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<ProblemReport>,
    /// Problems stored by a newer shopsync whose detail this one cannot read: code and message only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unreadable_problems: Vec<OrderError>,
    pub sales_order: Option<SalesOrder>,
    pub customer: Option<CustomerSummary>,
    pub shipments: Vec<Shipment>,
    pub transactions: Vec<OrderTransaction>,
    pub refunds: Vec<OrderRefund>,
    pub returns: Vec<OrderReturn>,
    /// Conflicts settled by a person: which side was kept, who, when.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resolved_conflicts: Vec<ConflictResolution>,
}

/// The back-office customer of a sales order, in brief.
#[derive(Debug, Serialize)]
pub struct CustomerSummary {
    pub number: String,
    pub name: String,
    pub email: Option<String>,
}

impl OrderDetail {
    /// Reads everything about `order` of `shop`, with remedies for the shop's `settings`.
    pub async fn load<S>(
        store: &S,
        shop: &Shop,
        settings: &ShopSettings,
        order: ShopifyOrder,
    ) -> Result<Self, SyncError>
    where
        S: OrderStore + CustomerStore + ?Sized,
    {
        let reference = OrderRef::new(&shop.domain, &order.order_id, &order.name);
        let mut problems = Vec::new();
        let mut unreadable_problems = Vec::new();
        for error in store.order_errors(shop.id, &order.order_id).await? {
            match error.problem() {
                Ok(problem) => problems.push(problem.report(&reference, settings)),
                Err(_) => unreadable_problems.push(error),
            }
        }
        let sales_order = store.sales_order_for(shop.id, &order.order_id).await?;
        let (customer, shipments) = match &sales_order {
            Some(so) => {
                let customer = match so.customer_id {
                    Some(id) => store.customer_by_id(id).await?.map(|c| CustomerSummary {
                        number: c.number,
                        name: c.name,
                        email: c.email,
                    }),
                    None => None,
                };
                let shipments =
                    store.shipments(&ShipmentQuery { sales_order_id: Some(so.id), ..Default::default() }).await?;
                (customer, shipments)
            }
            None => (None, Vec::new()),
        };
        Ok(OrderDetail {
            admin_url: reference.admin_url(),
            problems,
            unreadable_problems,
            sales_order,
            customer,
            shipments,
            transactions: store.order_transactions(shop.id, &order.order_id).await?,
            refunds: store.order_refunds(shop.id, &order.order_id).await?,
            returns: store.order_returns(shop.id, &order.order_id).await?,
            resolved_conflicts: store.conflict_resolutions(shop.id, &order.order_id).await?,
            order,
        })
    }
}
