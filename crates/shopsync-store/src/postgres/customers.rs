//! Customers, customer templates and customer links in PostgreSQL.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use async_trait::async_trait;
use sqlx::{AssertSqlSafe, PgConnection};

use super::orders::next_number;
use super::{PgStore, now};
use crate::customers::{
    Customer, CustomerLink, CustomerQuery, CustomerResolution, CustomerStore, CustomerTemplate, MatchedBy, NewCustomer,
    ShopifyCustomerInput, missing_required_fields, normalize_email, normalize_phone,
};
use crate::rows::customers::{CustomerRow, LinkRow, LinkedRow, TemplateRow};
use crate::{Result, StoreError};

const CUSTOMER_COLUMNS: &str = "id, number, name, email, phone, addresses, fields, template_code, \
                                ts_text(created_at) AS created_at, ts_text(updated_at) AS updated_at";
const LINK_COLUMNS: &str = "shop_id, shopify_customer_id, customer_id, matched_by, shopify_updated_at, shopify_hash, \
                            ts_text(linked_at) AS linked_at";
const TEMPLATE_COLUMNS: &str =
    "code, description, fields, ts_text(created_at) AS created_at, ts_text(updated_at) AS updated_at";

#[async_trait]
impl CustomerStore for PgStore {
    async fn create_customer(&self, customer: &NewCustomer) -> Result<Customer> {
        let mut tx = self.write().await?;
        let created = insert_customer(&mut tx, customer, &now()).await?;
        tx.commit().await?;
        Ok(created)
    }

    async fn customer(&self, number: &str) -> Result<Option<Customer>> {
        let row: Option<CustomerRow> =
            sqlx::query_as(AssertSqlSafe(format!("SELECT {CUSTOMER_COLUMNS} FROM customers WHERE number = $1")))
                .bind(number)
                .fetch_optional(&self.pool)
                .await?;
        row.map(CustomerRow::into_customer).transpose()
    }

    async fn customer_by_id(&self, id: i64) -> Result<Option<Customer>> {
        let mut conn = self.pool.acquire().await?;
        customer_by_id(&mut conn, id).await
    }

