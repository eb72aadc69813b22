//! Shop domains and endpoints.

use shopify_admin::{ApiVersion, Endpoint, ShopDomain};

#[test]
fn only_myshopify_domains_are_accepted() {
    for good in ["my-store.myshopify.com", "  A1.MyShopify.COM ", "0shop.myshopify.com", "a--b.myshopify.com"] {
        assert!(ShopDomain::parse(good).is_ok(), "{good}");
    }
    for bad in [
        "",
        "evil.com",
        "x.myshopify.com.evil.com",
        "127.0.0.1",
        "myshopify.com",
        ".myshopify.com",
        "-x.myshopify.com",
        "a.b.myshopify.com",
        "shop.myshopify.com:8443",
        "shop.myshopify.com/admin",
        "https://shop.myshopify.com",
        "sh op.myshopify.com",
        "shöp.myshopify.com",
        "shop_1.myshopify.com",
    ] {
        let err = ShopDomain::parse(bad).expect_err(bad);
        assert!(err.to_string().contains(".myshopify.com"), "{err}");
    }
}

#[test]
fn the_error_says_what_to_use_instead() {
    let err = ShopDomain::parse("evil.com").unwrap_err().to_string();
    assert!(err.contains("evil.com") && err.contains("my-store.myshopify.com"), "{err}");
}

#[test]
fn requests_go_to_the_shop_unless_a_development_endpoint_is_chosen() {
    let shop = ShopDomain::parse("my-store.myshopify.com").unwrap();
    let version = ApiVersion::default();
    assert_eq!(
        Endpoint::Shopify.graphql_url(&shop, &version).as_str(),
        "https://my-store.myshopify.com/admin/api/2026-10/graphql.json"
    );
    let dev = Endpoint::development("http://127.0.0.1:9000/").unwrap();
    assert_eq!(dev.graphql_url(&shop, &version).as_str(), "http://127.0.0.1:9000/admin/api/2026-10/graphql.json");
    assert!(Endpoint::development("ftp://127.0.0.1").is_err());
    assert!(Endpoint::development("not a url").is_err());
}

#[test]
fn a_shop_name_must_be_a_dns_label() {
    let longest = format!("{}.myshopify.com", "a".repeat(63));
    assert!(ShopDomain::parse(&longest).is_ok(), "63 characters is the longest DNS label");
    assert!(ShopDomain::parse("xn--shp-zna.myshopify.com").is_ok(), "an IDNA name is a DNS name");
    let too_long = format!("{}.myshopify.com", "a".repeat(64));
    let far_too_long = format!("{}.myshopify.com", "a".repeat(300));
    for bad in [too_long.as_str(), far_too_long.as_str(), "shop-.myshopify.com", "ab--cd.myshopify.com"] {
        let err = ShopDomain::parse(bad).expect_err(bad);
        assert!(err.to_string().contains(".myshopify.com"), "{err}");
    }
}

#[test]
fn an_endpoint_carrying_a_user_or_password_is_refused() {
    for bad in ["http://user:pass@127.0.0.1:9000", "https://user@sim.example.com", "http://:secret@localhost:1"] {
        let err = Endpoint::development(bad).expect_err(bad);
        assert!(err.to_string().contains("user name or password"), "{err}");
        assert!(!err.to_string().contains("pass@") && !err.to_string().contains("secret"), "{err}");
    }
}
