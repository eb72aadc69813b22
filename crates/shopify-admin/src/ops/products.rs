//! Products and variants: reading the catalog, linking by SKU, writing it.

use jiff::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{IdOnly, document, search_quote, u64_from_string_or_number};
use crate::error::UserError;
use crate::operation::{Connection, Gid, Operation, OperationKind, PageInfo, PagedOperation};

/// `Product.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProductStatus {
    Active,
    Archived,
    Draft,
}

/// Variables of a search-filtered page: the cursor and Shopify's search
/// query (e.g. [`updated_since`](super::updated_since)).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SearchPageVariables {
    pub after: Option<String>,
    pub query: Option<String>,
}

impl SearchPageVariables {
    /// The first page of objects matching `query`.
    pub fn matching(query: impl Into<String>) -> Self {
        Self { after: None, query: Some(query.into()) }
    }
}

/// `graphql/products_page.graphql`: 5 products per page with up to 25
/// variants and 10 images each, sorted by update time.
#[derive(Debug, Clone, Copy)]
pub struct ProductsPage;

impl Operation for ProductsPage {
    const NAME: &'static str = "ProductsPage";
    const DOCUMENT: &'static str = document!("products_page.graphql");
    const KIND: OperationKind = OperationKind::Query;
    const WRITES: bool = false;
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 762;
    type Variables = SearchPageVariables;
    type Data = ProductsPageData;
}

