//! The console's webhook deliveries page and stopped-deliveries flag, the catalog pages (marked items, bundles,
//! skipped records) and the shop card's access actions (Rotate token, Request access), over real HTTP against
//! the simulator, as a person uses them; then each page in headless Chromium, with screenshots.

use fantoccini::Locator;
use secrecy::ExposeSecret;
use shopify_sim::order_ops::{AddressSpec, LineSpec, OrderSpec};
use shopify_sim::{Seed, SimConfig};
use shopsync_core::Flow;
use shopsync_store::{AppStore, CatalogStore, JobTrigger, ShopStore, SkippedRecordInput, UserRole};
use shopsync_sync::NoProgress;
use shopsync_sync::app;
use shopsync_sync::import::{ImportOptions, import_bundles, import_items};
use shopsync_sync::orders::BulkChoice;

use crate::console::{Login, add_user, login};
use crate::{SECRET, Server, wait_until};

fn empty() -> SimConfig {
    SimConfig { seed: Seed::Empty, ..SimConfig::default() }
}

/// The outcome a form's redirect carries to the next page: its kind (`ok`, `error`) and message.
fn flash(answer: &reqwest::Response) -> (String, String) {
    let value = answer
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|header| header.strip_prefix("shopsync_flash=")?.split(';').next().map(str::to_string))
        .expect("the form's outcome travels in the flash cookie");
    let (kind, hex) = value.split_once(':').unwrap();
    (kind.to_string(), String::from_utf8(hex::decode(hex).unwrap()).unwrap())
}

fn location(answer: &reqwest::Response) -> String {
    answer.headers()["location"].to_str().unwrap().to_string()
}

async fn page(me: &Login, path: &str) -> String {
    let answer = me.get(path).await;
    assert_eq!(answer.status(), 200, "{path}");
    answer.text().await.unwrap()
}

/// The table row of the page that holds `needle`.
fn row_of<'a>(html: &'a str, needle: &str) -> &'a str {
    let at = html.find(needle).unwrap_or_else(|| panic!("{needle} is on the page"));
    let start = html[..at].rfind("<tr").unwrap();
    let end = at + html[at..].find("</tr>").unwrap();
    &html[start..end]
}

/// The hub reachable at the test server's own address, writes to Shopify allowed (subscriptions are writes).
async fn public(server: &Server) {
    assert!(server.store.set_app_public_url(Some(&server.url)).await.unwrap());
    server.store.save_setting(server.shop.id, "allow-data-sync-to-shopify", "on").await.unwrap();
}

/// One order placed in the simulator now, imported by the order sync.
async fn import_an_order(server: &Server) {
    server
        .sim
        .control()
        .create_order(&OrderSpec {
            lines: vec![LineSpec { title: Some("Gift wrap".into()), quantity: 1, ..Default::default() }],
            address: AddressSpec { first_name: Some("Ada".into()), ..Default::default() },
            email: Some("ada@example.com".into()),
            ..Default::default()
        })
        .unwrap();
    let engine = server.intake.engine();
    let shop = engine.shop(&server.shop.domain).await.unwrap();
    app::run_flow(engine, &shop, Flow::Orders, JobTrigger::Manual, BulkChoice::Never, &NoProgress).await.unwrap();
    engine.flush_logs().await;
}

