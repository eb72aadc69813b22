//! The row types both backends return for orders, sales orders, lines, refunds and shipments, and their conversions
//! into the store's models: one definition, since `sqlx::FromRow` reads a row of either database.

use crate::customers::Address;
use crate::orders::LineKind;
use crate::orders::{OrderStatus, SalesOrder, SalesOrderLine, SalesOrderStatus, ShopifyOrder};
use crate::{Result, StoreError};

/// A line kind as stored; an unknown one is a corrupt row.
pub(crate) fn parse_kind(text: &str) -> Result<LineKind> {
    LineKind::parse(text).ok_or_else(|| StoreError::Corrupt(format!("unknown sales order line kind `{text}`")))
}

#[derive(sqlx::FromRow)]
pub(crate) struct OrderRow {
    pub(crate) shop_id: i64,
    pub(crate) order_id: String,
    pub(crate) name: String,
    pub(crate) status: String,
    pub(crate) sales_order_id: Option<i64>,
    pub(crate) sales_order_number: Option<String>,
    pub(crate) financial_status: Option<String>,
    pub(crate) fulfillment_status: Option<String>,
    pub(crate) cancelled_at: Option<String>,
    pub(crate) tags: String,
    pub(crate) shopify_created_at: String,
    pub(crate) shopify_updated_at: String,
    pub(crate) reprocess_requested: bool,
    pub(crate) checked_at: String,
    pub(crate) error_codes: Option<String>,
}

impl OrderRow {
    pub(crate) fn into_order(self) -> Result<ShopifyOrder> {
        let status = self
            .status
            .parse::<OrderStatus>()
            .map_err(|_| StoreError::Corrupt(format!("unknown order status `{}`", self.status)))?;
        Ok(ShopifyOrder {
            shop_id: self.shop_id,
            order_id: self.order_id,
            name: self.name,
            status,
            sales_order_id: self.sales_order_id,
            sales_order_number: self.sales_order_number,
            financial_status: self.financial_status,
            fulfillment_status: self.fulfillment_status,
            cancelled_at: self.cancelled_at,
            tags: serde_json::from_str(&self.tags)?,
            shopify_created_at: self.shopify_created_at,
            shopify_updated_at: self.shopify_updated_at,
            reprocess_requested: self.reprocess_requested,
            checked_at: self.checked_at,
            error_codes: self
                .error_codes
                .map(|codes| codes.split(',').map(str::to_string).collect())
                .unwrap_or_default(),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SalesOrderRow {
    pub(crate) id: i64,
    pub(crate) number: String,
    pub(crate) shop_id: Option<i64>,
    pub(crate) shopify_order_id: Option<String>,
    pub(crate) shopify_order_name: Option<String>,
    pub(crate) customer_id: Option<i64>,
    pub(crate) currency: String,
    pub(crate) subtotal: String,
    pub(crate) discount_total: String,
    pub(crate) tax_total: String,
    pub(crate) shipping_total: String,
    pub(crate) total: String,
    pub(crate) payment_status: Option<String>,
    pub(crate) payment_terms: Option<String>,
    pub(crate) ship_to: Option<String>,
    pub(crate) bill_to: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) status: String,
    pub(crate) conflict: Option<String>,
    pub(crate) shopify_updated_at: Option<String>,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
}

impl SalesOrderRow {
    pub(crate) fn into_sales_order(self, lines: Vec<SalesOrderLine>) -> Result<SalesOrder> {
        let status = SalesOrderStatus::parse(&self.status)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown sales order status `{}`", self.status)))?;
        let address = |text: Option<String>| -> Result<Option<Address>> {
            Ok(text.map(|t| serde_json::from_str(&t)).transpose()?)
        };
        Ok(SalesOrder {
            id: self.id,
            number: self.number,
            shop_id: self.shop_id,
            shopify_order_id: self.shopify_order_id,
            shopify_order_name: self.shopify_order_name,
            customer_id: self.customer_id,
            currency: self.currency,
            subtotal: self.subtotal,
            discount_total: self.discount_total,
            tax_total: self.tax_total,
            shipping_total: self.shipping_total,
            total: self.total,
            payment_status: self.payment_status,
            payment_terms: self.payment_terms,
            ship_to: address(self.ship_to)?,
            bill_to: address(self.bill_to)?,
            email: self.email,
            status,
            conflict: self.conflict,
            shopify_updated_at: self.shopify_updated_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
            lines,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct LineRow {
    pub(crate) id: i64,
    pub(crate) sales_order_id: i64,
    pub(crate) line_no: i64,
    pub(crate) kind: String,
    pub(crate) sku: Option<String>,
    pub(crate) description: String,
    pub(crate) quantity: i64,
    pub(crate) unit_price: String,
    pub(crate) discount: String,
    pub(crate) tax: String,
    pub(crate) shopify_line_item_id: Option<String>,
    pub(crate) parent_line_no: Option<i64>,
    pub(crate) quantity_shipped: i64,
}

impl LineRow {
    pub(crate) fn into_line(self) -> Result<SalesOrderLine> {
        Ok(SalesOrderLine {
            id: self.id,
            line_no: self.line_no,
            kind: parse_kind(&self.kind)?,
            sku: self.sku,
            description: self.description,
            quantity: self.quantity,
            unit_price: self.unit_price,
            discount: self.discount,
            tax: self.tax,
            shopify_line_item_id: self.shopify_line_item_id,
            parent_line_no: self.parent_line_no,
            quantity_shipped: self.quantity_shipped,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RefundRow {
    pub(crate) refund_id: String,
    pub(crate) order_id: String,
    pub(crate) sales_order_id: Option<i64>,
    pub(crate) total: String,
    pub(crate) currency: String,
    pub(crate) note: Option<String>,
    pub(crate) lines: String,
    pub(crate) created_at: String,
}

#[derive(sqlx::FromRow)]
pub(crate) struct ShipmentRow {
    pub(crate) id: i64,
    pub(crate) number: String,
    pub(crate) sales_order_id: i64,
    pub(crate) sales_order_number: String,
    pub(crate) shop_id: Option<i64>,
    pub(crate) shopify_order_id: Option<String>,
    pub(crate) tracking_number: Option<String>,
    pub(crate) carrier: Option<String>,
    pub(crate) tracking_url: Option<String>,
    pub(crate) shipped_at: String,
    pub(crate) sync_status: String,
    pub(crate) sync_error: Option<String>,
    pub(crate) shopify_fulfillment_ids: String,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
}

#[derive(sqlx::FromRow)]
pub(crate) struct ShipmentLineRow {
    pub(crate) shipment_id: i64,
    pub(crate) sales_order_line_id: i64,
    pub(crate) line_no: i64,
    pub(crate) kind: String,
    pub(crate) sku: Option<String>,
    pub(crate) description: String,
    pub(crate) quantity: i64,
    pub(crate) shopify_line_item_id: Option<String>,
    pub(crate) parent_line_no: Option<i64>,
}