impl PagedOperation for ProductsPage {
    type Node = Product;
    fn page_info(data: &ProductsPageData) -> Option<&PageInfo> {
        Some(&data.products.page_info)
    }
    fn set_after(variables: &mut SearchPageVariables, cursor: Option<String>) {
        variables.after = cursor;
    }
    fn into_nodes(data: ProductsPageData) -> Vec<Product> {
        data.products.nodes
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ProductsPageData {
    pub products: Connection<Product>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    pub id: Gid,
    #[serde(deserialize_with = "u64_from_string_or_number")]
    pub legacy_resource_id: u64,
    pub title: String,
    pub handle: String,
    pub status: ProductStatus,
    pub vendor: String,
    pub product_type: String,
    pub description_html: String,
    pub tags: Vec<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub options: Vec<ProductOption>,
    pub media: Connection<MediaImage>,
    pub variants: Connection<ProductVariant>,
}

impl Product {
    /// Builds a product from a root object of [`products_bulk_query`]'s result: its nested variant and media rows
    /// become the (complete) variant and media lists, so nothing is truncated and no further read is needed.
    pub fn from_bulk(object: crate::bulk::BulkObject) -> Result<Product, serde_json::Error> {
        let crate::bulk::BulkObject { mut value, children } = object;
        let mut variants = Vec::new();
        let mut media = Vec::new();
        for child in children {
            match child.id().and_then(|id| Gid::new(id).resource().map(str::to_owned)).as_deref() {
                Some("ProductVariant") => variants.push(child.value),
                // Every other child is a media node (MediaImage, Video, ExternalVideo, Model3d).
                Some(_) => media.push(child.value),
                None => {}
            }
        }
        if let serde_json::Value::Object(map) = &mut value {
            map.insert("variants".into(), complete_connection(variants));
            map.insert("media".into(), complete_connection(media));
        }
        serde_json::from_value(value)
    }
}

/// A connection holding every node (a bulk result has no pages).
fn complete_connection(nodes: Vec<serde_json::Value>) -> serde_json::Value {
    serde_json::json!({ "nodes": nodes, "pageInfo": { "hasNextPage": false, "endCursor": null } })
}

/// The bulk query of a whole-catalog read (`graphql/bulk/products.graphql`): every product matching `search`
/// (`None` for all) with every variant and media, sorted by update time. Read its result with
/// [`Product::from_bulk`].
pub fn products_bulk_query(search: Option<&str>) -> String {
    match search {
        Some(search) => PRODUCTS_BULK_QUERY.replacen(
            "products(sortKey: UPDATED_AT)",
            &format!(
                "products(query: {}, sortKey: UPDATED_AT)",
                serde_json::to_string(search).unwrap_or_else(|_| "\"\"".to_owned())
            ),
            1,
        ),
        None => PRODUCTS_BULK_QUERY.to_owned(),
    }
}

/// The document, valid as it is (the search is added to its root connection's arguments).
pub const PRODUCTS_BULK_QUERY: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/graphql/bulk/products.graphql"));

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductOption {
    pub id: Gid,
    pub name: String,
    pub position: i32,
    pub option_values: Vec<OptionValueName>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct OptionValueName {
    pub name: String,
}

/// A media node; only images carry fields (videos and 3D models come back
/// empty because the document asks for `... on MediaImage` only).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaImage {
    pub id: Option<Gid>,
    pub alt: Option<String>,
    pub image: Option<Image>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Image {
    pub url: String,
    pub alt_text: Option<String>,
    pub width: Option<i32>,
    pub height: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductVariant {
    pub id: Gid,
    #[serde(deserialize_with = "u64_from_string_or_number")]
    pub legacy_resource_id: u64,
    pub title: String,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub price: Decimal,
    pub compare_at_price: Option<Decimal>,
    pub position: i32,
    pub taxable: bool,
    pub inventory_policy: String,
    pub updated_at: Timestamp,
    pub inventory_item: VariantInventoryItem,
    pub selected_options: Vec<SelectedOption>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VariantInventoryItem {
    pub id: Gid,
    pub tracked: bool,
    pub requires_shipping: bool,
    pub measurement: Measurement,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Measurement {
    pub weight: Option<Weight>,
}

/// A weight; `unit` is `GRAMS`, `KILOGRAMS`, `OUNCES` or `POUNDS`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Weight {
    pub unit: String,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct SelectedOption {
    pub name: String,
    pub value: String,
}

/// `graphql/product_variants_of_product.graphql`: the rest of a product's
/// variants, 100 per page.
#[derive(Debug, Clone, Copy)]
pub struct ProductVariantsOfProduct;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductVariantsOfProductVariables {
    pub product_id: Gid,
    pub after: Option<String>,
}

impl Operation for ProductVariantsOfProduct {
    const NAME: &'static str = "ProductVariantsOfProduct";
    const DOCUMENT: &'static str = document!("product_variants_of_product.graphql");
    const KIND: OperationKind = OperationKind::Query;
    const WRITES: bool = false;
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 503;
    type Variables = ProductVariantsOfProductVariables;
    type Data = ProductVariantsOfProductData;
}

impl PagedOperation for ProductVariantsOfProduct {
    type Node = ProductVariant;
    fn page_info(data: &ProductVariantsOfProductData) -> Option<&PageInfo> {
        data.product.as_ref().map(|p| &p.variants.page_info)
    }
    fn set_after(variables: &mut ProductVariantsOfProductVariables, cursor: Option<String>) {
        variables.after = cursor;
    }
    fn into_nodes(data: ProductVariantsOfProductData) -> Vec<ProductVariant> {
        data.product.map(|p| p.variants.nodes).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ProductVariantsOfProductData {
    /// `None` when the product does not exist (any more).
    pub product: Option<ProductWithVariants>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ProductWithVariants {
    pub id: Gid,
    pub variants: Connection<ProductVariant>,
}

/// `graphql/variants_by_sku.graphql`: variants whose SKU is one of up to 50.
#[derive(Debug, Clone, Copy)]
pub struct VariantsBySku;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VariantsBySkuVariables {
    pub query: String,
    pub after: Option<String>,
}

impl VariantsBySkuVariables {
    /// Most SKUs per search, so one page of 50 holds every match of a set of
    /// unique SKUs.
    pub const MAX_SKUS: usize = 50;

    /// A search for these SKUs (`sku:"A" OR sku:"B"`). Pass at most
    /// [`MAX_SKUS`](Self::MAX_SKUS); the client refuses more.
    pub fn for_skus<S: AsRef<str>>(skus: &[S]) -> Self {
        let query =
            skus.iter().map(|sku| format!("sku:{}", search_quote(sku.as_ref()))).collect::<Vec<_>>().join(" OR ");
        Self { query, after: None }
    }
}

impl Operation for VariantsBySku {
    const NAME: &'static str = "VariantsBySku";
    const DOCUMENT: &'static str = document!("variants_by_sku.graphql");
    const KIND: OperationKind = OperationKind::Query;
    const WRITES: bool = false;
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 152;
    type Variables = VariantsBySkuVariables;
    type Data = VariantsBySkuData;

    fn check_variables(variables: &VariantsBySkuVariables) -> Result<(), String> {
        let terms = variables.query.matches(" OR ").count() + 1;
        if terms > VariantsBySkuVariables::MAX_SKUS {
            return Err(format!(
                "{terms} SKUs in one search, at most {} fit one page",
                VariantsBySkuVariables::MAX_SKUS
            ));
        }
        Ok(())
    }
}

impl PagedOperation for VariantsBySku {
    type Node = SkuVariant;
    fn page_info(data: &VariantsBySkuData) -> Option<&PageInfo> {
        Some(&data.product_variants.page_info)
    }
    fn set_after(variables: &mut VariantsBySkuVariables, cursor: Option<String>) {
        variables.after = cursor;
    }
    fn into_nodes(data: VariantsBySkuData) -> Vec<SkuVariant> {
        data.product_variants.nodes
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VariantsBySkuData {
    pub product_variants: Connection<SkuVariant>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkuVariant {
    pub id: Gid,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub title: String,
    pub price: Decimal,
    pub updated_at: Timestamp,
    pub product: SkuVariantProduct,
    pub inventory_item: SkuVariantInventoryItem,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct SkuVariantProduct {
    pub id: Gid,
    pub title: String,
    pub handle: String,
    pub status: ProductStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct SkuVariantInventoryItem {
    pub id: Gid,
    pub tracked: bool,
}

/// `graphql/product_set.graphql`: create or update a product with its
/// options, variants and files, synchronously.
#[derive(Debug, Clone, Copy)]
pub struct ProductSet;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProductSetVariables {
    pub input: ProductSetInput,
    /// Which product to update; `None` creates one.
    pub identifier: Option<ProductSetIdentifiers>,
}

/// `ProductSetInput`. Lists that are given replace the product's lists;
/// `None` fields are left out of the request.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductSetInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description_html: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<ProductStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_options: Option<Vec<OptionSetInput>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variants: Option<Vec<ProductVariantSetInput>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<Vec<FileSetInput>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProductSetIdentifiers {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Gid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OptionSetInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Gid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<OptionValueSetInput>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OptionValueSetInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Gid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `ProductVariantSetInput`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductVariantSetInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Gid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub barcode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<Decimal>,
    /// `None` leaves Shopify's compare-at price as it is (productSet keeps
    /// omitted scalar fields); `Some(None)` clears it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compare_at_price: Option<Option<Decimal>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taxable: Option<bool>,
    /// `DENY` or `CONTINUE` (selling when out of stock).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inventory_policy: Option<String>,
    pub option_values: Vec<VariantOptionValueInput>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inventory_item: Option<InventoryItemInput>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<FileSetInput>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VariantOptionValueInput {
    pub option_name: String,
    pub name: String,
}

/// `InventoryItemInput`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryItemInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracked: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requires_shipping: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measurement: Option<MeasurementInput>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeasurementInput {
    pub weight: Weight,
}

/// `FileSetInput`: an image by URL (Shopify downloads it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileSetInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Gid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// `IMAGE`, `FILE`, `VIDEO` ...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
}

impl Operation for ProductSet {
    const NAME: &'static str = "ProductSet";
    const DOCUMENT: &'static str = document!("product_set.graphql");
    const KIND: OperationKind = OperationKind::Mutation;
    const WRITES: bool = true;
    // It sets the whole product to the given state: running it twice leaves
    // the same product, except that a *create* (no identifier) could create
    // two. The caller passes a handle as identifier when creating so a retry
    // updates the first one.
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 214;
    type Variables = ProductSetVariables;
    type Data = ProductSetData;

    fn user_errors(data: &ProductSetData) -> Vec<UserError> {
        data.product_set.as_ref().map(|p| p.user_errors.clone()).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductSetData {
    pub product_set: Option<ProductSetPayload>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductSetPayload {
    pub product: Option<SetProduct>,
    pub user_errors: Vec<UserError>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetProduct {
    pub id: Gid,
    pub handle: String,
    pub updated_at: Timestamp,
    pub variants: Connection<SetVariant>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetVariant {
    pub id: Gid,
    pub sku: Option<String>,
    pub inventory_item: IdOnly,
}

/// `graphql/product_variants_bulk_update.graphql`: update fields of up to
/// 250 variants of one product.
#[derive(Debug, Clone, Copy)]
pub struct ProductVariantsBulkUpdate;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductVariantsBulkUpdateVariables {
    pub product_id: Gid,
    pub variants: Vec<ProductVariantsBulkInput>,
}

impl ProductVariantsBulkUpdateVariables {
    /// Shopify's input-array limit.
    pub const MAX_VARIANTS: usize = 250;
}

/// `ProductVariantsBulkInput`: `None` leaves a field unchanged;
/// `compare_at_price: Some(None)` clears it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductVariantsBulkInput {
    pub id: Gid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compare_at_price: Option<Option<Decimal>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub barcode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taxable: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inventory_policy: Option<String>,
}

impl ProductVariantsBulkInput {
    /// An input that changes nothing yet.
    pub fn for_variant(id: Gid) -> Self {
        Self { id, price: None, compare_at_price: None, barcode: None, taxable: None, inventory_policy: None }
    }
}

impl Operation for ProductVariantsBulkUpdate {
    const NAME: &'static str = "ProductVariantsBulkUpdate";
    const DOCUMENT: &'static str = document!("product_variants_bulk_update.graphql");
    const KIND: OperationKind = OperationKind::Mutation;
    const WRITES: bool = true;
    // Sets absolute values: repeating it changes nothing.
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 12;
    type Variables = ProductVariantsBulkUpdateVariables;
    type Data = ProductVariantsBulkUpdateData;

    fn check_variables(variables: &ProductVariantsBulkUpdateVariables) -> Result<(), String> {
        let max = ProductVariantsBulkUpdateVariables::MAX_VARIANTS;
        match variables.variants.len() {
            0 => Err("no variants to update".to_owned()),
            n if n > max => Err(format!("{n} variants in one call, Shopify accepts at most {max}")),
            _ => Ok(()),
        }
    }

    fn user_errors(data: &ProductVariantsBulkUpdateData) -> Vec<UserError> {
        data.product_variants_bulk_update.as_ref().map(|p| p.user_errors.clone()).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductVariantsBulkUpdateData {
    pub product_variants_bulk_update: Option<ProductVariantsBulkUpdatePayload>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductVariantsBulkUpdatePayload {
    pub product_variants: Option<Vec<UpdatedVariant>>,
    pub user_errors: Vec<UserError>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdatedVariant {
    pub id: Gid,
    pub sku: Option<String>,
    pub price: Decimal,
    pub compare_at_price: Option<Decimal>,
    pub barcode: Option<String>,
    pub updated_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bulk_query_takes_the_search_as_an_escaped_string_on_its_root_connection() {
        let query = products_bulk_query(Some(r#"updated_at:>='2026-01-01T00:00:00Z' AND tag:"a""#));
        assert!(query.contains(r#"products(query: "updated_at:>='2026-01-01T00:00:00Z' AND tag:\"a\"", sortKey"#));
        assert!(products_bulk_query(None).contains("products(sortKey: UPDATED_AT)"));
    }

    #[test]
    fn a_bulk_product_gets_its_variant_and_media_rows_back_as_complete_lists() {
        use crate::bulk::BulkObject;
        let leaf = |value: serde_json::Value| BulkObject { value, children: Vec::new() };
        let variant = |n: u32| {
            leaf(serde_json::json!({
                "id": format!("gid://shopify/ProductVariant/{n}"), "legacyResourceId": n.to_string(),
                "title": "S", "sku": format!("A-{n}"), "barcode": null, "price": "5.00", "compareAtPrice": null,
                "position": n, "taxable": true, "inventoryPolicy": "DENY", "updatedAt": "2026-01-01T00:00:00Z",
                "inventoryItem": {"id": format!("gid://shopify/InventoryItem/{n}"), "tracked": true,
                    "requiresShipping": true, "measurement": {"weight": null}},
                "selectedOptions": [{"name": "Size", "value": "S"}]
            }))
        };
        let product = BulkObject {
            value: serde_json::json!({
                "id": "gid://shopify/Product/1", "legacyResourceId": "1", "title": "Tee", "handle": "tee",
                "status": "ACTIVE", "vendor": "", "productType": "", "descriptionHtml": "", "tags": [],
                "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z", "options": []
            }),
            children: vec![
                variant(1),
                leaf(serde_json::json!({"id": "gid://shopify/MediaImage/7", "alt": "front",
                    "image": {"url": "https://cdn.example.com/1.png", "altText": null, "width": 1, "height": 1}})),
                leaf(serde_json::json!({"id": "gid://shopify/Video/8"})),
                variant(2),
            ],
        };
        let product = Product::from_bulk(product).unwrap();
        let skus: Vec<_> = product.variants.nodes.iter().map(|v| v.sku.clone().unwrap()).collect();
        assert_eq!(skus, ["A-1", "A-2"]);
        assert!(!product.variants.is_truncated() && !product.media.is_truncated());
        assert_eq!(product.media.nodes.len(), 2);
        assert_eq!(
            product.media.nodes[0].image.as_ref().map(|i| i.url.as_str()),
            Some("https://cdn.example.com/1.png")
        );
        assert!(product.media.nodes[1].image.is_none(), "a video has no image");
    }

    #[test]
    fn sku_search_joins_quoted_skus_with_or() {
        let vars = VariantsBySkuVariables::for_skus(&["A-1", "B \"2\""]);
        assert_eq!(vars.query, r#"sku:"A-1" OR sku:"B \"2\"""#);
    }

    #[test]
    fn product_set_variant_leaves_out_prices_it_does_not_set_and_can_clear_compare_at_price() {
        let kept = ProductVariantSetInput { sku: Some("A-1".into()), ..Default::default() };
        let json = serde_json::to_value(&kept).unwrap();
        assert!(json.get("price").is_none() && json.get("compareAtPrice").is_none(), "{json}");
        let cleared =
            ProductVariantSetInput { price: Some(Decimal::new(500, 2)), compare_at_price: Some(None), ..kept };
        let json = serde_json::to_value(&cleared).unwrap();
        assert_eq!(json["price"], "5.00");
        assert!(json["compareAtPrice"].is_null() && json.as_object().unwrap().contains_key("compareAtPrice"));
    }

    #[test]
    fn bulk_input_leaves_out_unchanged_fields_and_can_clear_compare_at_price() {
        let mut input = ProductVariantsBulkInput::for_variant(Gid::new("gid://shopify/ProductVariant/1"));
        input.price = Some(Decimal::new(1995, 2));
        input.compare_at_price = Some(None);
        let json = serde_json::to_value(&input).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"id": "gid://shopify/ProductVariant/1", "price": "19.95", "compareAtPrice": null})
        );
    }
}

/// The bulk query of a reconciliation (`graphql/bulk/variant_stock.graphql`): every variant with its price, its
/// product and its `available` quantity per location. Read its result with [`StockVariant::from_bulk`].
pub const VARIANT_STOCK_BULK_QUERY: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/graphql/bulk/variant_stock.graphql"));

/// A variant as the reconciliation reads it: price, product, and the quantity available at each location.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StockVariant {
    pub id: Gid,
    pub sku: Option<String>,
    pub price: Decimal,
    pub compare_at_price: Option<Decimal>,
    pub product: StockVariantProduct,
    pub inventory_item: StockInventoryItem,
    /// The `available` quantity per location id, from the variant's inventory level rows.
    #[serde(default)]
    pub available: Vec<(Gid, Option<i64>)>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StockVariantProduct {
    pub id: Gid,
    pub title: String,
    pub status: ProductStatus,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StockInventoryItem {
    pub id: Gid,
    pub tracked: bool,
}

/// An inventory level row of [`VARIANT_STOCK_BULK_QUERY`]'s result.
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct StockLevelRow {
    location: StockLevelLocation,
    quantities: Vec<StockQuantity>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct StockLevelLocation {
    id: Gid,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct StockQuantity {
    name: String,
    quantity: i64,
}

impl StockVariant {
    /// Builds a variant from a root object of [`VARIANT_STOCK_BULK_QUERY`]'s (grouped) result: its child rows are
    /// its inventory levels.
    pub fn from_bulk(object: crate::bulk::BulkObject) -> Result<StockVariant, serde_json::Error> {
        let crate::bulk::BulkObject { value, children } = object;
        let mut variant: StockVariant = serde_json::from_value(value)?;
        for child in children {
            let level: StockLevelRow = serde_json::from_value(child.value)?;
            let available = level.quantities.iter().find(|q| q.name == "available").map(|q| q.quantity);
            variant.available.push((level.location.id, available));
        }
        Ok(variant)
    }

    /// The quantity available at a location; `None` when the variant is not stocked there.
    pub fn available_at(&self, location_id: &str) -> Option<i64> {
        self.available.iter().find(|(id, _)| id.as_str() == location_id).and_then(|(_, quantity)| *quantity)
    }
}
