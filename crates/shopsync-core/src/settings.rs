//! The settings of one shop, typed and validated.
//!
//! These are the switches the connectors our users know put on their shop card: whether the shop syncs at
//! all, the safety switches that keep test data away from a live store, what flows run and how, the order
//! import rules, the tags that steer reprocessing, and a schedule per object.
//!
//! Settings are stored as text pairs (`key`, `value`) so new ones can be added without a migration; this
//! module is the one place that knows their names, types, defaults and accepted values. An unknown key or an
//! invalid value is an error that lists what is accepted.

use std::fmt;

use jiff::civil::Date;
use serde::Serialize;

use crate::schedule::Schedule;

/// How much shopsync writes to the request log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LoggingMode {
    /// Nothing is logged (captured Shopify data is still kept).
    Disabled,
    /// Only failed requests are logged.
    ErrorsOnly,
    /// Every request is logged; turn it off again afterwards, the log grows quickly.
    All,
}

/// Which orders the first order import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "from", content = "date")]
pub enum OrderImportFrom {
    /// Only orders that are still open.
    Open,
    /// Every order the app may read.
    All,
    /// Orders created on or after a date.
    Since(Date),
}

/// Which back-office items the product sync sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemSelection {
    /// Every item in the catalog.
    All,
    /// Only items marked for synchronization.
    Marked,
}

/// The destination countries whose orders are imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CountryFilter {
    /// Orders to any country.
    All,
    /// Orders to these ISO 3166-1 alpha-2 countries only.
    Only(Vec<String>),
}

impl CountryFilter {
    /// Whether an order shipped to `country` (ISO alpha-2) may be imported.
    pub fn allows(&self, country: &str) -> bool {
        match self {
            CountryFilter::All => true,
            CountryFilter::Only(list) => list.iter().any(|c| c.eq_ignore_ascii_case(country)),
        }
    }
}

/// A back-office warehouse whose stock goes to a Shopify location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocationMapping {
    /// The warehouse code in the back office.
    pub warehouse: String,
    /// The Shopify location, as a global id.
    pub location: String,
}

/// The objects that sync on their own schedule.
pub const SCHEDULED_OBJECTS: [&str; 5] = ["products", "inventory", "customers", "orders", "fulfillments"];

/// Every setting of a shop.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShopSettings {
    pub enabled: bool,
    pub allow_background_sync: bool,
    pub logging: LoggingMode,
    /// Days the request log and the webhook deliveries are kept (`serve` deletes older entries); `None`: forever.
    pub log_retention_days: Option<u32>,
    pub allow_data_sync_to_shopify: bool,
    pub allow_outgoing_requests: bool,
    pub sync_products: bool,
    pub sync_inventory: bool,
    pub sync_customers: bool,
    pub sync_orders: bool,
    pub sync_description: bool,
    pub sync_images: bool,
    pub overwrite_images: bool,
    pub item_selection: ItemSelection,
    /// The sales channels new products are published to, by name; empty: none.
    pub publish_to: Vec<String>,
    pub price_list: Option<String>,
    pub price_only_when_changed: bool,
    pub location_map: Vec<LocationMapping>,
    pub customer_template: Option<String>,
    pub order_countries: CountryFilter,
    pub order_import_from: OrderImportFrom,
    pub sync_orders_with_payment_terms: bool,
    pub ignore_tag: String,
    pub reprocess_tag: String,
    pub approval_hold_tag: Option<String>,
    pub approval_tag: Option<String>,
    pub sync_fulfilled_status: bool,
    #[serde(serialize_with = "serialize_schedules")]
    pub schedules: [Schedule; 5],
}

