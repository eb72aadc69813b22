//! Timestamps as the store keeps them.
//!
//! Every timestamp shopsync writes is UTC with exactly six fractional digits (`2026-11-22T16:57:56.000000Z`),
//! so that text order equals time order and SQL range queries on the text columns are correct.

use jiff::Timestamp;

/// The current time in the store's text form.
pub fn now_text() -> String {
    to_text(Timestamp::now())
}

/// A timestamp in the store's text form: UTC, six fractional digits.
pub fn to_text(ts: Timestamp) -> String {
    format!("{ts:.6}")
}

/// Parses any RFC 3339 timestamp (Shopify sends offsets such as `-05:00`) and returns it in the store's form.
pub fn normalize(text: &str) -> Result<String, jiff::Error> {
    Ok(to_text(text.parse::<Timestamp>()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_order_is_time_order() {
        let a = normalize("2026-01-01T00:00:00-05:00").unwrap();
        let b = normalize("2026-01-01T04:59:59.5Z").unwrap();
        assert_eq!(a, "2026-01-01T05:00:00.000000Z");
        assert!(b < a);
    }
}
