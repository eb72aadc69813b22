//! The shop itself and its locations.

use serde::{Deserialize, Serialize};

use super::{NoVariables, document, u64_from_string_or_number};
use crate::operation::{Connection, Gid, Operation, OperationKind, PageInfo, PagedOperation};

/// `graphql/shop_info.graphql`: the shop and this app's access scopes.
#[derive(Debug, Clone, Copy)]
pub struct ShopInfo;

impl Operation for ShopInfo {
    const NAME: &'static str = "ShopInfo";
    const DOCUMENT: &'static str = document!("shop_info.graphql");
    const KIND: OperationKind = OperationKind::Query;
    const WRITES: bool = false;
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 4;
    type Variables = NoVariables;
    type Data = ShopInfoData;
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShopInfoData {
    pub shop: Shop,
    pub current_app_installation: AppInstallation,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Shop {
    pub id: Gid,
    pub name: String,
    pub myshopify_domain: String,
    pub email: String,
    pub contact_email: String,
    pub currency_code: String,
    pub enabled_presentment_currencies: Vec<String>,
    pub iana_timezone: String,
    pub weight_unit: String,
    pub taxes_included: bool,
    pub plan: ShopPlan,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShopPlan {
    pub partner_development: bool,
    pub shopify_plus: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInstallation {
    pub id: Gid,
    pub access_scopes: Vec<AccessScope>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct AccessScope {
    pub handle: String,
}

impl AppInstallation {
    /// Whether the app holds `scope`. A `write_x` scope implies `read_x`,
    /// as Shopify grants it.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.access_scopes.iter().any(|s| {
            s.handle == scope
                || scope.strip_prefix("read_").is_some_and(|rest| s.handle.strip_prefix("write_") == Some(rest))
        })
    }

    /// The scopes of `required` the app does not hold.
    pub fn missing_scopes<'a>(&self, required: &[&'a str]) -> Vec<&'a str> {
        required.iter().copied().filter(|scope| !self.has_scope(scope)).collect()
    }
}

/// `graphql/locations.graphql`: the shop's locations, 100 per page.
#[derive(Debug, Clone, Copy)]
pub struct Locations;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LocationsVariables {
    pub after: Option<String>,
}

impl Operation for Locations {
    const NAME: &'static str = "Locations";
    const DOCUMENT: &'static str = document!("locations.graphql");
    const KIND: OperationKind = OperationKind::Query;
    const WRITES: bool = false;
    const RETRY_SAFE: bool = true;
    const ESTIMATED_COST: u32 = 202;
    type Variables = LocationsVariables;
    type Data = LocationsData;
}

impl PagedOperation for Locations {
    type Node = Location;
    fn page_info(data: &LocationsData) -> Option<&PageInfo> {
        Some(&data.locations.page_info)
    }
    fn set_after(variables: &mut LocationsVariables, cursor: Option<String>) {
        variables.after = cursor;
    }
    fn into_nodes(data: LocationsData) -> Vec<Location> {
        data.locations.nodes
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct LocationsData {
    pub locations: Connection<Location>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub id: Gid,
    #[serde(deserialize_with = "u64_from_string_or_number")]
    pub legacy_resource_id: u64,
    pub name: String,
    pub is_active: bool,
    pub fulfills_online_orders: bool,
    pub has_active_inventory: bool,
    pub ships_inventory: bool,
    pub address: LocationAddress,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LocationAddress {
    pub address1: Option<String>,
    pub address2: Option<String>,
    pub city: Option<String>,
    pub zip: Option<String>,
    pub province: Option<String>,
    pub province_code: Option<String>,
    pub country: Option<String>,
    pub country_code: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_scope_implies_read_scope() {
        let app = AppInstallation {
            id: Gid::new("gid://shopify/AppInstallation/1"),
            access_scopes: vec![AccessScope { handle: "write_products".into() }],
        };
        assert!(app.has_scope("read_products"));
        assert!(app.has_scope("write_products"));
        assert_eq!(app.missing_scopes(&["read_products", "read_orders"]), vec!["read_orders"]);
    }
}
