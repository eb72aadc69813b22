//! Deterministic seeded catalog generator.
//!
//! The same seed always gives the same store (ids, SKUs, prices, stock, timestamps), so tests and
//! demos can name things.
//!
//! ## Scheme
//! - Product `p` (1-based) has variants `v` = 1..=n. **SKU** `SKU-{p:05}-{v}` (e.g. `SKU-00007-2`).
//!   The back-office demo seed uses the same scheme, so it matches some products and not others.
//! - **Barcode**: EAN-13 in the in-store range: `20` + `p` (6 digits) + `v` (2 digits) + `00` +
//!   check digit.
//! - **Options**: one variant → the default `Title`/`Default Title`; more → `Size` (S, M, L, XL),
//!   every third product `Color` (Black, White, Red, Blue) instead. `Seed::Large` has exactly five
//!   sizes (XS..XL) per product: 2,000 products, 10,000 variants.
//! - **Prices** 5.00 to 149.95 (ending .00, .50 or .95); every fifth product has a compare-at price.
//! - **Images**: one or two per product, served by the simulator at `/_sim/images/p{p}-{n}.png`.
//! - **Locations**: `Main Warehouse` (all items, 0..=50 available) and `Retail Store` (items of
//!   products with `p % 3 != 0`, 0..=20 available).
//! - **Demo special cases**: product 23 is `ARCHIVED`, product 24 is `DRAFT`, product 25 (a gift
//!   wrap service) has no SKU and is not tracked, products 1..=5 are tagged `featured`.
//! - Timestamps: product `p` created 2025-06-01 + `p` hours, updated up to 30 days later.
//!
//! ## Orders, customers, payouts
//! `Seed::Demo` adds 13 customers (matched to orders by email, or by phone for the ones without
//! email; two have no orders), 40 orders and six weekly Shopify Payments payouts. Orders are
//! placed six hours apart from 2026-09-01 08:00 UTC. Products 1..=19 are the ones the
//! back-office demo carries; products 20..=22 are not linked there. Unless stated, an order is
//! paid by `shopify_payments`, ships to its customer's country with one `Standard` line (4.90)
//! from `Main Warehouse`, and has the destination's VAT included in its prices (US sales tax and
//! Canadian HST are added on top; Brazil and Japan have no tax lines).
//!
//! | order | case |
//! |---|---|
//! | #1001 | plain paid order, two lines (Anna Schmidt, DE) |
//! | #1002 | discount code `WELCOME10` (10 %, allocated to each line), FR |
//! | #1003 | two shipping lines (`Standard` 4.95 and `Express surcharge` 9.00), NL |
//! | #1004 | partial refund: one of two units of the first line refunded (PARTIALLY_REFUNDED) |
//! | #1005 | **product not linked**: a line of product 20 next to a linked line, BE |
//! | #1006 | **product not linked** only: products 21 and 22, GB |
//! | #1007 | **product not found**: a line whose product was deleted (variant and product null, SKU `SKU-00026-1` kept) |
//! | #1008 | **product not found**: a custom line item `Engraving service` (no variant, no product, no SKU) |
//! | #1009 | **no shippable product**: a gift card and gift wrapping, nothing requires shipping, no shipping line |
//! | #1010 | **waiting for approval**: tagged `GlobalE`, not yet `Globale::Approved`, GB |
//! | #1011 | tagged `GlobalE` and `Globale::Approved` (approved, importable), GB |
//! | #1012 | **payment pending** without payment terms (bank deposit, PENDING transaction) |
//! | #1013 | **payment pending with payment terms** `Net 30` (B2B, company Muster GmbH, PO number) |
//! | #1014 | **destination not allowed**: Brazil |
//! | #1015 | **destination not allowed**: Japan |
//! | #1016 | **cancelled** (reason CUSTOMER) and refunded |
//! | #1017 | **already fulfilled** in Shopify (DHL tracking) |
//! | #1018 | **ignore tag** `shopsync-ignore` |
//! | #1019 | **missing postal code**, United Kingdom |
//! | #1020 | **missing postal code**, Germany |
//! | #1021 | partially fulfilled: one unit of the first line shipped (PARTIALLY_FULFILLED) |
//! | #1022 | United States, sales tax on top of prices (`taxesIncluded: false`) |
//! | #1023 | Canada, HST on top; customer known by phone only (no email) |
//! | #1024 | returning customer (same email as #1001) |
//! | #1025 | returning customer known by phone only (same phone as #1023) |
//! | #1026 | payment authorized, not captured (AUTHORIZED) |
//! | #1027 | partially paid (PARTIALLY_PAID) |
//! | #1028 | fully refunded (REFUNDED) |
//! | #1029 | fulfilled (UPS), then a return requested |
//! | #1030 | line item property `Engraving`, order note and attribute `gift_message` |
//! | #1031 | five lines, several quantities |
//! | #1032 | free shipping (shipping line at 0.00) |
//! | #1033 | fulfilled and archived (closed, not cancelled) |
//! | #1034 | a line of archived product 23 |
//! | #1035 | a line of draft product 24 |
//! | #1036 | test order (`test: true`) |
//! | #1037 | discount code `AUTUMN15` (15 %), FR |
//! | #1038 | plain paid, two lines, NL |
//! | #1039 | plain paid, BE |
//! | #1040 | discount code `VIP20` (20 %), DE |
//!
//! `Seed::Orders(n)` is the large catalog plus `n` orders by `n / 10` customers over 15 months
//! (one in four fulfilled, one in five discounted, one in twenty pending, one in fifty
//! cancelled, one in ten by a guest) and twelve payouts: the import benchmark's store.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use rust_decimal::Decimal;

