//! Where requests go: the shop's `*.myshopify.com` domain, the API version and
//! the explicit development endpoint used with the simulator.

use std::fmt;
use std::str::FromStr;

use url::Url;

/// The Admin API version this crate's documents are written for.
///
/// 2026-10 is the newest stable version (see `FACTS.md`, "Versioning"); a
/// client can be pinned to another supported version with
/// [`AdminClientBuilder::api_version`](crate::AdminClientBuilder::api_version).
pub const API_VERSION: &str = "2026-10";

/// A validated shop domain such as `my-store.myshopify.com`.
///
/// Only `[a-z0-9][a-z0-9-]*.myshopify.com` whose name is a DNS label (at
/// most 63 characters, no trailing `-`, no `--` in third and fourth place
/// unless `xn--`) is accepted (after trimming and lowercasing), so a request, an OAuth redirect or a webhook attribution can
/// never be aimed at an arbitrary host: `evil.com`,
/// `x.myshopify.com.evil.com` and `127.0.0.1` are all rejected. Talking to a
/// local simulator is a separate, explicit choice ([`Endpoint::Development`]).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ShopDomain(String);

/// Why a shop domain was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{input}` is not a Shopify shop domain: {reason}. Use the store's permanent \
     address ending in .myshopify.com, e.g. my-store.myshopify.com (Shopify admin > Settings > Domains)"
)]
pub struct InvalidShopDomain {
    /// The rejected input, shortened to 80 characters.
    pub input: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

const SHOP_SUFFIX: &str = ".myshopify.com";
/// The longest DNS label; with the suffix this keeps a domain far below DNS's 255 characters.
const MAX_LABEL: usize = 63;

impl ShopDomain {
    /// Parses and normalises a shop domain (trimmed, lowercased).
    pub fn parse(input: &str) -> Result<Self, InvalidShopDomain> {
        let reject = |reason| InvalidShopDomain { input: input.chars().take(80).collect(), reason };
        let domain = input.trim().to_ascii_lowercase();
        if domain.is_empty() {
            return Err(reject("it is empty"));
        }
        let Some(handle) = domain.strip_suffix(SHOP_SUFFIX) else {
            return Err(reject("it does not end in .myshopify.com"));
        };
        let mut chars = handle.chars();
        match chars.next() {
            None => return Err(reject("the part before .myshopify.com is empty")),
            Some(first) if !(first.is_ascii_lowercase() || first.is_ascii_digit()) => {
                return Err(reject("the shop name must start with a letter or a digit"));
            }
            Some(_) => {}
        }
        if !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            return Err(reject("the shop name may only contain letters, digits and hyphens (no dots, ports or paths)"));
        }
        // The shop name is one DNS label (RFC 1035, RFC 5891): a longer or malformed one names no host Shopify
        // could serve, and would only be refused later by a resolver or a certificate check.
        if handle.len() > MAX_LABEL {
            return Err(reject("the shop name is longer than 63 characters, the most a DNS name part may have"));
        }
        if handle.ends_with('-') {
            return Err(reject("the shop name must end with a letter or a digit"));
        }
        if handle.get(2..4) == Some("--") && !handle.starts_with("xn--") {
            return Err(reject("`--` in the third and fourth place is reserved in DNS names (except `xn--`)"));
        }
        Ok(Self(domain))
    }

    /// The domain, e.g. `my-store.myshopify.com`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The shop's handle, the part before `.myshopify.com`.
    pub fn handle(&self) -> &str {
        // The suffix is guaranteed by `parse`.
        &self.0[..self.0.len() - SHOP_SUFFIX.len()]
    }
}

impl FromStr for ShopDomain {
    type Err = InvalidShopDomain;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for ShopDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ShopDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ShopDomain({})", self.0)
    }
}

impl serde::Serialize for ShopDomain {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for ShopDomain {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// An Admin API version: `YYYY-MM` or `unstable`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ApiVersion(String);

/// Why an API version string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a Shopify API version: expected YYYY-MM (e.g. {API_VERSION}) or `unstable`")]
pub struct InvalidApiVersion(pub String);

impl ApiVersion {
    /// Parses `YYYY-MM` (month 01, 04, 07 or 10: Shopify releases quarterly) or `unstable`.
    pub fn parse(input: &str) -> Result<Self, InvalidApiVersion> {
        let s = input.trim();
        if s == "unstable" {
            return Ok(Self(s.to_owned()));
        }
        let bytes = s.as_bytes();
        let well_formed = bytes.len() == 7
            && bytes[4] == b'-'
            && bytes[..4].iter().all(u8::is_ascii_digit)
            && matches!(&s[5..], "01" | "04" | "07" | "10");
        if well_formed { Ok(Self(s.to_owned())) } else { Err(InvalidApiVersion(input.chars().take(40).collect())) }
    }