impl Default for ShopSettings {
    fn default() -> Self {
        ShopSettings {
            enabled: true,
            allow_background_sync: true,
            logging: LoggingMode::ErrorsOnly,
            log_retention_days: Some(30),
            // Off until someone turns it on, so a fresh back office with demo data never writes to a live store.
            allow_data_sync_to_shopify: false,
            allow_outgoing_requests: true,
            sync_products: true,
            sync_inventory: true,
            sync_customers: true,
            sync_orders: true,
            sync_description: false,
            sync_images: true,
            overwrite_images: false,
            item_selection: ItemSelection::All,
            publish_to: vec!["Online Store".to_string()],
            price_list: None,
            price_only_when_changed: false,
            location_map: Vec::new(),
            customer_template: None,
            order_countries: CountryFilter::All,
            order_import_from: OrderImportFrom::Open,
            sync_orders_with_payment_terms: false,
            ignore_tag: "shopsync-ignore".to_string(),
            reprocess_tag: "shopsync-reprocess".to_string(),
            approval_hold_tag: None,
            approval_tag: None,
            sync_fulfilled_status: true,
            schedules: [Schedule::default(); 5],
        }
    }
}

/// A setting's name, what it does and what it accepts, for the front-ends' lists of settings and error messages.
#[derive(Debug, Clone, Copy)]
pub struct SettingInfo {
    pub key: &'static str,
    pub accepted: &'static str,
    pub description: &'static str,
}

const ON_OFF: &str = "on, off";

/// Every setting, in the order the shop card shows them.
pub const SETTINGS: &[SettingInfo] = &[
    info("enabled", ON_OFF, "The shop takes part in syncs at all."),
    info(
        "allow-background-sync",
        ON_OFF,
        "Scheduled and webhook-triggered syncs run; off runs syncs only in the foreground, when asked, so errors show at once.",
    ),
    info(
        "logging",
        "disabled, errors, all",
        "What goes to the request log. `all` grows the database quickly: turn it off again afterwards.",
    ),
    info(
        "log-retention",
        "a number of days (1 to 3650), or forever",
        "How long request log entries and webhook deliveries are kept; `serve` deletes older ones every hour.",
    ),
    info(
        "allow-data-sync-to-shopify",
        ON_OFF,
        "Writes to Shopify (products, prices, stock, fulfillments) are allowed. Off protects a live store from demo or test data; reads still work.",
    ),
    info(
        "allow-outgoing-requests",
        ON_OFF,
        "Any request to Shopify is allowed. Off blocks every call: the sandbox guard for test copies of a database.",
    ),
    info("sync-products", ON_OFF, "The product sync sends the catalog to Shopify."),
    info("sync-inventory", ON_OFF, "The inventory sync sends stock to Shopify."),
    info("sync-customers", ON_OFF, "The customer sync imports Shopify customers."),
    info("sync-orders", ON_OFF, "The order sync imports Shopify orders as sales orders."),
    info("sync-description", ON_OFF, "Item descriptions overwrite product descriptions in Shopify."),
    info("sync-images", ON_OFF, "Item images are sent with new products."),
    info("overwrite-images", ON_OFF, "Item images replace the images of existing Shopify products."),
    info(
        "item-selection",
        "all, marked",
        "Which items the product sync sends: every item, or only items marked for synchronization.",
    ),
    info(
        "publish-to",
        "none, or the names of sales channels separated by commas",
        "The sales channels (publications) new products are published to, by the names Shopify admin shows; without it a product created through the API is visible in no channel.",
    ),
    info(
        "price-list",
        "a price list code, or none",
        "The back-office price list whose prices (and compare-at prices) go to Shopify.",
    ),
    info(
        "price-only-when-changed",
        ON_OFF,
        "Prices are sent only when they changed in the back office, so prices edited in Shopify are kept otherwise.",
    ),
    info(
        "location-map",
        "WAREHOUSE=LOCATION pairs separated by commas (LOCATION a gid://shopify/Location/N or N), or none",
        "Which warehouse's stock goes to which Shopify location.",
    ),
    info(
        "customer-template",
        "a customer template code, or none",
        "The template new back-office customers are created from; it must fill every required customer field.",
    ),
    info(
        "order-countries",
        "all, or ISO country codes separated by commas (e.g. NL,BE,DE)",
        "Orders shipped to these countries are imported; others get DESTINATION_NOT_ALLOWED.",
    ),
    info("order-import-from", "open, all, or since YYYY-MM-DD", "Which orders the first import reads."),
    info(
        "sync-orders-with-payment-terms",
        ON_OFF,
        "Orders whose payment is pending are imported when they have payment terms (B2B pay-later).",
    ),
    info("ignore-tag", "a tag", "Orders with this Shopify tag are not imported (ORDER_IGNORED_BY_TAG)."),
    info(
        "reprocess-tag",
        "a tag",
        "Orders tagged with this in Shopify are re-checked at the next sync, and the tag is removed.",
    ),
    info(
        "approval-hold-tag",
        "a tag, or none",
        "Orders with this tag wait (AWAITING_APPROVAL) until the approval tag appears.",
    ),
    info("approval-tag", "a tag, or none", "The tag that releases an order held by the approval-hold tag."),
    info("sync-fulfilled-status", ON_OFF, "Back-office shipments go to Shopify as fulfillments with tracking."),
    info("schedule.products", SCHEDULE_ACCEPTED, "When the product sync runs by itself."),
    info("schedule.inventory", SCHEDULE_ACCEPTED, "When the inventory sync runs by itself."),
    info("schedule.customers", SCHEDULE_ACCEPTED, "When the customer sync runs by itself."),
    info("schedule.orders", SCHEDULE_ACCEPTED, "When the order sync runs by itself."),
    info("schedule.fulfillments", SCHEDULE_ACCEPTED, "When shipments are sent to Shopify by themselves."),
];

