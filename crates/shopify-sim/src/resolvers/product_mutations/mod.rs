//! Catalog writes: `productSet`, `productVariantsBulkCreate`/`Update`, `productDelete`,
//! `inventoryItemUpdate`.
//!
//! Validation follows the real API: problems with the input are `userErrors` with the input path
//! in `field` and the mutation's error code; nothing is changed when there is any user error.
//! Duplicate SKUs are accepted (Shopify does not require SKUs to be unique).

mod delete;
mod inputs;
mod product_set;
mod variants;

pub use product_set::normalize_tags;
pub use variants::input_array_too_large;

use crate::registry::Registry;
use delete::{inventory_item_update, product_delete};
use product_set::product_set;
use variants::{variants_bulk_create, variants_bulk_update};

pub fn register(registry: &mut Registry) {
    registry
        .mutation("productSet", product_set)
        .mutation("productVariantsBulkCreate", variants_bulk_create)
        .mutation("productVariantsBulkUpdate", variants_bulk_update)
        .mutation("productDelete", product_delete)
        .mutation("inventoryItemUpdate", inventory_item_update);
}

#[cfg(test)]
mod tests {
    #[test]
    fn tags_are_trimmed_split_and_deduplicated() {
        assert_eq!(super::normalize_tags(["a, b", "B", " c ", ""]), vec!["a", "b", "c"]);
    }

    #[test]
    fn handles_are_made_from_titles() {
        assert_eq!(super::inputs::handleize("Blue T-Shirt (Large)!"), "blue-t-shirt-large");
    }

    #[test]
    fn money_keeps_two_decimals() {
        use std::str::FromStr;
        assert_eq!(super::super::format_decimal(rust_decimal::Decimal::from_str("10").unwrap()), "10.00");
        assert_eq!(super::super::format_decimal(rust_decimal::Decimal::from_str("10.5").unwrap()), "10.50");
        assert_eq!(super::super::format_decimal(rust_decimal::Decimal::from_str("1.255").unwrap()), "1.255");
    }
}