    async fn customers(&self, query: &CustomerQuery) -> Result<Vec<Customer>> {
        let limit = if query.limit == 0 { 50 } else { query.limit };
        let pattern = query.search.as_ref().map(|s| format!("%{}%", s.trim().to_lowercase()));
        // SQLite's LIKE ignores ASCII case and has no escape character: ILIKE, and ESCAPE '' so that a backslash
        // in a search is a backslash.
        let rows: Vec<CustomerRow> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers \
             WHERE $1::text IS NULL OR number ILIKE $1 ESCAPE '' OR name ILIKE $1 ESCAPE '' \
             OR email_normalized ILIKE $1 ESCAPE '' OR phone_normalized ILIKE $1 ESCAPE '' \
             ORDER BY number LIMIT $2 OFFSET $3"
        )))
        .bind(pattern)
        .bind(i64::from(limit))
        .bind(i64::from(query.offset))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(CustomerRow::into_customer).collect()
    }

    async fn find_customer(&self, email: Option<&str>, phone: Option<&str>) -> Result<Option<(Customer, MatchedBy)>> {
        let mut conn = self.pool.acquire().await?;
        find_customer(&mut conn, email, phone).await
    }

    async fn customer_templates(&self) -> Result<Vec<CustomerTemplate>> {
        let rows: Vec<TemplateRow> =
            sqlx::query_as(AssertSqlSafe(format!("SELECT {TEMPLATE_COLUMNS} FROM customer_templates ORDER BY code")))
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter().map(TemplateRow::into_template).collect()
    }

    async fn customer_template(&self, code: &str) -> Result<Option<CustomerTemplate>> {
        let row: Option<TemplateRow> =
            sqlx::query_as(AssertSqlSafe(format!("SELECT {TEMPLATE_COLUMNS} FROM customer_templates WHERE code = $1")))
                .bind(code)
                .fetch_optional(&self.pool)
                .await?;
        row.map(TemplateRow::into_template).transpose()
    }

    async fn save_customer_template(
        &self,
        code: &str,
        description: Option<&str>,
        fields: &BTreeMap<String, String>,
    ) -> Result<CustomerTemplate> {
        let now = now();
        let row: TemplateRow = sqlx::query_as(AssertSqlSafe(format!(
            "INSERT INTO customer_templates (code, description, fields, created_at, updated_at) \
             VALUES ($1, COALESCE($2::text, ''), $3, $4::timestamptz, $4::timestamptz) \
             ON CONFLICT (code) DO UPDATE SET description = COALESCE($2::text, customer_templates.description), \
             fields = excluded.fields, updated_at = excluded.updated_at \
             RETURNING {TEMPLATE_COLUMNS}"
        )))
        .bind(code)
        .bind(description)
        .bind(serde_json::to_string(fields)?)
        .bind(&now)
        .fetch_one(&self.pool)
        .await?;
        row.into_template()
    }

    async fn remove_customer_template(&self, code: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM customer_templates WHERE code = $1").bind(code).execute(&self.pool).await?;
        Ok(done.rows_affected() > 0)
    }

    async fn customer_link(&self, shop_id: i64, shopify_customer_id: &str) -> Result<Option<CustomerLink>> {
        let mut conn = self.pool.acquire().await?;
        customer_link(&mut conn, shop_id, shopify_customer_id).await
    }

    async fn shopify_customer_versions(
        &self,
        shop_id: i64,
        shopify_customer_ids: &[String],
    ) -> Result<BTreeMap<String, String>> {
        if shopify_customer_ids.is_empty() {
            return Ok(BTreeMap::new());
        }
        // `= ANY` of the bound array is looked up through the primary key, one probe per id of the probe's page.
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT shopify_customer_id, shopify_updated_at FROM customer_links \
             WHERE shop_id = $1 AND shopify_customer_id = ANY($2) AND shopify_updated_at IS NOT NULL",
        )
        .bind(shop_id)
        .bind(shopify_customer_ids)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().collect())
    }

    async fn count_shopify_customers(
        &self,
        shop_id: i64,
        updated_from: Option<&str>,
        updated_before: Option<&str>,
    ) -> Result<u64> {
        let (count,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM customer_links WHERE shop_id = $1 AND shopify_updated_at IS NOT NULL \
             AND ($2::TEXT IS NULL OR shopify_updated_at >= $2) AND ($3::TEXT IS NULL OR shopify_updated_at < $3)",
        )
        .bind(shop_id)
        .bind(updated_from)
        .bind(updated_before)
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    async fn customer_links_of(&self, customer_id: i64) -> Result<Vec<CustomerLink>> {
        let rows: Vec<LinkRow> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {LINK_COLUMNS} FROM customer_links WHERE customer_id = $1 ORDER BY shop_id, shopify_customer_id"
        )))
        .bind(customer_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(LinkRow::into_link).collect()
    }

    async fn link_customer(
        &self,
        shop_id: i64,
        shopify_customer_id: &str,
        customer_id: i64,
        matched_by: MatchedBy,
    ) -> Result<CustomerLink> {
        let mut tx = self.write().await?;
        save_link(&mut tx, shop_id, shopify_customer_id, customer_id, matched_by, (None, None), &now()).await?;
        let link = customer_link(&mut tx, shop_id, shopify_customer_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("a customer link vanished while it was written".into()))?;
        tx.commit().await?;
        Ok(link)
    }

    async fn resolve_shopify_customers(
        &self,
        shop_id: i64,
        customers: &[ShopifyCustomerInput],
        template: Option<&CustomerTemplate>,
    ) -> Result<Vec<CustomerResolution>> {
        let missing: Vec<&'static str> = match template {
            Some(template) => missing_required_fields(template),
            None => crate::customers::CUSTOMER_FIELDS.iter().filter(|f| f.required).map(|f| f.name).collect(),
        };
        let now = now();
        let mut tx = self.write().await?;
        let mut linked = linked_customers(&mut tx, shop_id, customers).await?;
        let mut resolutions = Vec::with_capacity(customers.len());
        for input in customers {
            resolutions.push(resolve_one(&mut tx, shop_id, input, template, &missing, &now, &mut linked).await?);
        }
        tx.commit().await?;
        Ok(resolutions)
    }
}