const SCHEDULE_ACCEPTED: &str = "off, every N(m|h) of at least 5m, daily HH:MM, weekly DAY HH:MM (UTC)";

const fn info(key: &'static str, accepted: &'static str, description: &'static str) -> SettingInfo {
    SettingInfo { key, accepted, description }
}

/// Why a setting could not be set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingError {
    #[error("there is no setting `{key}`; the settings are: {}", all_keys())]
    Unknown { key: String },
    #[error(
        "`{value}` is not a valid value for `{key}`{}; accepted: {accepted}",
        .reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default()
    )]
    Invalid {
        key: String,
        value: String,
        accepted: &'static str,
        /// What exactly is wrong, when more can be said than "not accepted": the country code that is not one,
        /// the interval below the minimum.
        reason: Option<String>,
    },
}

fn all_keys() -> String {
    SETTINGS.iter().map(|s| s.key).collect::<Vec<_>>().join(", ")
}

impl ShopSettings {
    /// Settings built from stored pairs; pairs with unknown keys (written by a newer shopsync) are skipped.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, SettingError> {
        let mut settings = ShopSettings::default();
        for (key, value) in pairs {
            match settings.set(key, value) {
                Err(SettingError::Unknown { .. }) => {}
                other => other?,
            }
        }
        Ok(settings)
    }

    /// Every setting as `(key, value)` text pairs, in the order of [`SETTINGS`].
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        SETTINGS.iter().map(|s| (s.key, self.get(s.key).unwrap_or_default())).collect()
    }

    /// The value of `key` as text, as `set` accepts it.
    pub fn get(&self, key: &str) -> Option<String> {
        let on_off = |b: bool| if b { "on" } else { "off" }.to_string();
        let or_none = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".to_string());
        Some(match key {
            "enabled" => on_off(self.enabled),
            "allow-background-sync" => on_off(self.allow_background_sync),
            "logging" => match self.logging {
                LoggingMode::Disabled => "disabled",
                LoggingMode::ErrorsOnly => "errors",
                LoggingMode::All => "all",
            }
            .to_string(),
            "log-retention" => match self.log_retention_days {
                Some(days) => days.to_string(),
                None => "forever".to_string(),
            },
            "allow-data-sync-to-shopify" => on_off(self.allow_data_sync_to_shopify),
            "allow-outgoing-requests" => on_off(self.allow_outgoing_requests),
            "sync-products" => on_off(self.sync_products),
            "sync-inventory" => on_off(self.sync_inventory),
            "sync-customers" => on_off(self.sync_customers),
            "sync-orders" => on_off(self.sync_orders),
            "sync-description" => on_off(self.sync_description),
            "sync-images" => on_off(self.sync_images),
            "overwrite-images" => on_off(self.overwrite_images),
            "item-selection" => match self.item_selection {
                ItemSelection::All => "all",
                ItemSelection::Marked => "marked",
            }
            .to_string(),
            "publish-to" => {
                if self.publish_to.is_empty() {
                    "none".to_string()
                } else {
                    self.publish_to.join(",")
                }
            }
            "price-list" => or_none(&self.price_list),
            "price-only-when-changed" => on_off(self.price_only_when_changed),
            "location-map" => {
                if self.location_map.is_empty() {
                    "none".to_string()
                } else {
                    let pairs: Vec<String> =
                        self.location_map.iter().map(|m| format!("{}={}", m.warehouse, m.location)).collect();
                    pairs.join(",")
                }
            }
            "customer-template" => or_none(&self.customer_template),
            "order-countries" => match &self.order_countries {
                CountryFilter::All => "all".to_string(),
                CountryFilter::Only(list) => list.join(","),
            },
            "order-import-from" => match self.order_import_from {
                OrderImportFrom::Open => "open".to_string(),
                OrderImportFrom::All => "all".to_string(),
                OrderImportFrom::Since(date) => format!("since {date}"),
            },
            "sync-orders-with-payment-terms" => on_off(self.sync_orders_with_payment_terms),
            "ignore-tag" => self.ignore_tag.clone(),
            "reprocess-tag" => self.reprocess_tag.clone(),
            "approval-hold-tag" => or_none(&self.approval_hold_tag),
            "approval-tag" => or_none(&self.approval_tag),
            "sync-fulfilled-status" => on_off(self.sync_fulfilled_status),
            _ => {
                let index = schedule_index(key)?;
                self.schedules[index].to_string()
            }
        })
    }

    /// Sets `key` from its text form, or explains what is accepted.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), SettingError> {
        let info =
            SETTINGS.iter().find(|s| s.key == key).ok_or_else(|| SettingError::Unknown { key: key.to_string() })?;
        let invalid_because = |reason: Option<String>| SettingError::Invalid {
            key: key.to_string(),
            value: value.to_string(),
            accepted: info.accepted,
            reason,
        };
        let invalid = || invalid_because(None);
        let value = value.trim();
        let flag = || parse_on_off(value).ok_or_else(invalid);
        match key {
            "enabled" => self.enabled = flag()?,
            "allow-background-sync" => self.allow_background_sync = flag()?,
            "logging" => {
                self.logging = match value {
                    "disabled" | "off" => LoggingMode::Disabled,
                    "errors" | "errors-only" => LoggingMode::ErrorsOnly,
                    "all" => LoggingMode::All,
                    _ => return Err(invalid()),
                }
            }
            "allow-data-sync-to-shopify" => self.allow_data_sync_to_shopify = flag()?,
            "allow-outgoing-requests" => self.allow_outgoing_requests = flag()?,
            "log-retention" => {
                self.log_retention_days = if value.eq_ignore_ascii_case("forever") {
                    None
                } else {
                    let days = value.trim_end_matches('d').parse::<u32>().map_err(|_| invalid())?;
                    if !(1..=3650).contains(&days) {
                        return Err(invalid());
                    }
                    Some(days)
                }
            }
            "sync-products" => self.sync_products = flag()?,
            "sync-inventory" => self.sync_inventory = flag()?,
            "sync-customers" => self.sync_customers = flag()?,
            "sync-orders" => self.sync_orders = flag()?,
            "sync-description" => self.sync_description = flag()?,
            "sync-images" => self.sync_images = flag()?,
            "overwrite-images" => self.overwrite_images = flag()?,
            "item-selection" => {
                self.item_selection = match value {
                    "all" => ItemSelection::All,
                    "marked" => ItemSelection::Marked,
                    _ => return Err(invalid()),
                }
            }
            "publish-to" => self.publish_to = parse_channel_names(value).map_err(|r| invalid_because(Some(r)))?,
            "price-list" => self.price_list = parse_code(value).map_err(|_| invalid())?,
            "price-only-when-changed" => self.price_only_when_changed = flag()?,
            "location-map" => self.location_map = parse_location_map(value).ok_or_else(invalid)?,
            "customer-template" => self.customer_template = parse_code(value).map_err(|_| invalid())?,
            "order-countries" => self.order_countries = parse_countries(value).map_err(|r| invalid_because(Some(r)))?,
            "order-import-from" => self.order_import_from = parse_import_from(value).ok_or_else(invalid)?,
            "sync-orders-with-payment-terms" => self.sync_orders_with_payment_terms = flag()?,
            "ignore-tag" => self.ignore_tag = parse_tag(value).ok_or_else(invalid)?,
            "reprocess-tag" => self.reprocess_tag = parse_tag(value).ok_or_else(invalid)?,
            "approval-hold-tag" => self.approval_hold_tag = parse_optional_tag(value).ok_or_else(invalid)?,
            "approval-tag" => self.approval_tag = parse_optional_tag(value).ok_or_else(invalid)?,
            "sync-fulfilled-status" => self.sync_fulfilled_status = flag()?,
            _ => {
                // Every other key in SETTINGS is a schedule.
                let index = schedule_index(key).ok_or_else(invalid)?;
                self.schedules[index] =
                    value.parse::<Schedule>().map_err(|err| invalid_because(err.reason().map(str::to_string)))?;
            }
        }
        Ok(())
    }

    /// The schedule of `object` (one of [`SCHEDULED_OBJECTS`]).
    pub fn schedule(&self, object: &str) -> Option<Schedule> {
        let index = SCHEDULED_OBJECTS.iter().position(|o| *o == object)?;
        Some(self.schedules[index])
    }

    /// The Shopify location that receives a warehouse's stock.
    pub fn location_for(&self, warehouse: &str) -> Option<&str> {
        self.location_map.iter().find(|m| m.warehouse == warehouse).map(|m| m.location.as_str())
    }
}