    /// The version string, e.g. `2026-10`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for ApiVersion {
    fn default() -> Self {
        Self(API_VERSION.to_owned())
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where the requests of a shop go.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Endpoint {
    /// The real shop: `https://{shop}/...`.
    #[default]
    Shopify,
    /// An explicit development base URL such as `http://127.0.0.1:PORT`
    /// (the simulator). Never derived from user input implicitly: the caller
    /// must construct it on purpose.
    Development(Url),
}

/// Why a development endpoint was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` cannot be used as a development endpoint: {reason}")]
pub struct InvalidEndpoint {
    /// The rejected input.
    pub input: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// `base` with anything between `://` and the last `@` of its authority replaced, so a refused endpoint's
/// password is not repeated in the error.
fn redact_user_info(base: &str) -> String {
    let base = base.trim();
    let Some((scheme, rest)) = base.split_once("://") else { return "(an endpoint with user info)".to_owned() };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    format!("{scheme}://***@{host}{path}").chars().take(120).collect()
}

impl Endpoint {
    /// A development endpoint from a base URL like `http://127.0.0.1:PORT`.
    pub fn development(base: &str) -> Result<Self, InvalidEndpoint> {
        let reject = |reason| InvalidEndpoint { input: base.chars().take(120).collect(), reason };
        let url = Url::parse(base.trim()).map_err(|_| reject("it is not a URL"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(reject("only http and https are supported"));
        }
        let Some(host) = url.host() else { return Err(reject("it has no host")) };
        // The shop's token travels with every request: in clear text only to this machine.
        let loopback = match host {
            url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
            url::Host::Ipv4(ip) => ip.is_loopback(),
            url::Host::Ipv6(ip) => ip.is_loopback(),
        };
        if url.scheme() == "http" && !loopback {
            return Err(reject("plain http is only allowed to this machine (127.0.0.1, ::1, localhost); use https"));
        }
        // A user name or password in the URL would be sent with every request and printed wherever the endpoint
        // is shown (`shop show`, the request log); the token is the only credential shopsync sends.
        if !url.username().is_empty() || url.password().is_some() {
            return Err(InvalidEndpoint {
                input: redact_user_info(base),
                reason: "it carries a user name or password; remove the `user:password@` part",
            });
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(reject("it must not carry a query or fragment"));
        }
        Ok(Self::Development(url))
    }

    /// Whether this is a development endpoint (plain HTTP allowed, e.g. for
    /// bulk result URLs served by the simulator).
    pub fn is_development(&self) -> bool {
        matches!(self, Self::Development(_))
    }

    /// The base URL requests for `shop` are built on (no trailing slash).
    pub fn base_url(&self, shop: &ShopDomain) -> Url {
        match self {
            // `ShopDomain` only holds `[a-z0-9-]+.myshopify.com`, which always
            // forms a valid https URL, so this cannot fail.
            Self::Shopify => Url::parse(&format!("https://{shop}")).expect("a validated shop domain forms a valid URL"),
            Self::Development(base) => base.clone(),
        }
    }

    /// `{base}/{path}` where `path` has no leading slash.
    pub fn url(&self, shop: &ShopDomain, path: &str) -> Url {
        let mut url = self.base_url(shop);
        let joined = format!("{}/{}", url.path().trim_end_matches('/'), path);
        url.set_path(&joined);
        url
    }

    /// `{base}/admin/api/{version}/graphql.json`.
    pub fn graphql_url(&self, shop: &ShopDomain, version: &ApiVersion) -> Url {
        self.url(shop, &format!("admin/api/{version}/graphql.json"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_endpoints_only_reach_this_machine() {
        for ok in ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9", "https://sim.example.com"] {
            assert!(Endpoint::development(ok).is_ok(), "{ok}");
        }
        let err = Endpoint::development("http://10.0.0.5:8080").unwrap_err();
        assert!(err.to_string().contains("use https"), "{err}");
    }

    #[test]
    fn shop_domain_is_trimmed_and_lowercased() {
        let shop = ShopDomain::parse("  My-Store.MyShopify.com ").unwrap();
        assert_eq!(shop.as_str(), "my-store.myshopify.com");
        assert_eq!(shop.handle(), "my-store");
    }

    #[test]
    fn graphql_url_uses_the_shop_and_version() {
        let shop = ShopDomain::parse("a1.myshopify.com").unwrap();
        let url = Endpoint::Shopify.graphql_url(&shop, &ApiVersion::default());
        assert_eq!(url.as_str(), "https://a1.myshopify.com/admin/api/2026-10/graphql.json");
        let dev = Endpoint::development("http://127.0.0.1:4000").unwrap();
        assert_eq!(
            dev.graphql_url(&shop, &ApiVersion::parse("2026-07").unwrap()).as_str(),
            "http://127.0.0.1:4000/admin/api/2026-07/graphql.json"
        );
    }

    #[test]
    fn api_versions_are_quarterly_or_unstable() {
        assert!(ApiVersion::parse("2026-10").is_ok());
        assert!(ApiVersion::parse("unstable").is_ok());
        assert!(ApiVersion::parse("2026-11").is_err());
        assert!(ApiVersion::parse("../x").is_err());
    }
}