async fn repair(me: &Login, shop: &str, back: &str) -> (String, String) {
    let csrf = me.csrf().await;
    let answer = me.post(&format!("/shops/{shop}/webhooks/sync"), &[("csrf", &csrf), ("back", back)]).await;
    assert_eq!(answer.status(), 303);
    assert_eq!(location(&answer), back);
    flash(&answer)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_deliveries_page_compares_subscriptions_with_the_public_address_and_pages_deliveries_with_their_runs() {
    let server = Server::start(empty()).await;
    public(&server).await;
    add_user(&server, "olivia", UserRole::Operator).await;
    let me = login(&server, "olivia").await;
    let shop = server.shop.domain.clone();
    let path = format!("/shops/{shop}/webhooks");

    let card = page(&me, &format!("/shops/{shop}")).await;
    assert!(card.contains(&format!("href=\"{path}\"")), "the shop card links to its deliveries");
    let html = page(&me, &path).await;
    assert!(html.contains("None: Shopify delivers nothing"), "nothing subscribed yet");
    assert!(html.contains("No delivery received yet."));

    // Repair subscriptions creates what the flows need, at the public address.
    let (kind, message) = repair(&me, &shop, &path).await;
    assert_eq!(kind, "ok", "{message}");
    assert!(message.contains("are repaired: created APP_UNINSTALLED, created ORDERS_CREATE"), "{message}");
    let html = page(&me, &path).await;
    let callback = format!("{}/webhooks/shopify", server.url);
    assert!(row_of(&html, "<td>ORDERS_CREATE</td>").contains("matches"), "at the public address");
    assert!(html.contains(&callback));
    // Once the hub moved, the same subscriptions go elsewhere.
    assert!(server.store.set_app_public_url(Some("http://127.0.0.1:9")).await.unwrap());
    let moved = page(&me, &path).await;
    assert!(row_of(&moved, "<td>ORDERS_CREATE</td>").contains("elsewhere"), "not the public address any more");
    assert!(moved.contains("Needed but not subscribed here"));
    assert!(server.store.set_app_public_url(Some(&server.url)).await.unwrap());

    // Three deliveries, each run through the order flow; then 52 older ones stored long ago and still waiting.
    for n in 1..=3 {
        assert_eq!(server.deliver("orders/updated", &format!("evt-{n}"), b"{}", SECRET).await.status(), 200);
        wait_until("the delivery is processed", || async { server.events().await == (n, n) }).await;
    }
    for n in 1..=52 {
        sqlx::query(
            "INSERT INTO webhook_events (shop_id, event_id, topic, received_at) VALUES (?, ?, 'customers/update', ?)",
        )
        .bind(server.shop.id)
        .bind(format!("old-{n:02}"))
        .bind(format!("2026-01-01T00:{n:02}:00.000000Z"))
        .execute(&server.db)
        .await
        .unwrap();
    }
    let first_run: i64 = sqlx::query_scalar("SELECT MIN(id) FROM jobs WHERE trigger = 'webhook' AND kind = 'orders'")
        .fetch_one(&server.db)
        .await
        .unwrap();

    let html = page(&me, &path).await;
    assert!(html.contains("1–50 of 55, newest first."), "a page of 50");
    let (e3, e2, e1) = (
        html.find("<code>evt-3</code>").unwrap(),
        html.find("<code>evt-2</code>").unwrap(),
        html.find("<code>evt-1</code>").unwrap(),
    );
    assert!(e3 < e2 && e2 < e1, "newest first");
    let first = row_of(&html, "<code>evt-1</code>");
    assert!(first.contains("processed") && first.contains("orders/updated"), "{first}");
    assert!(first.contains(&format!("orders job {first_run}</a>")), "the run that covered it: {first}");
    assert!(html.contains("<code>old-52</code>") && !html.contains("<code>old-05</code>"), "the rest on page 2");
    assert!(html.contains("id=\"older\""));

    let older = page(&me, &format!("{path}?page=2")).await;
    assert!(older.contains("51–55 of 55"), "the last page");
    let oldest = row_of(&older, "<code>old-01</code>");
    assert!(oldest.contains("waiting") && oldest.contains("customers: no run yet"), "{oldest}");
    assert!(older.contains("id=\"newer\"") && !older.contains("id=\"older\""));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shop_whose_deliveries_stopped_is_flagged_until_one_arrives_and_never_without_subscriptions() {
    let server = Server::start(empty()).await;
    public(&server).await;
    add_user(&server, "olivia", UserRole::Operator).await;
    add_user(&server, "victor", UserRole::Viewer).await;
    let me = login(&server, "olivia").await;
    let viewer = login(&server, "victor").await;
    let shop = server.shop.domain.clone();
    let card = format!("/shops/{shop}");
    const FLAG: &str = "Webhook deliveries stopped";

    // Without subscriptions, orders changing while nothing is delivered is how it should be.
    import_an_order(&server).await;
    assert!(!page(&me, "/").await.contains(FLAG), "never subscribed: not flagged");

    // Subscribed three hours ago, nothing delivered since, and the order sync imported an order changed now.
    let (kind, message) = repair(&me, &shop, &card).await;
    assert_eq!(kind, "ok", "{message}");
    let three_hours_ago = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(3);
    sqlx::query("UPDATE webhook_subscription_checks SET since = ?")
        .bind(shopsync_core::time::to_text(three_hours_ago))
        .execute(&server.db)
        .await
        .unwrap();
    let dashboard = page(&me, "/").await;
    assert!(dashboard.contains(FLAG), "flagged on the dashboard");
    assert!(dashboard.contains("no delivery ever arrived"), "says what it saw");
    assert!(dashboard.contains("yet a sync imported an order changed in Shopify"));
    assert!(dashboard.contains(&format!("action=\"/shops/{shop}/webhooks/sync\"")), "with the repair button");
    assert!(dashboard.contains(">Repair subscriptions</button>"));
    let shown = page(&me, &card).await;
    assert!(shown.contains(FLAG) && shown.contains(">Repair subscriptions</button>"), "and on the shop card");
    let seen_by_viewer = page(&viewer, "/").await;
    assert!(seen_by_viewer.contains(FLAG) && !seen_by_viewer.contains(">Repair subscriptions</button>"));

    // The button runs `webhooks sync` for the shop: the subscriptions were in place, so it says where to look.
    let (kind, message) = repair(&me, &shop, "/").await;
    assert_eq!(kind, "ok", "{message}");
    assert!(message.contains("were in place already") && message.contains("check that Shopify reaches"), "{message}");
    assert!(page(&me, "/").await.contains(FLAG), "a repair that changed nothing does not hide the flag");

    // A delivery arrives: not flagged any more.
    assert_eq!(server.deliver("orders/updated", "evt-late", b"{}", SECRET).await.status(), 200);
    wait_until("the delivery is stored", || async { server.events().await.0 == 1 }).await;
    assert!(!page(&me, "/").await.contains(FLAG), "a recent delivery: not flagged");
    assert!(!page(&me, &card).await.contains(FLAG));
}

#[tokio::test(flavor = "multi_thread")]
async fn rotate_token_stores_only_a_token_shopify_accepts_and_the_next_sync_uses_it() {
    let server = Server::start(empty()).await;
    add_user(&server, "olivia", UserRole::Operator).await;
    let me = login(&server, "olivia").await;
    let shop = server.shop.domain.clone();
    let path = format!("/shops/{shop}/token");
    let sealed = || async {
        sqlx::query_scalar::<_, String>("SELECT access_token FROM shops WHERE id = ?")
            .bind(server.shop.id)
            .fetch_one(&server.db)
            .await
            .unwrap()
    };
    let before = sealed().await;
    let card = page(&me, &format!("/shops/{shop}")).await;
    assert!(card.contains(r#"<input type="password" name="token""#), "a password field for the new token");

    // A token Shopify refuses is not stored: the old one stays.
    let csrf = me.csrf().await;
    let wrong = "shpat_0000not0a0real0token";
    let answer = me.post(&path, &[("csrf", &csrf), ("token", wrong)]).await;
    assert_eq!(answer.status(), 303);
    assert_eq!(location(&answer), format!("/shops/{shop}#access"));
    let (kind, message) = flash(&answer);
    assert_eq!(kind, "error");
    assert!(message.starts_with("The token was not replaced (the old one stays in use)"), "{message}");
    assert!(!message.contains(wrong) && !location(&answer).contains(wrong), "the token is never echoed");
    assert_eq!(sealed().await, before);

    // A token the store accepts replaces the old one, sealed.
    let settings = server.store.settings(server.shop.id).await.unwrap();
    let control = server.sim.control();
    let new = control.issue_access_token(&app::required_scopes(&settings));
    let answer = me.post(&path, &[("csrf", &csrf), ("token", new.expose_secret())]).await;
    let (kind, message) = flash(&answer);
    assert_eq!(kind, "ok", "{message}");
    assert!(message.contains("was replaced: Shopify accepted the new one"), "{message}");
    assert!(!message.contains(new.expose_secret()));
    let stored = sealed().await;
    assert_ne!(stored, before);
    assert!(!stored.contains(new.expose_secret()), "stored sealed");
    let html = page(&me, &format!("/shops/{shop}")).await;
    assert!(!html.contains(new.expose_secret()), "never shown again");

    // The next sync sends the new token: once the simulator lets it expire, the sync is refused although the
    // token of the start still works.
    let answer = me.post(&format!("/shops/{shop}/sync/orders"), &[("csrf", &csrf)]).await;
    assert_eq!(flash(&answer).0, "ok", "{:?}", flash(&answer));
    assert!(control.expire_access_token(new.expose_secret()));
    let answer = me.post(&format!("/shops/{shop}/sync/orders"), &[("csrf", &csrf)]).await;
    let (kind, message) = flash(&answer);
    assert_eq!(kind, "error", "{message}");
    assert!(message.starts_with("The orders sync failed"), "{message}");
    let answer = me.post(&path, &[("csrf", &csrf), ("token", server.sim.access_token().expose_secret())]).await;
    assert_eq!(flash(&answer).0, "ok");
    let answer = me.post(&format!("/shops/{shop}/sync/orders"), &[("csrf", &csrf)]).await;
    assert_eq!(flash(&answer).0, "ok", "access restored with the rotated token");
}

#[tokio::test(flavor = "multi_thread")]
async fn request_access_redirects_to_shopifys_install_page_or_says_what_is_missing() {
    let server = Server::start(empty()).await;
    add_user(&server, "olivia", UserRole::Operator).await;
    let me = login(&server, "olivia").await;
    let shop = server.shop.domain.clone();
    let path = format!("/shops/{shop}/access");
    let csrf = me.csrf().await;

    let answer = me.post(&path, &[("csrf", &csrf)]).await;
    assert_eq!(location(&answer), format!("/shops/{shop}#access"));
    let (kind, message) = flash(&answer);
    assert_eq!(kind, "error");
    assert!(message.starts_with("Access cannot be requested yet"), "{message}");
    assert!(message.contains("shopsync app set-url"), "{message}");

    server.store.set_app_public_url(Some(&server.url)).await.unwrap();
    let answer = me.post(&path, &[("csrf", &csrf)]).await;
    assert_eq!(answer.status(), 303);
    let install = location(&answer);
    assert!(install.starts_with(server.sim.base_url()), "{install}");
    assert!(install.contains("/admin/oauth/authorize") && install.contains("client_id=test-app"), "{install}");
    assert!(install.contains("state="), "{install}");
    let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM oauth_states").fetch_one(&server.db).await.unwrap();
    assert_eq!(waiting, 1, "the installation waits for its callback");

    // Without the app's credentials, the console says so and how to set them.
    sqlx::query("DELETE FROM app_credentials").execute(&server.db).await.unwrap();
    let (kind, message) = flash(&me.post(&path, &[("csrf", &csrf)]).await);
    assert_eq!(kind, "error");
    assert!(message.contains("client id and secret are not set yet"), "{message}");
    assert!(message.contains("shopsync app set --client-id"), "{message}");
}

/// Three items (one marked), a bundle of two of them, and a variant Shopify refused.
async fn catalog(server: &Server) {
    let store = server.store.as_ref();
    let items = "item_number,item_name,sku,marked\nI-1001,Linen shirt,SH-1,yes\nI-1002,Wool hat,HAT-1,no\n\
                 I-1003,Gift box,BOX-1,no\n";
    import_items(store, items.as_bytes(), ImportOptions::default()).await.unwrap();
    let bundles = "bundle_sku,component_sku,quantity\nBOX-1,SH-1,1\nBOX-1,HAT-1,2\n";
    import_bundles(store, bundles.as_bytes(), ImportOptions::default()).await.unwrap();
    store
        .record_skipped(
            server.shop.id,
            &[SkippedRecordInput {
                object: "variant".into(),
                object_key: "HAT-1".into(),
                field: Some("variants.0.price".into()),
                code: Some("INVALID".into()),
                message: "Price must be greater than or equal to 0".into(),
            }],
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_catalog_pages_show_marked_items_bundles_and_skipped_records_and_marking_takes_effect() {
    let server = Server::start(empty()).await;
    catalog(&server).await;
    add_user(&server, "olivia", UserRole::Operator).await;
    let me = login(&server, "olivia").await;
    let store = server.store.as_ref();

    let html = page(&me, "/catalog/items").await;
    assert!(html.contains("href=\"/catalog/items\""), "in the navigation");
    assert!(row_of(&html, "<td>I-1001</td>").contains("marked"));
    assert!(!html.contains("<td>I-1002</td>"), "only the marked items by default");
    let all = page(&me, "/catalog/items?show=all").await;
    assert!(all.contains("<td>I-1002</td>") && all.contains("3 items"));

    let csrf = me.csrf().await;
    let back = "/catalog/items?show=all";
    let answer = me
        .post("/catalog/items/mark", &[("csrf", &csrf), ("back", back), ("numbers", "I-1002"), ("action", "mark")])
        .await;
    assert_eq!(location(&answer), back);
    assert_eq!(
        flash(&answer),
        ("ok".into(), "Marked 1 item for synchronization (1 matched, 0 already marked).".into())
    );
    assert!(store.item("I-1002").await.unwrap().unwrap().marked);
    let answer = me
        .post("/catalog/items/mark", &[("csrf", &csrf), ("back", back), ("filter", "name~shirt"), ("action", "unmark")])
        .await;
    assert_eq!(flash(&answer).0, "ok");
    assert!(!store.item("I-1001").await.unwrap().unwrap().marked, "unmarked by a filter");
    let answer = me
        .post(
            "/catalog/items/mark",
            &[("csrf", &csrf), ("back", back), ("numbers", "I-1002 I-9999"), ("action", "unmark")],
        )
        .await;
    let (kind, message) = flash(&answer);
    assert_eq!(kind, "error");
    assert_eq!(message, "Nothing was changed: no item has the number(s) I-9999; nothing was changed.");
    assert!(store.item("I-1002").await.unwrap().unwrap().marked, "nothing changed");
    let (kind, message) = flash(&me.post("/catalog/items/mark", &[("csrf", &csrf), ("action", "mark")]).await);
    assert_eq!(kind, "error");
    assert!(message.contains("no items were chosen"), "{message}");

    let bundles = page(&me, "/catalog/bundles").await;
    let row = row_of(&bundles, "<strong>BOX-1</strong>");
    assert!(row.contains("I-1003 · Gift box"), "{row}");
    assert!(row.contains("2 × <code>HAT-1</code>") && row.contains("I-1002 · Wool hat"), "{row}");
    assert!(row.contains("1 × <code>SH-1</code>"), "{row}");

    let skipped = page(&me, "/catalog/skipped").await;
    let row = row_of(&skipped, "<code>HAT-1</code>");
    assert!(row.contains("Price must be greater than or equal to 0") && row.contains("INVALID"), "{row}");
    assert!(row.contains("variants.0.price"), "{row}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_viewer_sees_the_new_pages_but_gets_403_on_their_actions() {
    let server = Server::start(empty()).await;
    public(&server).await;
    add_user(&server, "victor", UserRole::Viewer).await;
    let me = login(&server, "victor").await;
    let shop = server.shop.domain.clone();
    for path in [
        format!("/shops/{shop}/webhooks"),
        "/catalog/items".into(),
        "/catalog/bundles".into(),
        "/catalog/skipped".into(),
    ] {
        let html = page(&me, &path).await;
        assert!(!html.contains("Repair subscriptions</button>") && !html.contains(">Mark</button>"), "{path}");
    }
    let card = page(&me, &format!("/shops/{shop}")).await;
    assert!(!card.contains("name=\"token\"") && !card.contains("id=\"request-access\""), "no access actions");
    let before: String = sqlx::query_scalar("SELECT access_token FROM shops").fetch_one(&server.db).await.unwrap();
    let csrf = me.csrf().await;
    let token = server.sim.access_token();
    for (path, form) in [
        (format!("/shops/{shop}/token"), vec![("token", token.expose_secret())]),
        (format!("/shops/{shop}/access"), vec![]),
        (format!("/shops/{shop}/webhooks/sync"), vec![]),
        ("/catalog/items/mark".to_string(), vec![("numbers", "I-1"), ("action", "mark")]),
    ] {
        let mut form = form;
        form.push(("csrf", csrf.as_str()));
        let answer = me.post(&path, &form).await;
        assert_eq!(answer.status(), 403, "{path}");
    }
    let after: String = sqlx::query_scalar("SELECT access_token FROM shops").fetch_one(&server.db).await.unwrap();
    assert_eq!(before, after);
    let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM oauth_states").fetch_one(&server.db).await.unwrap();
    assert_eq!(waiting, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_new_pages_in_chromium() {
    let server = Server::start(empty()).await;
    public(&server).await;
    catalog(&server).await;
    import_an_order(&server).await;
    let engine = server.intake.engine();
    app::webhooks::sync_webhooks(engine, Some(&server.shop.domain), false).await.unwrap();
    let yesterday = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(26);
    sqlx::query("UPDATE webhook_subscription_checks SET since = ?")
        .bind(shopsync_core::time::to_text(yesterday))
        .execute(&server.db)
        .await
        .unwrap();
    for n in 1..=4 {
        sqlx::query(
            "INSERT INTO webhook_events (shop_id, event_id, topic, received_at, processed_at) \
             VALUES (?, ?, 'orders/updated', ?, ?)",
        )
        .bind(server.shop.id)
        .bind(format!("0f4c2e1a-old-{n}"))
        .bind(shopsync_core::time::to_text(yesterday - jiff::SignedDuration::from_mins(n)))
        .bind(shopsync_core::time::to_text(
            yesterday - jiff::SignedDuration::from_mins(n) + jiff::SignedDuration::from_secs(1),
        ))
        .execute(&server.db)
        .await
        .unwrap();
    }
    add_user(&server, "olivia", UserRole::Operator).await;
    let driver = crate::browser::start_chromedriver();
    let client = crate::browser::browser(&driver).await;
    let url = &server.url;
    let shop = server.shop.domain.clone();
    client.goto(&format!("{url}/login")).await.unwrap();
    client.find(Locator::Id("name")).await.unwrap().send_keys("olivia").await.unwrap();
    client.find(Locator::Id("password")).await.unwrap().send_keys("correct horse battery staple").await.unwrap();
    client.find(Locator::Id("login")).await.unwrap().click().await.unwrap();
    client.wait().for_element(Locator::Id("chart")).await.unwrap();

    let flag = client.find(Locator::Css(".problem.stopped")).await.unwrap().text().await.unwrap();
    assert!(flag.contains("Webhook deliveries stopped"), "{flag}");
    crate::browser::shot(&client, "pages-1-dashboard-deliveries-stopped").await;
    client.goto(&format!("{url}/shops/{shop}")).await.unwrap();
    client.find(Locator::Id("access")).await.unwrap();
    crate::browser::shot(&client, "pages-2-shop-card").await;
    client
        .find(Locator::Id("new-token"))
        .await
        .unwrap()
        .send_keys(server.sim.access_token().expose_secret())
        .await
        .unwrap();
    client.find(Locator::Id("rotate-token")).await.unwrap().click().await.unwrap();
    let flash = client.wait().for_element(Locator::Id("flash")).await.unwrap().text().await.unwrap();
    assert!(flash.contains("was replaced"), "{flash}");
    crate::browser::shot(&client, "pages-3-token-rotated").await;
    client.find(Locator::Id("webhook-deliveries")).await.unwrap().click().await.unwrap();
    client.wait().for_element(Locator::Id("delivery-list")).await.unwrap();
    crate::browser::shot(&client, "pages-4-webhook-deliveries").await;
    client.goto(&format!("{url}/catalog/items?show=all")).await.unwrap();
    client.find(Locator::Id("item-list")).await.unwrap();
    crate::browser::shot(&client, "pages-5-catalog-items").await;
    client.goto(&format!("{url}/catalog/bundles")).await.unwrap();
    client.find(Locator::Id("bundle-list")).await.unwrap();
    crate::browser::shot(&client, "pages-6-catalog-bundles").await;
    client.goto(&format!("{url}/catalog/skipped")).await.unwrap();
    client.find(Locator::Id("skipped-list")).await.unwrap();
    crate::browser::shot(&client, "pages-7-catalog-skipped").await;

    // Products and links: a search by title, then a product marked as shipped outside through its form.
    client.goto(&format!("{url}/products?shop={shop}")).await.unwrap();
    client.find(Locator::Id("q")).await.unwrap().send_keys("shirt").await.unwrap();
    client.find(Locator::Id("search")).await.unwrap().click().await.unwrap();
    let found = crate::browser::text_where(&client, Locator::Css("table"), |t| t.contains("SH-1")).await;
    assert!(found.contains("I-1001") && found.contains("not linked"), "{found}");
    client
        .find(Locator::Id("outside-product"))
        .await
        .unwrap()
        .send_keys("https://admin.shopify.com/store/demo/products/4242")
        .await
        .unwrap();
    client.find(Locator::Id("mark-outside")).await.unwrap().click().await.unwrap();
    let flash = client.wait().for_element(Locator::Id("flash")).await.unwrap().text().await.unwrap();
    assert!(flash.contains("shipped outside the back office"), "{flash}");
    crate::browser::shot(&client, "pages-8-products-outside").await;
    client.close().await.unwrap();
}
