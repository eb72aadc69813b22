//! Countries: ISO 3166-1 alpha-2 codes, English names, and whether a shipping address there needs a postal code.
//!
//! The table holds every ISO 3166-1 alpha-2 country (249) plus the four codes Shopify's `CountryCode` enum uses
//! outside the standard: `AC` (Ascension Island) and `TA` (Tristan da Cunha), exceptionally reserved by ISO;
//! `XK` (Kosovo), a user-assigned code; and `AN` (Netherlands Antilles), withdrawn in 2010 but still in the enum,
//! so old orders may carry it. The English names are the ones Shopify's admin shows (the descriptions of the
//! `CountryCode` enum in the Admin API schema); the US territories Shopify treats as US provinces (AS, FM, GU, MH,
//! MP, PR, PW, VI) and Antarctica carry their usual English names.
//!
//! **Where the postal code flag comes from.** A country requires a postal code when Google's address metadata
//! (libaddressinput's region data, the data behind Chrome's and Android's address forms) lists the postal code
//! among the fields an address there must have (`"require"` contains `Z`). That is a deliberately strict reading:
//! an order is held with INVALID_DESTINATION_POSTAL_CODE only where an address without a postal code is not a
//! valid address, never merely where postal codes exist but are commonly left out. So the United States, Canada,
//! the United Kingdom, Germany, France and the Netherlands require one; countries without a postal code system
//! (the United Arab Emirates, Hong Kong, Qatar, most of Africa and the Caribbean) do not, and neither does Ireland,
//! whose Eircode Shopify's checkout only recommends. Countries absent from Google's data (BQ, CU, CW, IR, KP, MM,
//! SD, SS, SX, SY) take its default, which does not require a postal code.
//!
//! ```
//! use shopsync_core::countries;
//!
//! assert_eq!(countries::by_code("nl").unwrap().name, "Netherlands");
//! assert!(countries::postal_code_required("US"));
//! assert!(!countries::postal_code_required("AE"));
//! assert!(countries::by_code("QQ").is_none());
//! ```

/// One country of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Country {
    /// The ISO 3166-1 alpha-2 code, upper case (`NL`).
    pub code: &'static str,
    /// The English name, as Shopify's admin shows it.
    pub name: &'static str,
    /// Whether a shipping address in this country must have a postal code (see the module documentation).
    pub postal_code_required: bool,
    /// Whether the code is in ISO 3166-1 itself (false for AC, TA, XK and AN, which Shopify uses too).
    pub iso: bool,
}

/// The country with this alpha-2 code, in any letter case.
pub fn by_code(code: &str) -> Option<&'static Country> {
    let code = code.trim();
    if code.len() != 2 {
        return None;
    }
    let upper = code.to_ascii_uppercase();
    COUNTRIES.binary_search_by(|c| c.code.cmp(upper.as_str())).ok().map(|index| &COUNTRIES[index])
}

/// Whether a shipping address in `code` must have a postal code; unknown codes do not require one.
pub fn postal_code_required(code: &str) -> bool {
    by_code(code).is_some_and(|c| c.postal_code_required)
}

/// The English name of a country code, or the code itself when it is not in the table.
pub fn name_of(code: &str) -> &str {
    by_code(code).map_or(code, |c| c.name)
}

/// Every country, sorted by code.
pub fn all() -> &'static [Country] {
    COUNTRIES
}

const fn country(code: &'static str, name: &'static str, postal_code_required: bool, iso: bool) -> Country {
    Country { code, name, postal_code_required, iso }
}

