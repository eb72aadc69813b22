//! The console over real HTTP: login required, CSRF, cookie flags, the login limit, roles, settings that persist.

use shopify_sim::{Seed, SimConfig};
use shopsync_store::{AppStore, ShopStore, UserRole};
use shopsync_sync::app::users;

use crate::Server;

const PASSWORD: &str = "correct horse battery staple";

fn empty() -> SimConfig {
    SimConfig { seed: Seed::Empty, ..SimConfig::default() }
}

/// A client that follows no redirect, so each answer is seen as the server gave it.
fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// The value of cookie `name` among an answer's Set-Cookie headers, with the header's whole text.
fn set_cookie(answer: &reqwest::Response, name: &str) -> Option<(String, String)> {
    answer.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find_map(|header| {
        let value = header.strip_prefix(&format!("{name}="))?.split(';').next()?.to_string();
        Some((value, header.to_string()))
    })
}

/// The first `name="csrf" value="..."` of a page.
fn csrf_of(html: &str) -> String {
    let at = html.find(r#"name="csrf" value=""#).expect("the page has a form with a CSRF token");
    html[at + r#"name="csrf" value=""#.len()..].split('"').next().unwrap().to_string()
}

/// A logged-in browser, as far as HTTP goes: its session cookie.
pub struct Login {
    pub session: String,
    pub http: reqwest::Client,
    pub url: String,
}

impl Login {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.url))
            .header("Cookie", format!("shopsync_session={}", self.session))
            .send()
            .await
            .unwrap()
    }

    /// The CSRF token of the session, read from a page as a browser would.
    pub async fn csrf(&self) -> String {
        csrf_of(&self.get("/shops").await.text().await.unwrap())
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.url))
            .header("Cookie", format!("shopsync_session={}", self.session))
            .form(form)
            .send()
            .await
            .unwrap()
    }
}