/// The links of a batch's Shopify customers, with their back-office customers, read in one statement driven by
/// the batch: an order import resolves a customer per order, and most of them were linked by an earlier order.
async fn linked_customers(
    conn: &mut PgConnection,
    shop_id: i64,
    customers: &[ShopifyCustomerInput],
) -> Result<HashMap<String, (CustomerLink, Customer)>> {
    let ids: BTreeSet<&str> = customers.iter().map(|c| c.shopify_customer_id.as_str()).collect();
    let ids: Vec<&str> = ids.into_iter().collect();
    let rows: Vec<LinkedRow> = sqlx::query_as(
        "SELECT l.shop_id, l.shopify_customer_id, l.customer_id, l.matched_by, l.shopify_updated_at, l.shopify_hash, \
         ts_text(l.linked_at) AS linked_at, \
         c.id, c.number, c.name, c.email, c.phone, c.addresses, c.fields, c.template_code, \
         ts_text(c.created_at) AS created_at, ts_text(c.updated_at) AS updated_at \
         FROM customer_links AS l JOIN customers AS c ON c.id = l.customer_id \
         WHERE l.shop_id = $1 AND l.shopify_customer_id = ANY($2)",
    )
    .bind(shop_id)
    .bind(ids)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|row| {
            let link = row.link.into_link()?;
            let customer = row.customer.into_customer()?;
            Ok((link.shopify_customer_id.clone(), (link, customer)))
        })
        .collect()
}

