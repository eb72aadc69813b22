//! The row types PostgreSQL returns for orders, sales orders, lines, refunds and shipments, and their conversions.

use super::filters::parse_kind;
use crate::customers::Address;
use crate::orders::{OrderStatus, SalesOrder, SalesOrderLine, SalesOrderStatus, ShopifyOrder};
use crate::{Result, StoreError};

#[derive(sqlx::FromRow)]
pub(super) struct OrderRow {
    pub(super) shop_id: i64,
    pub(super) order_id: String,
    pub(super) name: String,
    pub(super) status: String,
    pub(super) sales_order_id: Option<i64>,
    pub(super) sales_order_number: Option<String>,
    pub(super) financial_status: Option<String>,
    pub(super) fulfillment_status: Option<String>,
    pub(super) cancelled_at: Option<String>,
    pub(super) tags: String,
    pub(super) shopify_created_at: String,
    pub(super) shopify_updated_at: String,
    pub(super) reprocess_requested: bool,
    pub(super) checked_at: String,
    pub(super) error_codes: Option<String>,
}

impl OrderRow {
    pub(super) fn into_order(self) -> Result<ShopifyOrder> {
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
pub(super) struct SalesOrderRow {
    pub(super) id: i64,
    pub(super) number: String,
    pub(super) shop_id: Option<i64>,
    pub(super) shopify_order_id: Option<String>,
    pub(super) shopify_order_name: Option<String>,
    pub(super) customer_id: Option<i64>,
    pub(super) currency: String,
    pub(super) subtotal: String,
    pub(super) discount_total: String,
    pub(super) tax_total: String,
    pub(super) shipping_total: String,
    pub(super) total: String,
    pub(super) payment_status: Option<String>,
    pub(super) payment_terms: Option<String>,
    pub(super) ship_to: Option<String>,
    pub(super) bill_to: Option<String>,
    pub(super) email: Option<String>,
    pub(super) status: String,
    pub(super) conflict: Option<String>,
    pub(super) shopify_updated_at: Option<String>,
    pub(super) created_at: String,
    pub(super) updated_at: String,
}

impl SalesOrderRow {
    pub(super) fn into_sales_order(self, lines: Vec<SalesOrderLine>) -> Result<SalesOrder> {
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
pub(super) struct LineRow {
    pub(super) id: i64,
    pub(super) sales_order_id: i64,
    pub(super) line_no: i64,
    pub(super) kind: String,
    pub(super) sku: Option<String>,
    pub(super) description: String,
    pub(super) quantity: i64,
    pub(super) unit_price: String,
    pub(super) discount: String,
    pub(super) tax: String,
    pub(super) shopify_line_item_id: Option<String>,
    pub(super) parent_line_no: Option<i64>,
    pub(super) quantity_shipped: i64,
}

impl LineRow {
    pub(super) fn into_line(self) -> Result<SalesOrderLine> {
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
pub(super) struct RefundRow {
    pub(super) refund_id: String,
    pub(super) order_id: String,
    pub(super) sales_order_id: Option<i64>,
    pub(super) total: String,
    pub(super) currency: String,
    pub(super) note: Option<String>,
    pub(super) lines: String,
    pub(super) created_at: String,
}

#[derive(sqlx::FromRow)]
pub(super) struct ShipmentRow {
    pub(super) id: i64,
    pub(super) number: String,
    pub(super) sales_order_id: i64,
    pub(super) sales_order_number: String,
    pub(super) shop_id: Option<i64>,
    pub(super) shopify_order_id: Option<String>,
    pub(super) tracking_number: Option<String>,
    pub(super) carrier: Option<String>,
    pub(super) tracking_url: Option<String>,
    pub(super) shipped_at: String,
    pub(super) sync_status: String,
    pub(super) sync_error: Option<String>,
    pub(super) shopify_fulfillment_ids: String,
    pub(super) created_at: String,
    pub(super) updated_at: String,
}

#[derive(sqlx::FromRow)]
pub(super) struct ShipmentLineRow {
    pub(super) shipment_id: i64,
    pub(super) sales_order_line_id: i64,
    pub(super) line_no: i64,
    pub(super) kind: String,
    pub(super) sku: Option<String>,
    pub(super) description: String,
    pub(super) quantity: i64,
    pub(super) shopify_line_item_id: Option<String>,
    pub(super) parent_line_no: Option<i64>,
}