fn schedule_index(key: &str) -> Option<usize> {
    let object = key.strip_prefix("schedule.")?;
    SCHEDULED_OBJECTS.iter().position(|o| *o == object)
}

fn serialize_schedules<S: serde::Serializer>(schedules: &[Schedule; 5], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(schedules.len()))?;
    for (object, schedule) in SCHEDULED_OBJECTS.iter().zip(schedules) {
        map.serialize_entry(object, &schedule.to_string())?;
    }
    map.end()
}

fn parse_on_off(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" | "1" => Some(true),
        "off" | "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

/// `none`, or sales channel names separated by commas (each kept as written, trimmed; repeats dropped).
fn parse_channel_names(value: &str) -> Result<Vec<String>, String> {
    if value.eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    let mut names: Vec<String> = Vec::new();
    for name in value.split(',').map(str::trim) {
        if name.is_empty() {
            return Err("a channel name is empty (two commas in a row, or one at an end)".into());
        }
        if name.chars().any(char::is_control) || name.chars().count() > 100 {
            return Err(format!("`{name}` is not a channel name (at most 100 characters, no control characters)"));
        }
        if !names.iter().any(|known| known.eq_ignore_ascii_case(name)) {
            names.push(name.to_string());
        }
    }
    Ok(names)
}

/// A back-office code: letters, digits, `-`, `_` and `.`, at most 40 characters; `none` clears it.
fn parse_code(value: &str) -> Result<Option<String>, ()> {
    if value.is_empty() || value == "none" {
        return Ok(None);
    }
    let valid = value.len() <= 40 && value.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if valid { Ok(Some(value.to_string())) } else { Err(()) }
}

/// A Shopify tag: at most 255 characters, no comma (Shopify splits tags on commas).
fn parse_tag(value: &str) -> Option<String> {
    let valid = !value.is_empty() && value.chars().count() <= 255 && !value.contains(',');
    valid.then(|| value.to_string())
}

fn parse_optional_tag(value: &str) -> Option<Option<String>> {
    if value == "none" || value.is_empty() { Some(None) } else { parse_tag(value).map(Some) }
}

fn parse_location_map(value: &str) -> Option<Vec<LocationMapping>> {
    if value == "none" || value.is_empty() {
        return Some(Vec::new());
    }
    let mut map: Vec<LocationMapping> = Vec::new();
    for pair in value.split(',') {
        let (warehouse, location) = pair.split_once('=')?;
        let warehouse = parse_code(warehouse.trim()).ok()??;
        let location = location.trim();
        let location = if let Ok(id) = location.parse::<u64>() {
            format!("gid://shopify/Location/{id}")
        } else {
            let gid = crate::gid::Gid::parse(location).ok()?;
            if gid.resource() != "Location" {
                return None;
            }
            gid.to_string()
        };
        if map.iter().any(|m| m.warehouse == warehouse) {
            return None;
        }
        map.push(LocationMapping { warehouse, location });
    }
    Some(map)
}

/// The countries of `order-countries`, or which entry is wrong (a list of twenty codes with one typo must name it).
fn parse_countries(value: &str) -> Result<CountryFilter, String> {
    if value.eq_ignore_ascii_case("all") || value == "*" {
        return Ok(CountryFilter::All);
    }
    let mut list = Vec::new();
    for code in value.split(',') {
        let code = code.trim();
        if code.is_empty() {
            return Err("an entry between commas is empty".to_string());
        }
        // Only codes of the country table: a typo such as `UK` (the code is GB) would silently hold every order.
        let Some(country) = crate::countries::by_code(code) else {
            return Err(match code.to_ascii_uppercase().as_str() {
                "UK" => "`UK` is not a country code: the United Kingdom is GB".to_string(),
                _ => format!("`{code}` is not an ISO 3166-1 alpha-2 country code"),
            });
        };
        let code = country.code.to_string();
        if !list.contains(&code) {
            list.push(code);
        }
    }
    Ok(CountryFilter::Only(list))
}

fn parse_import_from(value: &str) -> Option<OrderImportFrom> {
    match value {
        "open" => Some(OrderImportFrom::Open),
        "all" => Some(OrderImportFrom::All),
        _ => {
            let date = value.strip_prefix("since")?.trim_start_matches([' ', ':', '=']);
            Some(OrderImportFrom::Since(date.parse().ok()?))
        }
    }
}

impl fmt::Display for LoggingMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LoggingMode::Disabled => "disabled",
            LoggingMode::ErrorsOnly => "errors",
            LoggingMode::All => "all",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sets `key` to `value` on default settings and returns the stored text, or the error text.
    fn check(key: &str, value: &str) -> Result<String, String> {
        let mut settings = ShopSettings::default();
        settings.set(key, value).map_err(|e| e.to_string())?;
        Ok(settings.get(key).unwrap())
    }

    #[test]
    fn every_setting_round_trips_its_default() {
        let defaults = ShopSettings::default();
        let pairs = defaults.pairs();
        assert_eq!(pairs.len(), SETTINGS.len());
        let again = ShopSettings::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str()))).unwrap();
        assert_eq!(again, defaults);
    }

    #[test]
    fn the_safety_switches_default_to_safe() {
        let settings = ShopSettings::default();
        assert!(!settings.allow_data_sync_to_shopify);
        assert!(settings.allow_outgoing_requests);
        assert_eq!(settings.schedule("orders").unwrap().to_string(), "every 3h");
    }

    #[test]
    fn valid_values_are_accepted_and_normalised() {
        assert_eq!(check("allow-data-sync-to-shopify", "true"), Ok("on".into()));
        assert_eq!(check("logging", "all"), Ok("all".into()));
        assert_eq!(check("order-countries", "nl, be,NL"), Ok("NL,BE".into()));
        assert_eq!(check("order-countries", "*"), Ok("all".into()));
        assert_eq!(check("order-countries", "gb,XK"), Ok("GB,XK".into()));
        assert_eq!(
            check("location-map", "MAIN=1, WEST=gid://shopify/Location/2"),
            Ok("MAIN=gid://shopify/Location/1,WEST=gid://shopify/Location/2".into())
        );
        assert_eq!(check("order-import-from", "since 2026-01-31"), Ok("since 2026-01-31".into()));
        assert_eq!(check("schedule.inventory", "every 30m"), Ok("every 30m".into()));
        assert_eq!(check("approval-hold-tag", "GlobalE"), Ok("GlobalE".into()));
        assert_eq!(check("approval-hold-tag", "none"), Ok("none".into()));
        assert_eq!(check("price-list", "RETAIL-EUR"), Ok("RETAIL-EUR".into()));
        assert_eq!(
            check("publish-to", "Online Store, Point of Sale, online store"),
            Ok("Online Store,Point of Sale".into())
        );
        assert_eq!(check("publish-to", "NONE"), Ok("none".into()));
        assert_eq!(check("log-retention", "7d"), Ok("7".into()));
        assert_eq!(check("log-retention", "Forever"), Ok("forever".into()));
        assert_eq!(ShopSettings::default().get("log-retention").as_deref(), Some("30"));
        assert_eq!(ShopSettings::default().get("publish-to").as_deref(), Some("Online Store"));
    }

    #[test]
    fn invalid_values_list_what_is_accepted() {
        for (key, value) in [
            ("enabled", "maybe"),
            ("logging", "verbose"),
            ("order-countries", "Netherlands"),
            ("order-countries", "NL,UK"),
            ("order-countries", "NL,,BE"),
            ("location-map", "MAIN=gid://shopify/Product/1"),
            ("location-map", "MAIN=1,MAIN=2"),
            ("order-import-from", "since yesterday"),
            ("schedule.orders", "every 1m"),
            ("ignore-tag", "a,b"),
            ("price-list", "has space"),
            ("publish-to", "Online Store,,Shop"),
            ("log-retention", "0"),
            ("log-retention", "a month"),
            ("log-retention", "99999"),
        ] {
            let err = check(key, value).unwrap_err();
            assert!(err.contains("accepted:"), "{key}={value}: {err}");
            assert!(err.contains(key), "{err}");
        }
    }

    #[test]
    fn invalid_values_name_what_is_wrong_in_them() {
        let err = check("schedule.orders", "every 1m").unwrap_err();
        assert!(err.contains("the shortest interval is 5 minutes"), "{err}");
        let err = check("order-countries", "NL,BE,XY,DE").unwrap_err();
        assert!(err.contains("`XY` is not an ISO 3166-1 alpha-2 country code"), "{err}");
        let err = check("order-countries", "NL,uk").unwrap_err();
        assert!(err.contains("the United Kingdom is GB"), "{err}");
        let err = check("order-countries", "NL,,BE").unwrap_err();
        assert!(err.contains("empty"), "{err}");
    }

    #[test]
    fn unknown_setting_lists_every_setting() {
        let err = check("sync-everything", "on").unwrap_err();
        assert!(err.contains("there is no setting `sync-everything`"));
        assert!(err.contains("allow-outgoing-requests"));
        assert!(err.contains("schedule.fulfillments"));
    }

    #[test]
    fn stored_pairs_from_a_newer_version_are_skipped() {
        let settings = ShopSettings::from_pairs([("future-switch", "on"), ("sync-images", "off")]).unwrap();
        assert!(!settings.sync_images);
    }

    #[test]
    fn country_filter_allows_listed_countries_only() {
        let mut settings = ShopSettings::default();
        assert!(settings.order_countries.allows("US"));
        settings.set("order-countries", "NL,BE").unwrap();
        assert!(settings.order_countries.allows("nl"));
        assert!(!settings.order_countries.allows("US"));
    }
}
