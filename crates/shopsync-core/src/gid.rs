//! Shopify global ids (`gid://shopify/Order/450789469`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A parsed Shopify global id: the resource type and its numeric id.
///
/// Shopify's GraphQL API names every object by such an id; the admin pages and the legacy REST payloads of
/// webhooks use the numeric id alone, so both forms are needed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Gid {
    resource: String,
    id: u64,
}

/// Why a text is not a Shopify global id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a Shopify global id: expected the form gid://shopify/Resource/123")]
pub struct GidError {
    text: String,
}

impl Gid {
    /// Builds the id of `resource` number `id`.
    pub fn new(resource: &str, id: u64) -> Gid {
        Gid { resource: resource.to_string(), id }
    }

    /// Parses `gid://shopify/Resource/123`; a query string after the id (`?inventory_item_id=1`) is ignored.
    pub fn parse(text: &str) -> Result<Gid, GidError> {
        let err = || GidError { text: text.to_string() };
        let rest = text.strip_prefix("gid://shopify/").ok_or_else(err)?;
        let (resource, id) = rest.split_once('/').ok_or_else(err)?;
        let id = id.split('?').next().unwrap_or_default();
        if resource.is_empty() || !resource.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(err());
        }
        let id = id.parse::<u64>().map_err(|_| err())?;
        Ok(Gid { resource: resource.to_string(), id })
    }

    /// The resource type, such as `Order` or `ProductVariant`.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The numeric id, as the Shopify admin and REST payloads show it.
    pub fn id(&self) -> u64 {
        self.id
    }
}

impl fmt::Display for Gid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "gid://shopify/{}/{}", self.resource, self.id)
    }
}

/// The Shopify admin page of an object, for links in error messages and the console.
///
/// `shop_domain` is the store's `NAME.myshopify.com` domain. Returns `None` for resources that have no admin page.
pub fn admin_url(shop_domain: &str, gid: &Gid) -> Option<String> {
    let handle = shop_domain.strip_suffix(".myshopify.com").unwrap_or(shop_domain);
    let path = match gid.resource() {
        "Order" => "orders",
        "Product" => "products",
        "Customer" => "customers",
        "DraftOrder" => "draft_orders",
        "Location" => "settings/locations",
        _ => return None,
    };
    Some(format!("https://admin.shopify.com/store/{handle}/{path}/{}", gid.id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gid_round_trips() {
        let gid = Gid::parse("gid://shopify/Order/450789469").unwrap();
        assert_eq!(gid.resource(), "Order");
        assert_eq!(gid.id(), 450789469);
        assert_eq!(gid.to_string(), "gid://shopify/Order/450789469");
    }

    #[test]
    fn gid_with_query_keeps_the_id() {
        let gid = Gid::parse("gid://shopify/InventoryLevel/1?inventory_item_id=2").unwrap();
        assert_eq!(gid.id(), 1);
    }

    #[test]
    fn malformed_gids_are_rejected() {
        for text in ["", "gid://shopify/Order", "gid://shopify//1", "gid://other/Order/1", "gid://shopify/Order/x"] {
            assert!(Gid::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn admin_url_points_at_the_store_admin() {
        let gid = Gid::new("Order", 7);
        assert_eq!(admin_url("demo.myshopify.com", &gid).unwrap(), "https://admin.shopify.com/store/demo/orders/7");
    }
}