/// Resolves one Shopify customer. `linked` holds the batch's links (read at its start) and is kept current as
/// this batch links and creates customers, so a customer on two orders of one batch is created once.
async fn resolve_one(
    conn: &mut PgConnection,
    shop_id: i64,
    input: &ShopifyCustomerInput,
    template: Option<&CustomerTemplate>,
    missing: &[&'static str],
    now: &str,
    linked: &mut HashMap<String, (CustomerLink, Customer)>,
) -> Result<CustomerResolution> {
    let id = input.shopify_customer_id.as_str();
    let resolution = |customer, matched_by, created, updated| CustomerResolution {
        shopify_customer_id: id.to_string(),
        customer: Some(customer),
        matched_by: Some(matched_by),
        created,
        updated,
        missing_fields: Vec::new(),
    };
    let updated_at = input.shopify_updated_at.as_deref().map(normalize_time);
    // Only a version with its `updatedAt` carries a hash: an order's view of its customer has no version.
    let hash = updated_at.as_ref().map(|_| input.content_hash());

    // 1. A linked customer follows Shopify, the source of truth for customers, when Shopify's version is newer,
    // or of the same second with other content (`updatedAt` has whole seconds: an edit in the second of the last
    // read keeps its timestamp).
    if let Some((link, customer)) = linked.get(id) {
        let newer = match (&updated_at, &link.shopify_updated_at) {
            (Some(new), Some(old)) => new > old || (new == old && hash != link.shopify_hash),
            (Some(_), None) => true,
            (None, _) => false,
        };
        if !newer {
            return Ok(resolution(customer.clone(), link.matched_by, false, false));
        }
        let customer_id = link.customer_id;
        update_contact(conn, customer_id, input, now).await?;
        sqlx::query(
            "UPDATE customer_links SET shopify_updated_at = $1, shopify_hash = $2 \
             WHERE shop_id = $3 AND shopify_customer_id = $4",
        )
        .bind(&updated_at)
        .bind(&hash)
        .bind(shop_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
        let customer = customer_by_id(conn, customer_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("customer link {id} points at a missing customer")))?;
        let mut link = link.clone();
        link.shopify_updated_at = updated_at;
        link.shopify_hash = hash;
        let matched_by = link.matched_by;
        linked.insert(id.to_string(), (link, customer.clone()));
        return Ok(resolution(customer, matched_by, false, true));
    }

    // 2. An existing back-office customer with the same email, else the same phone: linked, left as it is.
    let new_link = |customer_id, matched_by| CustomerLink {
        shop_id,
        shopify_customer_id: id.to_string(),
        customer_id,
        matched_by,
        shopify_updated_at: updated_at.clone(),
        shopify_hash: hash.clone(),
        linked_at: now.to_string(),
    };
    if let Some((customer, matched_by)) = find_customer(conn, input.email.as_deref(), input.phone.as_deref()).await? {
        save_link(conn, shop_id, id, customer.id, matched_by, (updated_at.as_deref(), hash.as_deref()), now).await?;
        linked.insert(id.to_string(), (new_link(customer.id, matched_by), customer.clone()));
        return Ok(resolution(customer, matched_by, false, false));
    }

    // 3. A new customer from the template, if the template can make one the back office accepts.
    let Some(template) = template.filter(|_| missing.is_empty()) else {
        return Ok(CustomerResolution {
            shopify_customer_id: id.to_string(),
            customer: None,
            matched_by: None,
            created: false,
            updated: false,
            missing_fields: missing.to_vec(),
        });
    };
    let new = NewCustomer {
        name: input.name.clone(),
        email: input.email.clone(),
        phone: input.phone.clone(),
        addresses: input.addresses.clone(),
        fields: template.fields.clone(),
        template_code: Some(template.code.clone()),
    };
    let customer = insert_customer(conn, &new, now).await?;
    save_link(conn, shop_id, id, customer.id, MatchedBy::Created, (updated_at.as_deref(), hash.as_deref()), now)
        .await?;
    linked.insert(id.to_string(), (new_link(customer.id, MatchedBy::Created), customer.clone()));
    Ok(resolution(customer, MatchedBy::Created, true, false))
}

async fn insert_customer(conn: &mut PgConnection, customer: &NewCustomer, now: &str) -> Result<Customer> {
    let number = next_number(conn, "customer").await?;
    let row: CustomerRow = sqlx::query_as(AssertSqlSafe(format!(
        "INSERT INTO customers (number, name, email, email_normalized, phone, phone_normalized, addresses, fields, \
         template_code, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::timestamptz, $10::timestamptz) RETURNING {CUSTOMER_COLUMNS}"
    )))
    .bind(&number)
    .bind(&customer.name)
    .bind(&customer.email)
    .bind(customer.email.as_deref().and_then(normalize_email))
    .bind(&customer.phone)
    .bind(customer.phone.as_deref().and_then(normalize_phone))
    .bind(serde_json::to_string(&customer.addresses)?)
    .bind(serde_json::to_string(&customer.fields)?)
    .bind(&customer.template_code)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    row.into_customer()
}

async fn update_contact(conn: &mut PgConnection, id: i64, input: &ShopifyCustomerInput, now: &str) -> Result<()> {
    sqlx::query(
        "UPDATE customers SET name = $1, email = $2, email_normalized = $3, phone = $4, phone_normalized = $5, \
         addresses = $6, updated_at = $7::timestamptz WHERE id = $8",
    )
    .bind(&input.name)
    .bind(&input.email)
    .bind(input.email.as_deref().and_then(normalize_email))
    .bind(&input.phone)
    .bind(input.phone.as_deref().and_then(normalize_phone))
    .bind(serde_json::to_string(&input.addresses)?)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn find_customer(
    conn: &mut PgConnection,
    email: Option<&str>,
    phone: Option<&str>,
) -> Result<Option<(Customer, MatchedBy)>> {
    let email = email.and_then(normalize_email);
    if let Some(email) = &email {
        let row: Option<CustomerRow> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers WHERE email_normalized = $1 ORDER BY id LIMIT 1"
        )))
        .bind(email)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = row {
            return Ok(Some((row.into_customer()?, MatchedBy::Email)));
        }
    }
    if let Some(phone) = phone.and_then(normalize_phone) {
        // Two different emails are two people, even on one phone number (a family, a shared office line).
        let row: Option<CustomerRow> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers WHERE phone_normalized = $1 \
             AND ($2::text IS NULL OR email_normalized IS NULL) ORDER BY id LIMIT 1"
        )))
        .bind(phone)
        .bind(&email)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = row {
            return Ok(Some((row.into_customer()?, MatchedBy::Phone)));
        }
    }
    Ok(None)
}

