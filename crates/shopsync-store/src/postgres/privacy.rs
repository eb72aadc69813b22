use async_trait::async_trait;
// The SQL built here joins constant fragments of this file only; every value is bound.
use sqlx::{AssertSqlSafe, Postgres, Transaction};

use super::{PgStore, now};
use crate::Result;
use crate::privacy::{CustomerRedaction, PrivacyStore, RedactionReport};

/// The keys of a stored address (a JSON object) that name or reach a person; country, province and company stay.
const PERSONAL_ADDRESS_PARTS: &str = "ARRAY['name', 'address1', 'address2', 'city', 'zip', 'phone']";

/// What a redacted back-office customer is called from then on.
const REDACTED_NAME: &str = "Redacted customer";

#[async_trait]
impl PrivacyStore for PgStore {
    async fn redact_customer(&self, shop_id: i64, request: &CustomerRedaction) -> Result<RedactionReport> {
        let email = request.email.as_deref().map(|e| e.trim().to_lowercase()).filter(|e| !e.is_empty());
        let mut tx = self.write().await?;
        // The back-office customers this shop's Shopify customer is linked to, by id or by e-mail.
        let customers: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT l.customer_id FROM customer_links l JOIN customers c ON c.id = l.customer_id \
             WHERE l.shop_id = $1 AND (l.shopify_customer_id = $2 OR c.email_normalized = $3)",
        )
        .bind(shop_id)
        .bind(request.customer_id.as_deref())
        .bind(email.as_deref())
        .fetch_all(&mut *tx)
        .await?;
        let sales_orders_redacted = strip_sales_orders(
            &mut tx,
            shop_id,
            "AND (shopify_order_id = ANY($2) OR customer_id = ANY($3))",
            &request.order_ids,
            &customers,
        )
        .await?;
        // Needles as they appear in JSON bodies, quotes included, so Order/1 does not match Order/12.
        let mut needles: Vec<String> =
            request.order_ids.iter().chain(request.customer_id.iter()).map(|id| format!("\"{id}\"")).collect();
        needles.extend(email.iter().map(|email| format!("\"{email}\"")));
        // strpos of lower() on both sides, as SQLite's instr of lower(): a case-blind search for a plain text
        // (LIKE would read `_` and `%` in an e-mail address as wildcards).
        let captures_deleted = sqlx::query(
            "DELETE FROM data_capture WHERE shop_id = $1 AND (object_id = ANY($2) \
             OR EXISTS (SELECT 1 FROM unnest($3::text[]) n(needle) \
             WHERE strpos(lower(data_capture.payload), lower(n.needle)) > 0))",
        )
        .bind(shop_id)
        .bind(request.order_ids.iter().chain(request.customer_id.iter()).map(String::as_str).collect::<Vec<_>>())
        .bind(&needles)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let log_entries_deleted = sqlx::query(
            "DELETE FROM request_log WHERE shop_id = $1 AND EXISTS (SELECT 1 FROM unnest($2::text[]) n(needle) \
             WHERE strpos(lower(coalesce(request_log.request_body, '')), lower(n.needle)) > 0 \
             OR strpos(lower(coalesce(request_log.response_body, '')), lower(n.needle)) > 0)",
        )
        .bind(shop_id)
        .bind(&needles)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let (customer_links_removed, customers_anonymised) = unlink_and_anonymise(
            &mut tx,
            shop_id,
            "AND (shopify_customer_id = $2 OR customer_id = ANY($3))",
            request.customer_id.as_deref(),
            &customers,
        )
        .await?;
        tx.commit().await?;
        Ok(RedactionReport {
            customers_anonymised,
            customer_links_removed,
            sales_orders_redacted,
            captures_deleted,
            log_entries_deleted,
        })
    }

    async fn redact_shop(&self, shop_id: i64) -> Result<RedactionReport> {
        let mut tx = self.write().await?;
        let sales_orders_redacted = strip_sales_orders(&mut tx, shop_id, "", &[], &[]).await?;
        let captures_deleted = sqlx::query("DELETE FROM data_capture WHERE shop_id = $1")
            .bind(shop_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let log_entries_deleted = sqlx::query("DELETE FROM request_log WHERE shop_id = $1")
            .bind(shop_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let (customer_links_removed, customers_anonymised) =
            unlink_and_anonymise(&mut tx, shop_id, "", None, &[]).await?;
        tx.commit().await?;
        Ok(RedactionReport {
            customers_anonymised,
            customer_links_removed,
            sales_orders_redacted,
            captures_deleted,
            log_entries_deleted,
        })
    }
}

/// Strips the personal parts of the addresses and the e-mail of the shop's sales orders that `filter` selects
/// (`$2` and `$3` are bound to `order_ids` and `customers`); returns how many had something to strip, that is an
/// e-mail or an address with one of the personal keys (`?|`), which is what changes.
async fn strip_sales_orders(
    tx: &mut Transaction<'static, Postgres>,
    shop_id: i64,
    filter: &str,
    order_ids: &[String],
    customers: &[i64],
) -> Result<u64> {
    // Addresses are JSON text: edited as jsonb and stored back in jsonb's text form (its key order and spacing,
    // not SQLite's compact one), which reads back as the same address.
    let sql = format!(
        "UPDATE sales_orders SET email = NULL, \
         ship_to = (ship_to::jsonb - {PERSONAL_ADDRESS_PARTS})::text, \
         bill_to = (bill_to::jsonb - {PERSONAL_ADDRESS_PARTS})::text, \
         updated_at = $4::timestamptz \
         WHERE shop_id = $1 {filter} AND (email IS NOT NULL \
         OR COALESCE(ship_to::jsonb ?| {PERSONAL_ADDRESS_PARTS}, FALSE) \
         OR COALESCE(bill_to::jsonb ?| {PERSONAL_ADDRESS_PARTS}, FALSE))"
    );
    Ok(sqlx::query(AssertSqlSafe(sql))
        .bind(shop_id)
        .bind(order_ids)
        .bind(customers)
        .bind(now())
        .execute(&mut **tx)
        .await?
        .rows_affected())
}

/// Removes the shop's customer links that `filter` selects (`$2`, `$3` bound to `shopify_customer` and
/// `customers`), then anonymises the back-office customers shopsync created from them that no shop links any more.
/// A customer the back office had before (matched by e-mail or phone, or linked by hand) is its own record: only
/// the link goes.
async fn unlink_and_anonymise(
    tx: &mut Transaction<'static, Postgres>,
    shop_id: i64,
    filter: &str,
    shopify_customer: Option<&str>,
    customers: &[i64],
) -> Result<(u64, u64)> {
    let created: Vec<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT customer_id FROM customer_links WHERE shop_id = $1 AND matched_by = 'created' {filter}"
    )))
    .bind(shop_id)
    .bind(shopify_customer)
    .bind(customers)
    .fetch_all(&mut **tx)
    .await?;
    let removed = sqlx::query(AssertSqlSafe(format!("DELETE FROM customer_links WHERE shop_id = $1 {filter}")))
        .bind(shop_id)
        .bind(shopify_customer)
        .bind(customers)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    let anonymised = sqlx::query(
        "UPDATE customers SET name = $1, email = NULL, email_normalized = NULL, phone = NULL, \
         phone_normalized = NULL, addresses = '[]', updated_at = $2::timestamptz \
         WHERE id = ANY($3) AND NOT EXISTS (SELECT 1 FROM customer_links l WHERE l.customer_id = customers.id)",
    )
    .bind(REDACTED_NAME)
    .bind(now())
    .bind(&created)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok((removed, anonymised))
}
