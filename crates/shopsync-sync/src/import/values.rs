//! Reading single values: decimals, money, whole numbers, yes/no, lists, URLs. Each returns the reason a
//! person can act on when the text is not acceptable.

use std::str::FromStr;

use rust_decimal::Decimal;

/// A decimal written with `.` (no thousands separator, no exponent), at least zero.
pub(crate) fn non_negative_decimal(text: &str) -> Result<Decimal, String> {
    let value = decimal(text)?;
    if value.is_sign_negative() && !value.is_zero() {
        return Err(format!("'{text}' is negative"));
    }
    // abs() turns a written "-0" into 0.
    Ok(value.abs())
}

fn decimal(text: &str) -> Result<Decimal, String> {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if text.contains(',') {
        return Err(format!("'{text}' is not a number: use '.' as the decimal separator and no thousands separator"));
    }
    let well_formed = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().filter(|c| *c == '.').count() <= 1
        && digits.chars().any(|c| c.is_ascii_digit());
    if !well_formed {
        return Err(format!("'{text}' is not a number"));
    }
    Decimal::from_str(text).map_err(|err| format!("'{text}' is not a usable number ({err})"))
}

/// A price: a non-negative decimal, kept with at least two decimal places (`12.5` becomes `12.50`).
pub(crate) fn money(text: &str) -> Result<String, String> {
    let mut value = non_negative_decimal(text)?;
    if value.scale() < 2 {
        value.rescale(2);
    }
    Ok(value.to_string())
}

/// A weight: a non-negative decimal without trailing zeros (`0.250` becomes `0.25`).
pub(crate) fn weight(text: &str) -> Result<String, String> {
    Ok(non_negative_decimal(text)?.normalize().to_string())
}

/// A whole number (`+` or `-` allowed).
pub(crate) fn whole_number(text: &str) -> Result<i64, String> {
    text.strip_prefix('+').unwrap_or(text).parse::<i64>().map_err(|_| {
        if decimal(text).is_ok() {
            format!("'{text}' is not a whole number")
        } else {
            format!("'{text}' is not a number")
        }
    })
}

/// A whole number within `min..=max`; out of range, the reason names the bound and `why` it is there.
pub(crate) fn whole_number_in(text: &str, min: i64, max: i64, why: &str) -> Result<i64, String> {
    // A number too long for 64 bits is out of range too, not "not a number".
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    let value = match whole_number(text) {
        Ok(value) => value,
        Err(_) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            if text.starts_with('-') {
                i64::MIN
            } else {
                i64::MAX
            }
        }
        Err(message) => return Err(message),
    };
    if value > max {
        return Err(format!("{text} is above {max}, the largest {why}"));
    }
    if value < min {
        return Err(format!("{text} is below {min}, the smallest {why}"));
    }
    Ok(value)
}

/// `yes`/`no` and their usual spellings (`true`, `1`, `y`, `x` ...), in any case.
pub(crate) fn yes_no(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "x" | "on" => Ok(true),
        "no" | "n" | "false" | "0" | "off" => Ok(false),
        _ => Err(format!("'{text}' is not yes or no")),
    }
}

/// The non-empty parts of a `|` separated list, trimmed, each once, in order.
pub(crate) fn list(text: &str) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    for part in text.split('|').map(str::trim).filter(|part| !part.is_empty()) {
        if !parts.iter().any(|p| p == part) {
            parts.push(part.to_string());
        }
    }
    parts
}

/// An absolute `http` or `https` URL (Shopify fetches images from it).
pub(crate) fn image_url(text: &str) -> Result<String, String> {
    match url::Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(text.to_string()),
        _ => Err(format!("image '{text}' is not an http(s) URL")),
    }
}

/// A text no longer than Shopify accepts.
pub(crate) fn at_most(text: &str, max: usize) -> Result<(), String> {
    let length = text.chars().count();
    if length > max {
        return Err(format!("the value has {length} characters; at most {max} are accepted"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_keeps_cents_and_refuses_what_a_person_might_mean_otherwise() {
        assert_eq!(money("12.5").unwrap(), "12.50");
        assert_eq!(money("12").unwrap(), "12.00");
        assert_eq!(money("0.125").unwrap(), "0.125");
        assert_eq!(money("-0").unwrap(), "0.00");
        assert!(money("12,50").unwrap_err().contains("'.'"));
        assert!(money("1,000.00").unwrap_err().contains("thousands"));
        assert!(money("-1").unwrap_err().contains("negative"));
        for bad in ["", "abc", "1e3", "1.2.3", ".", "$5", "5 USD"] {
            assert!(money(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn weights_whole_numbers_and_yes_no() {
        assert_eq!(weight("0.250").unwrap(), "0.25");
        assert_eq!(weight("2.0").unwrap(), "2");
        assert_eq!(whole_number("+5").unwrap(), 5);
        assert_eq!(whole_number("-3").unwrap(), -3);
        assert!(whole_number("2.5").unwrap_err().contains("whole"));
        assert!(whole_number("many").unwrap_err().contains("not a number"));
        assert!(yes_no("TRUE").unwrap());
        assert!(!yes_no("No").unwrap());
        assert!(yes_no("maybe").is_err());
    }

    #[test]
    fn bounded_whole_numbers_name_their_bound() {
        let max = i64::from(i32::MAX);
        assert_eq!(whole_number_in("2147483647", 0, max, "quantity Shopify accepts").unwrap(), max);
        let above = whole_number_in("2147483648", 0, max, "quantity Shopify accepts").unwrap_err();
        assert_eq!(above, "2147483648 is above 2147483647, the largest quantity Shopify accepts");
        assert!(whole_number_in("99999999999999999999999", 0, max, "q").unwrap_err().contains("above"));
        assert!(whole_number_in("-99999999999999999999999", 0, max, "q").unwrap_err().contains("below"));
        assert!(whole_number_in("0", 1, 10, "q").unwrap_err().contains("below 1"));
        assert!(whole_number_in("1.5", 1, 10, "q").unwrap_err().contains("whole"));
    }

    #[test]
    fn lists_and_urls() {
        assert_eq!(list(" a | b||a "), ["a", "b"]);
        assert!(list("").is_empty());
        assert!(image_url("https://cdn.example.com/a.png").is_ok());
        assert!(image_url("cdn.example.com/a.png").is_err());
        assert!(image_url("ftp://example.com/a.png").is_err());
        assert!(at_most("abc", 2).is_err());
    }
}