async fn customer_by_id(conn: &mut PgConnection, id: i64) -> Result<Option<Customer>> {
    let row: Option<CustomerRow> =
        sqlx::query_as(AssertSqlSafe(format!("SELECT {CUSTOMER_COLUMNS} FROM customers WHERE id = $1")))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    row.map(CustomerRow::into_customer).transpose()
}

async fn customer_link(
    conn: &mut PgConnection,
    shop_id: i64,
    shopify_customer_id: &str,
) -> Result<Option<CustomerLink>> {
    let row: Option<LinkRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {LINK_COLUMNS} FROM customer_links WHERE shop_id = $1 AND shopify_customer_id = $2"
    )))
    .bind(shop_id)
    .bind(shopify_customer_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(LinkRow::into_link).transpose()
}

async fn save_link(
    conn: &mut PgConnection,
    shop_id: i64,
    shopify_customer_id: &str,
    customer_id: i64,
    matched_by: MatchedBy,
    (shopify_updated_at, shopify_hash): (Option<&str>, Option<&str>),
    now: &str,
) -> Result<()> {
    let done = sqlx::query(
        "INSERT INTO customer_links (shop_id, shopify_customer_id, customer_id, matched_by, shopify_updated_at, \
         shopify_hash, linked_at) VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz) \
         ON CONFLICT (shop_id, shopify_customer_id) DO UPDATE SET customer_id = excluded.customer_id, \
         matched_by = excluded.matched_by, linked_at = excluded.linked_at",
    )
    .bind(shop_id)
    .bind(shopify_customer_id)
    .bind(customer_id)
    .bind(matched_by.as_str())
    .bind(shopify_updated_at)
    .bind(shopify_hash)
    .bind(now)
    .execute(&mut *conn)
    .await;
    match done {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => Err(StoreError::NotFound {
            what: "shop or customer",
            key: format!("shop {shop_id}, customer {customer_id}"),
        }),
        Err(e) => Err(e.into()),
    }
}

/// Shopify timestamps in the store's form; a text that does not parse is kept as it is.
fn normalize_time(text: &str) -> String {
    shopsync_core::time::normalize(text).unwrap_or_else(|_| text.to_string())
}

/// Customers by id in the order of `ids`, in one statement (the feed reads pages of thousands).
pub(super) async fn load_customers(conn: &mut PgConnection, ids: &[i64]) -> Result<Vec<Customer>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<CustomerRow> =
        sqlx::query_as(AssertSqlSafe(format!("SELECT {CUSTOMER_COLUMNS} FROM customers WHERE id = ANY($1)")))
            .bind(ids)
            .fetch_all(&mut *conn)
            .await?;
    let mut by_id: HashMap<i64, Customer> = HashMap::new();
    for row in rows {
        let customer = row.into_customer()?;
        by_id.insert(customer.id, customer);
    }
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}