/// The answer to a login with this name and password, from a fresh login page.
async fn try_login(server: &Server, http: &reqwest::Client, name: &str, password: &str) -> reqwest::Response {
    let page = http.get(format!("{}/login", server.url)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let (token, _) = set_cookie(&page, "shopsync_login").expect("the login page sets its CSRF cookie");
    let html = page.text().await.unwrap();
    assert_eq!(csrf_of(&html), token, "the form carries the cookie's token");
    http.post(format!("{}/login", server.url))
        .header("Cookie", format!("shopsync_login={token}"))
        .form(&[("csrf", token.as_str()), ("name", name), ("password", password), ("next", "/")])
        .send()
        .await
        .unwrap()
}

pub async fn add_user(server: &Server, name: &str, role: UserRole) {
    users::add_user(server.store.as_ref(), name, role, PASSWORD).await.unwrap();
}

pub async fn login(server: &Server, name: &str) -> Login {
    let http = client();
    let answer = try_login(server, &http, name, PASSWORD).await;
    assert_eq!(answer.status(), 303, "{}", answer.text().await.unwrap());
    let (session, _) = set_cookie(&answer, "shopsync_session").expect("a session cookie");
    Login { session, http, url: server.url.clone() }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_page_needs_a_login_but_health_and_the_login_page() {
    let server = Server::start(empty()).await;
    let http = client();
    let shop = &server.shop.domain;
    for path in ["/", "/shops", &format!("/shops/{shop}"), "/orders", "/products", "/logs", "/jobs", "/logs/1"] {
        let answer = http.get(format!("{}{path}", server.url)).send().await.unwrap();
        assert_eq!(answer.status(), 303, "{path}");
        let location = answer.headers()["location"].to_str().unwrap();
        assert!(location.starts_with("/login?next="), "{path} -> {location}");
    }
    // A form sent without a session does nothing and goes to the login page.
    let answer = http
        .post(format!("{}/shops/{shop}/settings", server.url))
        .form(&[("key", "order-countries"), ("value", "NL")])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 303);
    assert_eq!(answer.headers()["location"], "/login");
    assert_eq!(server.store.settings(server.shop.id).await.unwrap().get("order-countries").unwrap(), "all");
    // A made-up session is no session.
    let answer = http.get(format!("{}/", server.url)).header("Cookie", "shopsync_session=forged").send().await.unwrap();
    assert_eq!(answer.status(), 303);
    assert_eq!(http.get(format!("{}/health", server.url)).send().await.unwrap().status(), 200);
    assert_eq!(http.get(format!("{}/login", server.url)).send().await.unwrap().status(), 200);
    assert_eq!(http.get(format!("{}/console.css", server.url)).send().await.unwrap().status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_form_without_its_csrf_token_is_refused_and_changes_nothing() {
    let server = Server::start(empty()).await;
    add_user(&server, "olivia", UserRole::Operator).await;
    let me = login(&server, "olivia").await;
    let path = format!("/shops/{}/settings", server.shop.domain);
    let without = me.post(&path, &[("key", "order-countries"), ("value", "NL")]).await;
    assert_eq!(without.status(), 403);
    assert!(without.text().await.unwrap().contains("security token is missing or out of date"));
    let wrong = me.post(&path, &[("csrf", &"0".repeat(64)), ("key", "order-countries"), ("value", "NL")]).await;
    assert_eq!(wrong.status(), 403);
    assert_eq!(server.store.settings(server.shop.id).await.unwrap().get("order-countries").unwrap(), "all");
    // The login form is refused without its own token too.
    let answer = client()
        .post(format!("{}/login", server.url))
        .form(&[("name", "olivia"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 403);
    assert!(set_cookie(&answer, "shopsync_session").is_none());
}

/// The installation's one public address (`shopsync app set-url`, what webhooks and OAuth use) decides whether
/// the console's cookies are Secure, and a change takes effect at the next request, without a restart.
#[tokio::test(flavor = "multi_thread")]
async fn app_set_url_to_an_https_address_makes_the_session_cookie_secure() {
    let server = Server::start(empty()).await;
    add_user(&server, "olivia", UserRole::Viewer).await;
    let http = client();
    assert!(server.store.set_app_public_url(Some("http://127.0.0.1:8787")).await.unwrap());
    let answer = try_login(&server, &http, "olivia", PASSWORD).await;
    let (_, header) = set_cookie(&answer, "shopsync_session").unwrap();
    assert!(!header.contains("Secure"), "an http public address on loopback: {header}");

    // What `shopsync app set-url https://hub.example.com` stores.
    assert!(server.store.set_app_public_url(Some("https://hub.example.com")).await.unwrap());
    let page = http.get(format!("{}/login", server.url)).send().await.unwrap();
    let (_, login_header) = set_cookie(&page, "shopsync_login").unwrap();
    assert!(login_header.contains("Secure"), "{login_header}");
    let answer = try_login(&server, &http, "olivia", PASSWORD).await;
    assert_eq!(answer.status(), 303);
    let (session, header) = set_cookie(&answer, "shopsync_session").unwrap();
    assert!(header.contains("Secure") && header.contains("HttpOnly") && header.contains("SameSite=Strict"), "{header}");
    // Pages behind the login set their cookies Secure too (the flash cookie of a form's outcome).
    let me = Login { session, http: http.clone(), url: server.url.clone() };
    let csrf = me.csrf().await;
    let out = me.post("/logout", &[("csrf", csrf.as_str())]).await;
    let (_, gone) = set_cookie(&out, "shopsync_session").expect("logout clears the session cookie");
    assert!(gone.contains("Secure"), "{gone}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_session_cookie_is_http_only_strict_secure_over_https_and_stored_hashed() {
    let server = Server::start(empty()).await;
    add_user(&server, "olivia", UserRole::Viewer).await;
    let http = client();
    let answer = try_login(&server, &http, "olivia", PASSWORD).await;
    let (token, header) = set_cookie(&answer, "shopsync_session").unwrap();
    assert!(header.contains("HttpOnly"), "{header}");
    assert!(header.contains("SameSite=Strict"), "{header}");
    assert!(header.contains("Path=/"), "{header}");
    assert!(!header.contains("Secure"), "plain http on 127.0.0.1: {header}");
    assert_eq!(token.len(), 64);
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT token_hash FROM console_sessions").fetch_all(&server.db).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token, "the store keeps the token's hash, not the token");
    let hash: String =
        sqlx::query_scalar("SELECT password_hash FROM console_users").fetch_one(&server.db).await.unwrap();
    assert!(hash.starts_with("$argon2id$") && !hash.contains(PASSWORD));

    // Behind a proxy that says the request came over https, the cookie is Secure.
    let page = http.get(format!("{}/login", server.url)).header("X-Forwarded-Proto", "https").send().await.unwrap();
    let (login_token, login_header) = set_cookie(&page, "shopsync_login").unwrap();
    assert!(login_header.contains("Secure"), "{login_header}");
    let answer = http
        .post(format!("{}/login", server.url))
        .header("X-Forwarded-Proto", "https")
        .header("Cookie", format!("shopsync_login={login_token}"))
        .form(&[("csrf", login_token.as_str()), ("name", "olivia"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let (_, header) = set_cookie(&answer, "shopsync_session").unwrap();
    assert!(header.contains("Secure") && header.contains("HttpOnly") && header.contains("SameSite=Strict"), "{header}");

    // Logout ends the session: the same cookie opens nothing afterwards.
    let me = crate::console::Login { session: token, http: http.clone(), url: server.url.clone() };
    assert_eq!(me.get("/").await.status(), 200);
    let csrf = me.csrf().await;
    let out = me.post("/logout", &[("csrf", csrf.as_str())]).await;
    assert_eq!(out.status(), 303);
    assert_eq!(me.get("/").await.status(), 303);
}

#[tokio::test(flavor = "multi_thread")]
async fn too_many_failed_logins_are_answered_429_with_the_wait() {
    let server = Server::start(empty()).await;
    add_user(&server, "olivia", UserRole::Operator).await;
    let http = client();
    for attempt in 0..5 {
        let answer = try_login(&server, &http, "olivia", "not the password").await;
        assert_eq!(answer.status(), 401, "attempt {attempt}");
        assert!(answer.text().await.unwrap().contains("do not match an account"));
    }
    // Now even the right password waits.
    let answer = try_login(&server, &http, "olivia", PASSWORD).await;
    assert_eq!(answer.status(), 429);
    let wait: u64 = answer.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(wait > 0 && wait <= 15 * 60, "{wait}");
    assert!(set_cookie(&answer, "shopsync_session").is_none());
    assert!(answer.text().await.unwrap().contains("Too many failed logins"));
    // Another user is not locked out by olivia's failures (below the per-address limit).
    add_user(&server, "oscar", UserRole::Viewer).await;
    assert_eq!(try_login(&server, &http, "oscar", PASSWORD).await.status(), 303);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_viewer_reads_every_page_but_gets_403_on_any_action() {
    let server = Server::start(empty()).await;
    add_user(&server, "victor", UserRole::Viewer).await;
    let me = login(&server, "victor").await;
    let shop = server.shop.domain.clone();
    for path in ["/", "/shops", &format!("/shops/{shop}"), "/orders", "/products", "/logs", "/jobs"] {
        let answer = me.get(path).await;
        assert_eq!(answer.status(), 200, "{path}");
        let html = answer.text().await.unwrap();
        assert!(!html.contains(">Sync now<") && !html.contains("id=\"save-"), "{path} offers no action to a viewer");
    }
    let csrf = me.csrf().await;
    for (path, form) in [
        (format!("/shops/{shop}/settings"), vec![("key", "order-countries"), ("value", "NL")]),
        (format!("/shops/{shop}/sync/orders"), vec![]),
        ("/logs/purge".to_string(), vec![("scope", "all")]),
        (format!("/orders/{shop}/reprocess"), vec![("code", "PRODUCT_NOT_LINKED")]),
    ] {
        let mut form = form;
        form.push(("csrf", csrf.as_str()));
        let answer = me.post(&path, &form).await;
        assert_eq!(answer.status(), 403, "{path}");
        assert!(answer.text().await.unwrap().contains("viewer"));
    }
    assert_eq!(server.store.settings(server.shop.id).await.unwrap().get("order-countries").unwrap(), "all");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_setting_changed_on_the_shop_card_persists_and_a_bad_value_is_refused_with_why() {
    let server = Server::start(empty()).await;
    add_user(&server, "olivia", UserRole::Operator).await;
    let me = login(&server, "olivia").await;
    let path = format!("/shops/{}/settings", server.shop.domain);
    let csrf = me.csrf().await;
    let answer = me.post(&path, &[("csrf", csrf.as_str()), ("key", "order-countries"), ("value", "nl, be")]).await;
    assert_eq!(answer.status(), 303);
    let location = answer.headers()["location"].to_str().unwrap().to_string();
    let (flash, _) = set_cookie(&answer, "shopsync_flash").expect("the outcome travels to the next page");
    // The next page shows the outcome once; the store has the normal form, as `shop set` stores it.
    let page = me
        .http
        .get(format!("{}{location}", server.url))
        .header("Cookie", format!("shopsync_session={}; shopsync_flash={flash}", me.session))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("order-countries is now NL,BE."), "flash shown");
    assert!(html.contains(r#"value="NL,BE""#), "the card shows the stored value");
    assert_eq!(server.store.settings(server.shop.id).await.unwrap().get("order-countries").unwrap(), "NL,BE");

    let bad = me.post(&path, &[("csrf", csrf.as_str()), ("key", "order-countries"), ("value", "XX")]).await;
    assert_eq!(bad.status(), 303);
    let (flash, _) = set_cookie(&bad, "shopsync_flash").unwrap();
    let message = String::from_utf8(hex::decode(flash.strip_prefix("error:").unwrap()).unwrap()).unwrap();
    assert!(message.starts_with("order-countries was not changed:"), "{message}");
    assert_eq!(server.store.settings(server.shop.id).await.unwrap().get("order-countries").unwrap(), "NL,BE");
}

#[tokio::test]
async fn queue_on_the_shop_card_stores_one_request_however_often_it_is_pressed() {
    use shopsync_store::QueueStore;
    let server = Server::start(empty()).await;
    add_user(&server, "olivia", UserRole::Operator).await;
    let me = login(&server, "olivia").await;
    let csrf = me.csrf().await;
    let path = format!("/shops/{}/queue/orders", server.shop.domain);
    for press in 0..3 {
        let answer = me.post(&path, &[("csrf", csrf.as_str())]).await;
        assert_eq!(answer.status(), 303, "press {press}");
        let (flash, _) = set_cookie(&answer, "shopsync_flash").unwrap();
        let message = String::from_utf8(hex::decode(flash.split_once(':').unwrap().1).unwrap()).unwrap();
        let expected = if press == 0 { "is queued (request 1)" } else { "was already waiting (request 1)" };
        assert!(message.contains(expected), "press {press}: {message}");
    }
    let requests = server.store.job_requests(Some(server.shop.id), 10).await.unwrap();
    assert_eq!(requests.len(), 1, "three presses, one run asked for");
    assert_eq!((requests[0].flow.as_str(), requests[0].status.as_str()), ("orders", "queued"));
    let refused = me.post(&path, &[]).await;
    assert_eq!(refused.status(), 403, "no CSRF token, no request");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_or_log_entry_that_does_not_exist_is_a_404_that_says_so() {
    let server = Server::start(empty()).await;
    add_user(&server, "olivia", UserRole::Viewer).await;
    let me = login(&server, "olivia").await;
    for path in [format!("/orders/{}/999999", server.shop.domain), "/logs/999999".to_string()] {
        let answer = me.get(&path).await;
        assert_eq!(answer.status(), 404, "{path}");
        assert!(answer.text().await.unwrap().contains("not found"), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn products_are_found_by_sku_or_address_unlinked_and_marked_as_shipped_outside() {
    use shopsync_store::{CatalogStore, ItemInput, ItemStatus, VariantInput, VariantLink};
    let server = Server::start(empty()).await;
    add_user(&server, "olivia", UserRole::Operator).await;
    let me = login(&server, "olivia").await;
    let shop = server.shop.domain.clone();
    let item = ItemInput {
        number: "I-7".into(),
        name: "Espresso cup".into(),
        status: ItemStatus::Active,
        variants: vec![VariantInput { code: "V".into(), sku: "CUP-1".into(), position: 1, ..Default::default() }],
        ..Default::default()
    };
    server.store.upsert_items(&[item]).await.unwrap();
    let variant = server.store.variant_by_sku("CUP-1").await.unwrap().unwrap().variant;
    let link = VariantLink {
        variant_id: variant.id,
        shopify_variant_id: "gid://shopify/ProductVariant/71".into(),
        shopify_product_id: "gid://shopify/Product/70".into(),
        shopify_inventory_item_id: None,
        last_price: None,
        last_compare_at_price: None,
        linked_at: shopsync_core::time::now_text(),
    };
    server.store.save_variant_links(server.shop.id, &[link]).await.unwrap();

    // By a part of the SKU, and by the product's address pasted from Shopify admin.
    for q in ["cup", "https://admin.shopify.com/store/demo/products/70"] {
        let path = format!(
            "/products?shop={shop}&q={}",
            url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        );
        let html = me.get(&path).await.text().await.unwrap();
        assert!(html.contains("CUP-1") && html.contains("gid://shopify/ProductVariant/71"), "{q}: {html}");
        assert!(html.contains(r#"action="/products/unlink""#), "an operator can unlink it");
    }
    let csrf = me.csrf().await;
    let answer = me.post("/products/unlink", &[("csrf", &csrf), ("shop", &shop), ("sku", "CUP-1"), ("q", "cup")]).await;
    assert_eq!(answer.status(), 303);
    assert!(server.store.variant_links(server.shop.id).await.unwrap().is_empty(), "the link is gone");
    let html = me.get(&format!("/products?shop={shop}&q=cup")).await.text().await.unwrap();
    assert!(html.contains("not linked"), "{html}");

    let product = "https://admin.shopify.com/store/demo/products/99";
    let answer = me
        .post("/products/outside", &[("csrf", &csrf), ("shop", &shop), ("product", product), ("title", "Gift wrap")])
        .await;
    assert_eq!(answer.status(), 303);
    let marked = server.store.outside_products(server.shop.id).await.unwrap();
    assert_eq!((marked.len(), marked[0].shopify_product_id.as_str()), (1, "gid://shopify/Product/99"));
    let html = me.get(&format!("/products?shop={shop}")).await.text().await.unwrap();
    assert!(html.contains("Gift wrap") && html.contains("Ship from the back office again"), "{html}");
    assert!(html.contains("<title>Products and links · shopsync console</title>"), "{html}");
    assert_eq!(html.matches("Shipped outside the back office</h2>").count(), 1, "the card is shown once");
    let answer = me
        .post(
            "/products/outside",
            &[("csrf", &csrf), ("shop", &shop), ("product", "gid://shopify/Product/99"), ("off", "1")],
        )
        .await;
    assert_eq!(answer.status(), 303);
    assert!(server.store.outside_products(server.shop.id).await.unwrap().is_empty());
    // Not a product address: refused, nothing marked.
    let answer = me.post("/products/outside", &[("csrf", &csrf), ("shop", &shop), ("product", "CUP-1")]).await;
    let (flash, _) = set_cookie(&answer, "shopsync_flash").unwrap();
    assert!(flash.starts_with("error:"), "{flash}");
    assert!(server.store.outside_products(server.shop.id).await.unwrap().is_empty());
}