/// Sorted by code: `by_code` searches it by bisection.
static COUNTRIES: &[Country] = &[
    country("AC", "Ascension Island", false, false),
    country("AD", "Andorra", false, true),
    country("AE", "United Arab Emirates", false, true),
    country("AF", "Afghanistan", false, true),
    country("AG", "Antigua & Barbuda", false, true),
    country("AI", "Anguilla", false, true),
    country("AL", "Albania", false, true),
    country("AM", "Armenia", false, true),
    country("AN", "Netherlands Antilles", false, false),
    country("AO", "Angola", false, true),
    country("AQ", "Antarctica", false, true),
    country("AR", "Argentina", false, true),
    country("AS", "American Samoa", true, true),
    country("AT", "Austria", true, true),
    country("AU", "Australia", true, true),
    country("AW", "Aruba", false, true),
    country("AX", "Åland Islands", true, true),
    country("AZ", "Azerbaijan", false, true),
    country("BA", "Bosnia & Herzegovina", false, true),
    country("BB", "Barbados", false, true),
    country("BD", "Bangladesh", false, true),
    country("BE", "Belgium", true, true),
    country("BF", "Burkina Faso", false, true),
    country("BG", "Bulgaria", false, true),
    country("BH", "Bahrain", false, true),
    country("BI", "Burundi", false, true),
    country("BJ", "Benin", false, true),
    country("BL", "St. Barthélemy", true, true),
    country("BM", "Bermuda", false, true),
    country("BN", "Brunei", false, true),
    country("BO", "Bolivia", false, true),
    country("BQ", "Caribbean Netherlands", false, true),
    country("BR", "Brazil", true, true),
    country("BS", "Bahamas", false, true),
    country("BT", "Bhutan", false, true),
    country("BV", "Bouvet Island", false, true),
    country("BW", "Botswana", false, true),
    country("BY", "Belarus", false, true),
    country("BZ", "Belize", false, true),
    country("CA", "Canada", true, true),
    country("CC", "Cocos (Keeling) Islands", false, true),
    country("CD", "Congo - Kinshasa", false, true),
    country("CF", "Central African Republic", false, true),
    country("CG", "Congo - Brazzaville", false, true),
    country("CH", "Switzerland", true, true),
    country("CI", "Côte d’Ivoire", false, true),
    country("CK", "Cook Islands", false, true),
    country("CL", "Chile", false, true),
    country("CM", "Cameroon", false, true),
    country("CN", "China", true, true),
    country("CO", "Colombia", false, true),
    country("CR", "Costa Rica", false, true),
    country("CU", "Cuba", false, true),
    country("CV", "Cape Verde", false, true),
    country("CW", "Curaçao", false, true),
    country("CX", "Christmas Island", false, true),
    country("CY", "Cyprus", false, true),
    country("CZ", "Czechia", false, true),
    country("DE", "Germany", true, true),
    country("DJ", "Djibouti", false, true),
    country("DK", "Denmark", true, true),
    country("DM", "Dominica", false, true),
    country("DO", "Dominican Republic", false, true),
    country("DZ", "Algeria", false, true),
    country("EC", "Ecuador", false, true),
    country("EE", "Estonia", false, true),
    country("EG", "Egypt", false, true),
    country("EH", "Western Sahara", false, true),
    country("ER", "Eritrea", false, true),
    country("ES", "Spain", true, true),
    country("ET", "Ethiopia", false, true),
    country("FI", "Finland", true, true),
    country("FJ", "Fiji", false, true),
    country("FK", "Falkland Islands", true, true),
    country("FM", "Micronesia", true, true),
    country("FO", "Faroe Islands", false, true),
    country("FR", "France", true, true),
    country("GA", "Gabon", false, true),
    country("GB", "United Kingdom", true, true),
    country("GD", "Grenada", false, true),
    country("GE", "Georgia", false, true),
    country("GF", "French Guiana", true, true),
    country("GG", "Guernsey", true, true),
    country("GH", "Ghana", false, true),
    country("GI", "Gibraltar", false, true),
    country("GL", "Greenland", true, true),
    country("GM", "Gambia", false, true),
    country("GN", "Guinea", false, true),
    country("GP", "Guadeloupe", true, true),
    country("GQ", "Equatorial Guinea", false, true),
    country("GR", "Greece", true, true),
    country("GS", "South Georgia & South Sandwich Islands", true, true),
    country("GT", "Guatemala", false, true),
    country("GU", "Guam", true, true),
    country("GW", "Guinea-Bissau", false, true),
    country("GY", "Guyana", false, true),
    country("HK", "Hong Kong SAR", false, true),
    country("HM", "Heard & McDonald Islands", false, true),
    country("HN", "Honduras", false, true),
    country("HR", "Croatia", false, true),
    country("HT", "Haiti", false, true),
    country("HU", "Hungary", false, true),
    country("ID", "Indonesia", false, true),
    country("IE", "Ireland", false, true),
    country("IL", "Israel", false, true),
    country("IM", "Isle of Man", true, true),
    country("IN", "India", true, true),
    country("IO", "British Indian Ocean Territory", true, true),
    country("IQ", "Iraq", false, true),
    country("IR", "Iran", false, true),
    country("IS", "Iceland", false, true),
    country("IT", "Italy", true, true),
    country("JE", "Jersey", true, true),
    country("JM", "Jamaica", false, true),
    country("JO", "Jordan", false, true),
    country("JP", "Japan", true, true),
    country("KE", "Kenya", false, true),
    country("KG", "Kyrgyzstan", false, true),
    country("KH", "Cambodia", false, true),
    country("KI", "Kiribati", false, true),
    country("KM", "Comoros", false, true),
    country("KN", "St. Kitts & Nevis", false, true),
    country("KP", "North Korea", false, true),
    country("KR", "South Korea", true, true),
    country("KW", "Kuwait", false, true),
    country("KY", "Cayman Islands", false, true),
    country("KZ", "Kazakhstan", false, true),
    country("LA", "Laos", false, true),
    country("LB", "Lebanon", false, true),
    country("LC", "St. Lucia", false, true),
    country("LI", "Liechtenstein", true, true),
    country("LK", "Sri Lanka", false, true),
    country("LR", "Liberia", false, true),
    country("LS", "Lesotho", false, true),
    country("LT", "Lithuania", false, true),
    country("LU", "Luxembourg", true, true),
    country("LV", "Latvia", false, true),
    country("LY", "Libya", false, true),
    country("MA", "Morocco", false, true),
    country("MC", "Monaco", false, true),
    country("MD", "Moldova", false, true),
    country("ME", "Montenegro", false, true),
    country("MF", "St. Martin", true, true),
    country("MG", "Madagascar", false, true),
    country("MH", "Marshall Islands", true, true),
    country("MK", "North Macedonia", false, true),
    country("ML", "Mali", false, true),
    country("MM", "Myanmar (Burma)", false, true),
    country("MN", "Mongolia", false, true),
    country("MO", "Macao SAR", false, true),
    country("MP", "Northern Mariana Islands", true, true),
    country("MQ", "Martinique", true, true),
    country("MR", "Mauritania", false, true),
    country("MS", "Montserrat", false, true),
    country("MT", "Malta", false, true),
    country("MU", "Mauritius", false, true),
    country("MV", "Maldives", false, true),
    country("MW", "Malawi", false, true),
    country("MX", "Mexico", true, true),
    country("MY", "Malaysia", true, true),
    country("MZ", "Mozambique", false, true),
    country("NA", "Namibia", false, true),
    country("NC", "New Caledonia", true, true),
    country("NE", "Niger", false, true),
    country("NF", "Norfolk Island", false, true),
    country("NG", "Nigeria", false, true),
    country("NI", "Nicaragua", false, true),
    country("NL", "Netherlands", true, true),
    country("NO", "Norway", true, true),
    country("NP", "Nepal", false, true),
    country("NR", "Nauru", false, true),
    country("NU", "Niue", false, true),
    country("NZ", "New Zealand", true, true),
    country("OM", "Oman", false, true),
    country("PA", "Panama", false, true),
    country("PE", "Peru", false, true),
    country("PF", "French Polynesia", true, true),
    country("PG", "Papua New Guinea", false, true),
    country("PH", "Philippines", false, true),
    country("PK", "Pakistan", false, true),
    country("PL", "Poland", true, true),
    country("PM", "St. Pierre & Miquelon", true, true),
    country("PN", "Pitcairn Islands", true, true),
    country("PR", "Puerto Rico", true, true),
    country("PS", "Palestinian Territories", false, true),
    country("PT", "Portugal", true, true),
    country("PW", "Palau", true, true),
    country("PY", "Paraguay", false, true),
    country("QA", "Qatar", false, true),
    country("RE", "Réunion", true, true),
    country("RO", "Romania", false, true),
    country("RS", "Serbia", false, true),
    country("RU", "Russia", true, true),
    country("RW", "Rwanda", false, true),
    country("SA", "Saudi Arabia", false, true),
    country("SB", "Solomon Islands", false, true),
    country("SC", "Seychelles", false, true),
    country("SD", "Sudan", false, true),
    country("SE", "Sweden", true, true),
    country("SG", "Singapore", true, true),
    country("SH", "St. Helena", true, true),
    country("SI", "Slovenia", false, true),
    country("SJ", "Svalbard & Jan Mayen", true, true),
    country("SK", "Slovakia", false, true),
    country("SL", "Sierra Leone", false, true),
    country("SM", "San Marino", true, true),
    country("SN", "Senegal", false, true),
    country("SO", "Somalia", false, true),
    country("SR", "Suriname", false, true),
    country("SS", "South Sudan", false, true),
    country("ST", "São Tomé & Príncipe", false, true),
    country("SV", "El Salvador", false, true),
    country("SX", "Sint Maarten", false, true),
    country("SY", "Syria", false, true),
    country("SZ", "Eswatini", false, true),
    country("TA", "Tristan da Cunha", false, false),
    country("TC", "Turks & Caicos Islands", true, true),
    country("TD", "Chad", false, true),
    country("TF", "French Southern Territories", false, true),
    country("TG", "Togo", false, true),
    country("TH", "Thailand", false, true),
    country("TJ", "Tajikistan", false, true),
    country("TK", "Tokelau", false, true),
    country("TL", "Timor-Leste", false, true),
    country("TM", "Turkmenistan", false, true),
    country("TN", "Tunisia", false, true),
    country("TO", "Tonga", false, true),
    country("TR", "Türkiye", true, true),
    country("TT", "Trinidad & Tobago", false, true),
    country("TV", "Tuvalu", false, true),
    country("TW", "Taiwan", true, true),
    country("TZ", "Tanzania", false, true),
    country("UA", "Ukraine", true, true),
    country("UG", "Uganda", false, true),
    country("UM", "U.S. Outlying Islands", false, true),
    country("US", "United States", true, true),
    country("UY", "Uruguay", false, true),
    country("UZ", "Uzbekistan", false, true),
    country("VA", "Vatican City", false, true),
    country("VC", "St. Vincent & Grenadines", false, true),
    country("VE", "Venezuela", false, true),
    country("VG", "British Virgin Islands", false, true),
    country("VI", "U.S. Virgin Islands", true, true),
    country("VN", "Vietnam", false, true),
    country("VU", "Vanuatu", false, true),
    country("WF", "Wallis & Futuna", true, true),
    country("WS", "Samoa", false, true),
    country("XK", "Kosovo", false, false),
    country("YE", "Yemen", false, true),
    country("YT", "Mayotte", true, true),
    country("ZA", "South Africa", true, true),
    country("ZM", "Zambia", false, true),
    country("ZW", "Zimbabwe", false, true),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Looks a code up and returns its name and postal code flag.
    fn check(code: &str) -> Option<(&'static str, bool)> {
        by_code(code).map(|c| (c.name, c.postal_code_required))
    }

    #[test]
    fn the_table_is_sorted_unique_and_complete() {
        assert!(COUNTRIES.windows(2).all(|w| w[0].code < w[1].code), "sorted, no duplicates");
        assert_eq!(COUNTRIES.iter().filter(|c| c.iso).count(), 249, "every ISO 3166-1 alpha-2 code");
        assert!(COUNTRIES.iter().all(|c| c.code.len() == 2 && c.code.chars().all(|ch| ch.is_ascii_uppercase())));
        assert!(COUNTRIES.iter().all(|c| !c.name.is_empty() && !c.name.ends_with('.')));
    }

    #[test]
    fn spot_checks_of_names_and_postal_codes() {
        for (code, name, required) in [
            ("US", "United States", true),
            ("CA", "Canada", true),
            ("GB", "United Kingdom", true),
            ("DE", "Germany", true),
            ("FR", "France", true),
            ("NL", "Netherlands", true),
            ("BE", "Belgium", true),
            ("JP", "Japan", true),
            ("BR", "Brazil", true),
            ("AE", "United Arab Emirates", false),
            ("HK", "Hong Kong SAR", false),
            ("IE", "Ireland", false),
            ("QA", "Qatar", false),
            ("PA", "Panama", false),
            ("JM", "Jamaica", false),
            ("AQ", "Antarctica", false),
            ("XK", "Kosovo", false),
        ] {
            assert_eq!(check(code), Some((name, required)), "{code}");
        }
    }

    #[test]
    fn lookups_ignore_case_and_reject_unknown_codes() {
        assert_eq!(check("nl"), check("NL"));
        assert_eq!(check(" de "), check("DE"));
        for unknown in ["", "N", "NLD", "QQ", "ZZ", "1A"] {
            assert_eq!(check(unknown), None, "{unknown}");
        }
        assert!(!postal_code_required("ZZ"));
        assert_eq!(name_of("BE"), "Belgium");
        assert_eq!(name_of("QQ"), "QQ");
    }
}