use crate::config::Seed;
use crate::model::catalog::{
    InventoryItem, InventoryLevel, Location, MediaImage, OptionValue, Product, ProductOption, ProductStatus, Variant,
    Weight,
};
use crate::rng::SplitMix64;
use crate::store::{IdKind, Store};

mod orders;

/// The SKU of variant `v` of product `p` in every seed.
pub fn sku(product: usize, variant: usize) -> String {
    format!("SKU-{product:05}-{variant}")
}

/// The EAN-13 barcode of variant `v` of product `p`.
pub fn barcode(product: usize, variant: usize) -> String {
    let body = format!("20{product:06}{variant:02}00");
    let sum: u32 = body
        .chars()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(index, digit)| if index % 2 == 0 { digit } else { digit * 3 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

const ADJECTIVES: &[&str] =
    &["Classic", "Organic", "Vintage", "Urban", "Alpine", "Coastal", "Nordic", "Everyday", "Premium", "Recycled"];
const NOUNS: &[(&str, &str)] = &[
    ("T-Shirt", "Apparel"),
    ("Hoodie", "Apparel"),
    ("Backpack", "Bags"),
    ("Water Bottle", "Accessories"),
    ("Notebook", "Stationery"),
    ("Mug", "Kitchen"),
    ("Cap", "Apparel"),
    ("Socks", "Apparel"),
    ("Tote Bag", "Bags"),
    ("Candle", "Home"),
];
const VENDORS: &[&str] = &["Northwind", "Contoso", "Fabrikam", "Tailspin"];
const SIZES: &[&str] = &["S", "M", "L", "XL"];
const LARGE_SIZES: &[&str] = &["XS", "S", "M", "L", "XL"];
const COLORS: &[&str] = &["Black", "White", "Red", "Blue"];

/// Fills an empty store with the seed's catalog. `base_url` is where image URLs point.
pub fn populate(store: &mut Store, seed: Seed, base_url: &str) {
    let epoch: Timestamp = "2025-06-01T00:00:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH);
    let main = add_location(store, "Main Warehouse", "Hauptstrasse 1", "Berlin", "10115", epoch);
    let (count, fixed_variants) = match seed {
        Seed::Empty => (0, None),
        Seed::Demo => (25, None),
        Seed::Large | Seed::Orders(_) => (2000, Some(5)),
        Seed::Count(count) => (count, None),
    };
    if seed == Seed::Empty {
        return;
    }
    let retail = add_location(store, "Retail Store", "Marktplatz 5", "Hamburg", "20095", epoch);
    let mut rng = SplitMix64::new(0x5eed_0000 + count as u64);
    for p in 1..=count {
        add_product(store, &mut rng, p, fixed_variants, seed == Seed::Demo, [main, retail], epoch, base_url);
    }
    match seed {
        Seed::Demo => orders::populate_demo(store),
        Seed::Orders(count) => orders::populate_large(store, count),
        _ => {}
    }
}

fn add_location(store: &mut Store, name: &str, address: &str, city: &str, zip: &str, at: Timestamp) -> u64 {
    let id = store.next_id(IdKind::Location);
    store.catalog.locations.insert(
        id,
        Location {
            id,
            name: name.to_string(),
            address1: address.to_string(),
            city: city.to_string(),
            zip: zip.to_string(),
            country_code: "DE".to_string(),
            is_active: true,
            fulfills_online_orders: true,
            created_at: at,
            updated_at: at,
        },
    );
    id
}

#[allow(clippy::too_many_arguments)] // one call site; a struct would only rename the arguments
fn add_product(
    store: &mut Store,
    rng: &mut SplitMix64,
    p: usize,
    fixed_variants: Option<usize>,
    demo: bool,
    [main, retail]: [u64; 2],
    epoch: Timestamp,
    base_url: &str,
) {
    let created_at = epoch + SignedDuration::from_hours(p as i64);
    let updated_at = created_at + SignedDuration::from_mins(rng.range(0, 30 * 24 * 60) as i64);
    let gift_wrap = demo && p == 25;
    let (noun, product_type) = if gift_wrap { ("Gift Wrapping", "Service") } else { *rng.pick(NOUNS) };
    let title = if gift_wrap { noun.to_string() } else { format!("{} {} {}", rng.pick(ADJECTIVES), noun, p) };
    let variant_count = if gift_wrap { 1 } else { fixed_variants.unwrap_or_else(|| rng.range(1, 4) as usize) };
    let (option_name, option_values): (&str, Vec<&str>) = if variant_count == 1 {
        ("Title", vec!["Default Title"])
    } else if fixed_variants.is_some() {
        ("Size", LARGE_SIZES.iter().take(variant_count).copied().collect())
    } else if p.is_multiple_of(3) {
        ("Color", COLORS.iter().take(variant_count).copied().collect())
    } else {
        ("Size", SIZES.iter().take(variant_count).copied().collect())
    };
    let product_id = store.next_id(IdKind::Product);
    let option_id = store.next_id(IdKind::Option);
    let option = ProductOption {
        id: option_id,
        name: option_name.to_string(),
        position: 1,
        values: option_values
            .iter()
            .map(|value| OptionValue { id: store.next_id(IdKind::OptionValue), name: value.to_string() })
            .collect(),
    };
    let cents_options = [0, 50, 95];
    let base_price = Decimal::new(rng.range(5, 149) as i64 * 100 + *rng.pick(&cents_options), 2);
    let compare_at = p.is_multiple_of(5).then(|| (base_price * Decimal::new(12, 1)).round_dp(0));
    let mut variant_ids = Vec::with_capacity(variant_count);
    for (index, value) in option_values.iter().enumerate() {
        let v = index + 1;
        let variant_id = store.next_id(IdKind::Variant);
        let item_id = store.next_id(IdKind::InventoryItem);
        let mut levels = BTreeMap::new();
        if !gift_wrap {
            levels.insert(main, InventoryLevel::with_available(rng.range(0, 50) as i64, updated_at));
            if !p.is_multiple_of(3) {
                levels.insert(retail, InventoryLevel::with_available(rng.range(0, 20) as i64, updated_at));
            }
        }
        store.catalog.inventory_items.insert(
            item_id,
            InventoryItem {
                id: item_id,
                variant_id,
                tracked: !gift_wrap,
                requires_shipping: !gift_wrap,
                weight: (!gift_wrap).then(|| Weight { unit: "GRAMS".to_string(), value: rng.range(100, 2000) as f64 }),
                unit_cost: Some((base_price * Decimal::new(4, 1)).round_dp(2)),
                country_code_of_origin: Some("DE".to_string()),
                harmonized_system_code: None,
                levels,
                created_at,
                updated_at,
            },
        );
        store.catalog.variants.insert(
            variant_id,
            Variant {
                id: variant_id,
                product_id,
                title: value.to_string(),
                sku: (!gift_wrap).then(|| sku(p, v)),
                barcode: (!gift_wrap).then(|| barcode(p, v)),
                price: base_price,
                compare_at_price: compare_at,
                position: v,
                option_values: vec![value.to_string()],
                inventory_item_id: item_id,
                taxable: true,
                inventory_policy: "DENY".to_string(),
                created_at,
                updated_at,
            },
        );
        variant_ids.push(variant_id);
    }
    let image_count = if gift_wrap { 0 } else { rng.range(1, 2) };
    let media = (1..=image_count)
        .map(|n| MediaImage {
            id: store.next_id(IdKind::Media),
            image_id: store.next_id(IdKind::Image),
            alt: Some(format!("{title} image {n}")),
            url: format!("{base_url}/_sim/images/p{p}-{n}.png"),
            width: 800,
            height: 800,
            created_at,
        })
        .collect();
    let status = match (demo, p) {
        (true, 23) => ProductStatus::Archived,
        (true, 24) => ProductStatus::Draft,
        _ => ProductStatus::Active,
    };
    let mut tags = vec![product_type.to_lowercase()];
    if demo && p <= 5 {
        tags.push("featured".to_string());
    }
    let handle = title
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    store.catalog.products.insert(
        product_id,
        Product {
            id: product_id,
            title: title.clone(),
            handle,
            description_html: format!("<p>{title}, made for the shopsync demo store.</p>"),
            vendor: rng.pick(VENDORS).to_string(),
            product_type: product_type.to_string(),
            status,
            tags,
            options: vec![option],
            variant_ids,
            media,
            created_at,
            updated_at,
            published_at: (status == ProductStatus::Active).then_some(created_at),
        },
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn barcodes_are_valid_ean13() {
        let code = super::barcode(7, 2);
        assert_eq!(code.len(), 13);
        assert!(code.starts_with("2000000702"));
        let digits: Vec<u32> = code.chars().filter_map(|c| c.to_digit(10)).collect();
        let sum: u32 = digits.iter().enumerate().map(|(i, d)| if i % 2 == 0 { *d } else { d * 3 }).sum();
        assert_eq!(sum % 10, 0, "the check digit makes the weighted sum a multiple of ten");
    }

    #[test]
    fn skus_follow_the_documented_scheme() {
        assert_eq!(super::sku(7, 2), "SKU-00007-2");
    }
}
