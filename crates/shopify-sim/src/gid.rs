//! Shopify global ids: `gid://shopify/Product/8000000001` (optionally with `?query`).

/// Splits a GID into its kind and numeric id; `None` when it is not a Shopify GID.
pub fn parse(gid: &str) -> Option<(&str, u64)> {
    let rest = gid.strip_prefix("gid://shopify/")?;
    let rest = rest.split('?').next().unwrap_or(rest);
    let (kind, id) = rest.split_once('/')?;
    Some((kind, id.parse().ok()?))
}

/// Parses a GID of one expected kind.
pub fn parse_kind(gid: &str, expected: &str) -> Option<u64> {
    match parse(gid) {
        Some((kind, id)) if kind == expected => Some(id),
        _ => None,
    }
}

/// Formats a GID.
pub fn format(kind: &str, id: u64) -> String {
    format!("gid://shopify/{kind}/{id}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn gids_round_trip_and_ignore_query_strings() {
        assert_eq!(super::parse("gid://shopify/Product/42"), Some(("Product", 42)));
        assert_eq!(super::parse("gid://shopify/InventoryLevel/7?inventory_item_id=9"), Some(("InventoryLevel", 7)));
        assert_eq!(super::parse("gid://other/Product/42"), None);
        assert_eq!(super::parse_kind(&super::format("Location", 3), "Location"), Some(3));
        assert_eq!(super::parse_kind("gid://shopify/Product/3", "Location"), None);
    }
}
