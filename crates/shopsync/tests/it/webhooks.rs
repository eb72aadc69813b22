//! Webhook intake end to end: the simulator delivers signed webhooks to a real `shopsync serve --listen`.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use secrecy::ExposeSecret;
use shopify_sim::webhooks::{NewSubscription, WebhookConfig};
use shopify_sim::{Seed, SimConfig, SimHandle, Simulator};

use crate::{connected_to, run_with_stdin, shopsync, shopsync_run, stderr, stdout};

const ITEMS: &str = "\
item_number,item_name,status,vendor,option1_name,option1_value,sku,images
I-100,Everyday Hoodie,active,Fabrikam,Size,S,HOOD-S,
I-100,,,,,M,HOOD-M,
";

const PRICES: &str = "sku,price,compare_at_price\nHOOD-S,49.00,\nHOOD-M,49.00,\n";

/// A data directory whose two hoodies are in the simulator and linked, with a customer template, the app's secret
/// stored and every schedule off, so that only webhooks start flows.
async fn webhook_ready(sim: &SimHandle) -> tempfile::TempDir {
    let dir = connected_to(sim);
    let domain = sim.shop_domain().to_string();
    let items = dir.path().join("items.csv");
    let prices = dir.path().join("prices.csv");
    std::fs::write(&items, ITEMS).unwrap();
    std::fs::write(&prices, PRICES).unwrap();
    let out = shopsync_run(dir.path(), &["items", "import", items.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let args = ["prices", "import", prices.to_str().unwrap(), "--price-list", "RETAIL", "--currency", "EUR"];
    let out = shopsync_run(dir.path(), &args).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let out = shopsync_run(dir.path(), &["shop", "set", &domain, "allow-data-sync-to-shopify", "on"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let template = [
        "templates",
        "set",
        "WEB",
        "customer_posting_group=DOMESTIC",
        "gen_bus_posting_group=WEB",
        "vat_bus_posting_group=NATIONAL",
        "payment_terms_code=PREPAID",
    ];
    let out = shopsync_run(dir.path(), &template).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let out = shopsync_run(dir.path(), &["shop", "set", &domain, "customer-template", "WEB"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let out = shopsync_run(dir.path(), &["sync", "products", "--shop", &domain]).await;
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    for flow in ["products", "inventory", "customers", "orders", "fulfillments"] {
        let out = shopsync_run(dir.path(), &["shop", "set", &domain, &format!("schedule.{flow}"), "off"]).await;
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let mut set = shopsync(dir.path());
    set.args(["app", "set", "--client-id", "sim-app", "--client-secret-stdin"]);
    let secret = sim.client_secret().expose_secret().to_string();
    let out = tokio::task::spawn_blocking(move || run_with_stdin(&mut set, &secret)).await.unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    dir
}

/// `shopsync -v serve --listen 127.0.0.1:0` running, its address read from what it prints.
struct Serve {
    child: Child,
    address: String,
    lines: mpsc::Receiver<String>,
    printed: Vec<String>,
}

impl Serve {
    fn start(dir: &Path) -> Serve {
        Serve::start_at(dir, "127.0.0.1:0")
    }

    fn start_at(dir: &Path, listen: &str) -> Serve {
        Serve::start_with(dir, listen, &[])
    }

    fn start_with(dir: &Path, listen: &str, more: &[&str]) -> Serve {
        let mut child = shopsync(dir)
            .args(["-v", "serve", "--listen", listen])
            .args(more)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (send, lines) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let mut printed = Vec::new();
        let address = loop {
            let line = lines.recv_timeout(Duration::from_secs(60)).expect("serve says where it listens");
            printed.push(line.clone());
            if let Some(rest) = line.split("listening on http://").nth(1) {
                break rest.split_whitespace().next().unwrap().to_string();
            }
        };
        Serve { child, address, lines, printed }
    }

    fn webhook_url(&self) -> String {
        format!("http://{}/webhooks/shopify", self.address)
    }

    /// Stops serve with SIGTERM as a service manager would; returns its exit status, stdout and stderr.
    async fn stop(mut self) -> (std::process::ExitStatus, String, String) {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
        tokio::task::spawn_blocking(move || {
            let status = self.child.wait().unwrap();
            let mut err = String::new();
            self.child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
            self.printed.extend(self.lines.iter());
            (status, self.printed.join("\n"), err)
        })
        .await
        .unwrap()
    }
}

async fn db(dir: &Path) -> sqlx::SqlitePool {
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(dir.join("shopsync.db"));
    sqlx::SqlitePool::connect_with(options).await.unwrap()
}

/// Waits until `done` holds; the 60 s guard keeps a broken build from hanging, it says nothing about speed.
async fn wait_until<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !done().await {
        assert!(started.elapsed() < Duration::from_secs(60), "gave up waiting: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn subscribe(sim: &SimHandle, topic: &str, address: &str) {
    sim.control()
        .add_webhook_subscription(NewSubscription {
            topic: topic.into(),
            address: address.into(),
            name: None,
            include_fields: Vec::new(),
            filter: None,
            api_version: None,
        })
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_placed_in_shopify_is_imported_by_serve_through_its_webhook_once_though_delivered_twice() {
    use shopify_sim::order_ops::{AddressSpec, LineSpec, OrderSpec};
    let sim = Simulator::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await.unwrap();
    let dir = webhook_ready(&sim).await;
    let serve = Serve::start(dir.path());
    subscribe(&sim, "orders/create", &serve.webhook_url());
    // Every event is delivered twice (same event id, new webhook id), as Shopify may.
    sim.control().set_webhook_config(WebhookConfig { duplicate_rate: 1.0, ..WebhookConfig::default() });

    let order = sim
        .control()
        .create_order(&OrderSpec {
            lines: vec![LineSpec { sku: Some("HOOD-S".into()), quantity: 2, ..LineSpec::default() }],
            address: AddressSpec { country: Some("DE".into()), ..AddressSpec::default() },
            email: Some("buyer@example.com".into()),
            ..OrderSpec::default()
        })
        .unwrap();
    let pool = db(dir.path()).await;
    let sales_orders = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sales_orders WHERE shopify_order_id = ?")
            .bind(&order.id)
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    wait_until("serve imports the order as a sales order", || async { sales_orders().await == 1 }).await;
    wait_until("both deliveries arrived", || async {
        sim.control().deliveries().iter().filter(|d| d.topic == "orders/create" && d.attempts > 0).count() == 2
    })
    .await;
    // The event is marked processed once its run has ended, a moment after the sales order is saved.
    wait_until("the event is processed", || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(processed_at) FROM webhook_events").fetch_one(&pool).await.unwrap()
            == 1
    })
    .await;
    let (events, processed): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COUNT(processed_at) FROM webhook_events").fetch_one(&pool).await.unwrap();
    let (status, out, err) = serve.stop().await;
    assert!(status.success(), "{out}\n{err}");
    assert_eq!((events, processed), (1, 1), "one event, stored once");
    assert_eq!(sales_orders().await, 1);
    let runs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'orders' AND trigger = 'webhook'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(runs, 1, "the duplicate started nothing");
    let scheduled: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE trigger = 'schedule'").fetch_one(&pool).await.unwrap();
    assert_eq!(scheduled, 0, "the schedules are off: the webhook did it");
    // Serve has workers, so the run went through the durable queue, where any process's worker could take it.
    let queued: Vec<(String, String, String)> =
        sqlx::query_as("SELECT flow, trigger, status FROM job_requests").fetch_all(&pool).await.unwrap();
    assert_eq!(queued, [("orders".to_string(), "webhook".to_string(), "done".to_string())]);
    let secret = sim.client_secret().expose_secret().to_string();
    assert!(!out.contains(&secret) && !err.contains(&secret), "a secret was printed:\n{out}\n{err}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn uninstalling_the_app_marks_the_shop_as_needing_access_through_serve() {
    let sim = Simulator::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await.unwrap();
    let dir = webhook_ready(&sim).await;
    let serve = Serve::start(dir.path());
    subscribe(&sim, "app/uninstalled", &serve.webhook_url());
    sim.control().uninstall_app();
    let pool = db(dir.path()).await;
    let domain = sim.shop_domain().to_string();
    wait_until("the shop needs access", || async {
        sqlx::query_scalar::<_, String>("SELECT access_status FROM shops WHERE domain = ?")
            .bind(&domain)
            .fetch_one(&pool)
            .await
            .unwrap()
            == "needs_access"
    })
    .await;
    let (status, out, err) = serve.stop().await;
    assert!(status.success(), "{out}\n{err}");
    let out = shopsync_run(dir.path(), &["shop", "list"]).await;
    assert!(stdout(&out).contains("needs access"), "{}", stdout(&out));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_app_secret_is_read_from_stdin_stored_sealed_and_never_shown() {
    let dir = crate::initialised();
    let secret = "shpss_0123456789abcdef0123456789abcdef";
    let previous = "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";
    let mut set = shopsync(dir.path());
    set.args(["app", "set", "--client-id", "abc123", "--client-secret-stdin", "--previous-secret-stdin"]);
    let input = format!("{secret}\n{previous}\n");
    let out = tokio::task::spawn_blocking(move || run_with_stdin(&mut set, &input)).await.unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    for args in [&["app", "show"][..], &["app", "show", "--json"][..]] {
        let out = shopsync_run(dir.path(), args).await;
        assert!(out.status.success(), "{}", stderr(&out));
        let text = format!("{}{}", stdout(&out), stderr(&out));
        assert!(text.contains("abc123"), "{text}");
        assert!(!text.contains(secret) && !text.contains(previous), "a secret was shown: {text}");
    }
    let out = shopsync_run(dir.path(), &["app", "show"]).await;
    assert!(stdout(&out).contains("previous secret:  set (sealed)"), "{}", stdout(&out));
    let database = std::fs::read(dir.path().join("shopsync.db")).unwrap();
    let wal = std::fs::read(dir.path().join("shopsync.db-wal")).unwrap_or_default();
    for bytes in [&database, &wal] {
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains(secret) && !text.contains(previous), "a secret is stored in clear");
    }
    // A second line without --previous-secret-stdin is refused rather than guessed at.
    let mut set = shopsync(dir.path());
    set.args(["app", "set", "--client-id", "abc123", "--client-secret-stdin"]);
    let input = format!("{secret}\n{previous}\n");
    let out = tokio::task::spawn_blocking(move || run_with_stdin(&mut set, &input)).await.unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_without_app_credentials_says_so_and_refuses_webhooks() {
    let sim = Simulator::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await.unwrap();
    let dir = connected_to(&sim);
    let serve = Serve::start(dir.path());
    let printed = serve.printed.join("\n");
    let address = serve.address.clone();
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        use std::io::Write;
        stream
            .write_all(b"POST /webhooks/shopify HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    })
    .await
    .unwrap();
    let (status, out, err) = serve.stop().await;
    assert!(status.success(), "{out}\n{err}");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(printed.contains("No app credentials yet") || out.contains("No app credentials yet"), "{out}");
    assert!(err.contains("shopsync app set"), "{err}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_delivery_stored_but_not_run_before_serve_stopped_is_run_at_the_next_start() {
    use shopsync_store::{OrderStore, ShopStore, SqliteStore, WebhookEventInput};
    let sim = Simulator::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await.unwrap();
    let dir = webhook_ready(&sim).await;
    {
        // As a serve killed right after answering would leave it.
        let store = SqliteStore::open(&dir.path().join("shopsync.db")).await.unwrap();
        let shop = store.shop(sim.shop_domain()).await.unwrap().unwrap();
        let event =
            WebhookEventInput { event_id: "left-over".into(), topic: "orders/paid".into(), ..Default::default() };
        assert!(store.record_webhook_event(shop.id, &event).await.unwrap());
        store.close().await;
    }
    let serve = Serve::start(dir.path());
    let pool = db(dir.path()).await;
    // Processed means its run is done or, with serve's workers, durably queued: wait for the run itself.
    wait_until("the left-over event is processed and its run done", || async {
        let processed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webhook_events WHERE processed_at IS NOT NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
        let ran: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM jobs WHERE kind = 'orders' AND trigger = 'webhook' AND status = 'succeeded'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        processed == 1 && ran == 1
    })
    .await;
    let (status, out, err) = serve.stop().await;
    assert!(status.success(), "{out}\n{err}");
    assert!(out.contains("1 webhook events received before the last stop are processed now."), "{out}");
    let runs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'orders' AND trigger = 'webhook'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(runs, 1);
    sim.shutdown().await;
}

/// A port free on 127.0.0.1 a moment ago, for a serve whose public address must be known before it starts.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_subscribes_the_shop_to_its_public_address_and_an_order_then_arrives_by_webhook_alone() {
    use shopify_sim::order_ops::{AddressSpec, LineSpec, OrderSpec};
    let sim = Simulator::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await.unwrap();
    let dir = webhook_ready(&sim).await;
    let domain = sim.shop_domain().to_string();

    let out = shopsync_run(dir.path(), &["webhooks", "sync"]).await;
    assert_eq!(out.status.code(), Some(3), "not set up: no public address yet: {}", stdout(&out));
    assert!(stderr(&out).contains("shopsync app set-url"), "the error says how to set it: {}", stderr(&out));
    let out = shopsync_run(dir.path(), &["app", "set-url", "http://hub.example.com"]).await;
    assert_eq!(out.status.code(), Some(2), "Shopify delivers over https only");
    assert!(stderr(&out).contains("https"), "{}", stderr(&out));

    let port = free_port();
    let public = format!("http://127.0.0.1:{port}");
    let out = shopsync_run(dir.path(), &["app", "set-url", &public]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(&format!("{public}/webhooks/shopify")), "{}", stdout(&out));

    let serve = Serve::start_at(dir.path(), &format!("127.0.0.1:{port}"));
    let subscribed = || {
        sim.control()
            .webhook_subscriptions()
            .iter()
            .filter(|s| s.endpoint.uri() == format!("{public}/webhooks/shopify"))
            .count()
    };
    wait_until("serve subscribes the shop at start", || async { subscribed() >= 6 }).await;

    // Nothing subscribes by hand here: the order reaches the back office through the subscription serve made.
    let order = sim
        .control()
        .create_order(&OrderSpec {
            lines: vec![LineSpec { sku: Some("HOOD-M".into()), quantity: 1, ..LineSpec::default() }],
            address: AddressSpec { country: Some("DE".into()), ..AddressSpec::default() },
            email: Some("buyer@example.com".into()),
            ..OrderSpec::default()
        })
        .unwrap();
    let pool = db(dir.path()).await;
    wait_until("the order is imported through its webhook", || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sales_orders WHERE shopify_order_id = ?")
            .bind(&order.id)
            .fetch_one(&pool)
            .await
            .unwrap()
            == 1
    })
    .await;

    let out = shopsync_run(dir.path(), &["webhooks", "sync"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("nothing to change"), "a second sync sends nothing: {}", stdout(&out));
    let out = shopsync_run(dir.path(), &["webhooks", "list", "--shop", &domain]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let listed = stdout(&out);
    assert!(
        listed.contains("ORDERS_CREATE") && listed.contains("orders/create"),
        "subscriptions and deliveries: {listed}"
    );

    // A flow switched off: its topics are no longer wanted, and a dry run says what would go.
    let out = shopsync_run(dir.path(), &["shop", "set", &domain, "sync-customers", "off"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let before = sim.control().webhook_subscriptions().len();
    let out = shopsync_run(dir.path(), &["webhooks", "sync", "--dry-run"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("would remove     CUSTOMERS_CREATE"), "{}", stdout(&out));
    assert_eq!(sim.control().webhook_subscriptions().len(), before, "a dry run changes nothing");
    let out = shopsync_run(dir.path(), &["webhooks", "sync"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sim.control().webhook_subscriptions().len(), before - 2, "customers/create and customers/update went");

    let (status, printed, err) = serve.stop().await;
    assert!(status.success(), "{printed}\n{err}");
    assert!(printed.contains("webhook subscriptions repaired"), "serve said what it set up: {printed}");
}

/// OAuth install against the simulator: `shop connect` prints the install URL, the simulator approves at once and
/// redirects to serve's callback, which connects the shop. Every tampered callback is refused and stores nothing.
#[tokio::test(flavor = "multi_thread")]
async fn a_shop_is_connected_by_oauth_through_serve_and_every_tampered_callback_is_refused() {
    use secrecy::SecretString;
    use shopify_admin::oauth::{parse_query, query_hmac_hex};

    let port = free_port();
    let public = format!("http://127.0.0.1:{port}");
    let mut config = SimConfig { seed: Seed::Empty, ..SimConfig::default() };
    config.oauth.redirect_uris = vec![format!("{public}/auth/callback")];
    // Tokens that live two minutes: inside the five minutes before expiry in which shopsync refreshes, so every
    // command below refreshes first.
    config.oauth.expiring_token_lifetime_seconds = 120;
    let client_id = config.api_key.clone();
    let sim = Simulator::start(config).await.unwrap();
    let domain = sim.shop_domain().to_string();
    let dir = crate::initialised();

    let out = shopsync_run(dir.path(), &["shop", "connect", &domain, "--endpoint", sim.base_url()]).await;
    assert_eq!(out.status.code(), Some(3), "no public address yet: {}", stderr(&out));
    let mut set = shopsync(dir.path());
    set.args(["app", "set", "--client-id", &client_id, "--client-secret-stdin"]);
    let secret = sim.client_secret().expose_secret().to_string();
    let out = tokio::task::spawn_blocking(move || run_with_stdin(&mut set, &secret)).await.unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = shopsync_run(dir.path(), &["app", "set-url", &public]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let serve = Serve::start_at(dir.path(), &format!("127.0.0.1:{port}"));

    // shopsync's own HTTP client: rustls with ring, redirects not followed (the test reads each 302).
    let http = shopify_admin::http_client(shopify_admin::Timeouts::default()).unwrap();
    // Starts an installation and lets the simulator approve it: the callback URL Shopify sends the merchant to.
    let approved = || async {
        let args = ["shop", "connect", &domain, "--endpoint", sim.base_url(), "--json"];
        let out = shopsync_run(dir.path(), &args).await;
        assert!(out.status.success(), "{}", stderr(&out));
        let start: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert!(start["scopes"].as_array().unwrap().iter().any(|s| s == "read_orders"), "{start}");
        let answer = http.get(start["url"].as_str().unwrap()).send().await.unwrap();
        assert_eq!(answer.status(), 302, "the simulator approves at once");
        answer.headers()["location"].to_str().unwrap().to_string()
    };
    let callback = |query: &str| {
        let http = http.clone();
        let url = format!("{public}/auth/callback?{query}");
        async move {
            let answer = http.get(url).send().await.unwrap();
            (answer.status().as_u16(), answer.text().await.unwrap())
        }
    };
    // The same parameters with `name` set to `value`, re-signed with the app's secret: what only a holder of the
    // secret could send, so each refusal below comes from the check it names, not from the signature.
    let resigned = |location: &str, name: &str, value: &str| {
        let query = location.split_once('?').unwrap().1;
        let mut params: Vec<(String, String)> = parse_query(query).into_iter().filter(|(k, _)| k != "hmac").collect();
        params.iter_mut().filter(|(k, _)| k == name).for_each(|(_, v)| *v = value.to_string());
        let hmac = query_hmac_hex(&SecretString::from(sim.client_secret().expose_secret().to_string()), &params);
        params.push(("hmac".into(), hmac));
        url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&params).finish()
    };
    let shops = || async {
        let out = shopsync_run(dir.path(), &["shop", "list", "--json"]).await;
        serde_json::from_str::<serde_json::Value>(&stdout(&out)).unwrap().as_array().unwrap().len()
    };

    // A forged signature.
    let location = approved().await;
    let query = location.split_once('?').unwrap().1.to_string();
    let forged: String = {
        let mut params = parse_query(&query);
        for (key, value) in &mut params {
            if key == "hmac" {
                *value = "0".repeat(value.len());
            }
        }
        url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&params).finish()
    };
    let (status, body) = callback(&forged).await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("signature"), "{body}");
    // A timestamp from ten minutes ago, correctly signed.
    let old = (jiff::Timestamp::now().as_second() - 600).to_string();
    let stale = resigned(&approved().await, "timestamp", &old);
    let (status, body) = callback(&stale).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("90 s"), "{body}");
    // A state this installation never issued.
    let unknown = resigned(&approved().await, "state", &"f".repeat(48));
    let (status, body) = callback(&unknown).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("not belong to an installation started here"), "{body}");
    // Another shop than the one the installation was started for.
    let foreign = resigned(&approved().await, "shop", "someone-else.myshopify.com");
    let (status, body) = callback(&foreign).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("someone-else.myshopify.com"), "{body}");
    assert_eq!(shops().await, 0, "no refused callback connected anything");

    // The genuine callback connects the shop, once.
    let location = approved().await;
    let query = location.split_once('?').unwrap().1.to_string();
    let (status, body) = callback(&query).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("is connected") && body.contains("Every access scope"), "{body}");
    let (status, body) = callback(&query).await;
    assert_eq!(status, 400, "a callback replayed is refused: {body}");
    assert_eq!(shops().await, 1);
    let out = shopsync_run(dir.path(), &["shop", "check", &domain]).await;
    assert!(out.status.success(), "the token from the exchange works: {}{}", stdout(&out), stderr(&out));
    let out = shopsync_run(dir.path(), &["shop", "show", &domain, "--json"]).await;
    let shown = stdout(&out);
    assert!(shown.contains("read_orders"), "the granted scopes are recorded: {shown}");
    assert!(!shown.contains("shpat_") && !stdout(&out).contains("shpca_"), "no token is printed: {shown}");
    let expiry = |text: &str| {
        let shop: serde_json::Value = serde_json::from_str(text).unwrap();
        shop["access_token_expires_at"].as_str().map(String::from)
    };
    let first = expiry(&shown).unwrap_or_else(|| panic!("an expiring offline token was asked for: {shown}"));

    // Two processes refresh at once: both work, and the token stored after them works.
    let check = ["shop", "check", domain.as_str()];
    let (one, two) = tokio::join!(shopsync_run(dir.path(), &check), shopsync_run(dir.path(), &check));
    assert!(one.status.success() && two.status.success(), "{}{}", stderr(&one), stderr(&two));
    let out = shopsync_run(dir.path(), &["shop", "show", &domain, "--json"]).await;
    let second = expiry(&stdout(&out)).unwrap();
    assert!(second > first, "the token was refreshed before it expired: {first} then {second}");
    let out = shopsync_run(dir.path(), &["shop", "check", &domain]).await;
    assert!(out.status.success(), "the refreshed token works: {}", stderr(&out));

    // The app uninstalled: the refresh is refused and the shop needs access, with no retry storm.
    sim.control().uninstall_app();
    let out = shopsync_run(dir.path(), &["shop", "check", &domain]).await;
    assert!(!out.status.success(), "{}", stdout(&out));
    let out = shopsync_run(dir.path(), &["shop", "show", &domain, "--json"]).await;
    assert!(stdout(&out).contains("needs access"), "{}", stdout(&out));

    let (status, printed, err) = serve.stop().await;
    assert!(status.success(), "{printed}\n{err}");
    assert!(!printed.contains("shpat_") && !err.contains("shpat_"), "no token in serve's output");
}

/// Serve killed with SIGKILL in the middle of a burst of orders, Shopify's deliveries duplicated and out of order,
/// then started again: every acknowledged delivery is in the store, every order becomes exactly one sales order.
#[tokio::test(flavor = "multi_thread")]
async fn serve_killed_mid_burst_loses_no_acknowledged_delivery_and_imports_every_order_once() {
    use shopify_sim::order_ops::{AddressSpec, LineSpec, OrderSpec};
    let sim = Simulator::start(SimConfig { seed: Seed::Empty, ..SimConfig::default() }).await.unwrap();
    let dir = webhook_ready(&sim).await;
    let port = free_port();
    let out = shopsync_run(dir.path(), &["app", "set-url", &format!("http://127.0.0.1:{port}")]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    sim.control().set_webhook_config(WebhookConfig {
        duplicate_rate: 0.3,
        out_of_order_rate: 0.3,
        out_of_order_hold_ms: 50,
        // Retries keep coming while serve is down (Shopify's schedule, compressed).
        first_retry_delay_ms: 200,
        ..WebhookConfig::default()
    });
    let listen = format!("127.0.0.1:{port}");
    let mut serve = Serve::start_at(dir.path(), &listen);
    wait_until("serve subscribes the shop", || async { sim.control().webhook_subscriptions().len() >= 6 }).await;

    let order = |n: usize| OrderSpec {
        lines: vec![LineSpec {
            sku: Some(if n.is_multiple_of(2) { "HOOD-S" } else { "HOOD-M" }.into()),
            ..LineSpec::default()
        }],
        address: AddressSpec { country: Some("DE".into()), ..AddressSpec::default() },
        email: Some(format!("buyer{n}@example.com")),
        ..OrderSpec::default()
    };
    let mut ids = Vec::new();
    for n in 0..24 {
        ids.push(sim.control().create_order(&order(n)).unwrap().id);
        if n == 8 {
            // Mid-burst, mid-job: no chance to finish anything.
            std::process::Command::new("kill").args(["-KILL", &serve.child.id().to_string()]).status().unwrap();
            let _ = serve.child.wait();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    serve = Serve::start_at(dir.path(), &listen);

    let pool = db(dir.path()).await;
    wait_until("every order becomes a sales order", || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sales_orders").fetch_one(&pool).await.unwrap()
            == ids.len() as i64
    })
    .await;
    wait_until("every delivery is answered", || async {
        sim.control().deliveries().iter().all(|d| d.delivered_at.is_some())
    })
    .await;
    wait_until("every stored delivery is worked off after the restart", || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) - COUNT(processed_at) FROM webhook_events")
            .fetch_one(&pool)
            .await
            .unwrap()
            == 0
    })
    .await;
    let (status, printed, err) = serve.stop().await;
    assert!(status.success(), "{printed}\n{err}");

    for id in &ids {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sales_orders WHERE shopify_order_id = ?")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(count, 1, "{id} imported exactly once");
    }
    let stored: Vec<String> = sqlx::query_scalar("SELECT event_id FROM webhook_events").fetch_all(&pool).await.unwrap();
    for delivery in sim.control().deliveries() {
        assert!(stored.contains(&delivery.event_id), "acknowledged delivery {} is stored", delivery.event_id);
    }
    let unprocessed: i64 =
        sqlx::query_scalar("SELECT COUNT(*) - COUNT(processed_at) FROM webhook_events").fetch_one(&pool).await.unwrap();
    assert_eq!(unprocessed, 0, "every stored delivery was worked off after the restart");
}

/// The REST API's limits come from serve's flags: with `--api-rate 0.2 --api-burst 2` the third request in a row is
/// answered 429 (at the defaults, 20 a second after a burst of 40, it would not be), and `--api-max-body 1K`
/// refuses a body of a few kilobytes with 413. Values out of range are refused before anything starts.
#[tokio::test(flavor = "multi_thread")]
async fn serve_takes_the_api_limits_from_its_flags_and_refuses_values_out_of_range() {
    let dir = crate::initialised();
    let created = shopsync_run(dir.path(), &["api-token", "create", "erp", "--scope", "read,write"]).await;
    assert!(created.status.success(), "{}", stderr(&created));
    let token = stdout(&created).lines().find(|l| l.starts_with("ssk_")).expect("the token").trim().to_string();
    let http = shopify_admin::http_client(shopify_admin::Timeouts::default()).unwrap();

    let serve = Serve::start_with(dir.path(), "127.0.0.1:0", &["--workers", "0"]);
    let warehouses = format!("http://{}/api/v1/warehouses", serve.address);
    for _ in 0..5 {
        let answer = http.get(&warehouses).bearer_auth(&token).send().await.unwrap();
        assert_eq!(answer.status(), 200, "the default limits let five requests in a row through");
    }
    let (status, printed, err) = serve.stop().await;
    assert!(status.success(), "{printed}\n{err}");

    let limits = ["--workers", "0", "--api-rate", "0.2", "--api-burst", "2", "--api-max-body", "1K"];
    let serve = Serve::start_with(dir.path(), "127.0.0.1:0", &limits);
    let warehouses = format!("http://{}/api/v1/warehouses", serve.address);
    for _ in 0..2 {
        assert_eq!(http.get(&warehouses).bearer_auth(&token).send().await.unwrap().status(), 200);
    }
    let limited = http.get(&warehouses).bearer_auth(&token).send().await.unwrap();
    assert_eq!(limited.status(), 429, "the third request in a row is over a burst of 2");
    assert!(limited.headers().get("retry-after").is_some());
    let levels: Vec<serde_json::Value> =
        (0..100).map(|n| serde_json::json!({"warehouse": "MAIN", "sku": format!("SKU-{n}"), "quantity": n})).collect();
    // Another token, whose bucket is full, so only the body's size is at stake.
    let created = shopsync_run(dir.path(), &["api-token", "create", "wms", "--scope", "write"]).await;
    let writer = stdout(&created).lines().find(|l| l.starts_with("ssk_")).expect("the token").trim().to_string();
    let stock = format!("http://{}/api/v1/stock", serve.address);
    let answer = http.post(&stock).bearer_auth(&writer).json(&serde_json::json!({ "levels": levels })).send().await;
    assert_eq!(answer.unwrap().status(), 413);
    let (status, printed, err) = serve.stop().await;
    assert!(status.success(), "{printed}\n{err}");

    for (flag, value, said) in [
        ("--api-rate", "0", "API rate of 0"),
        ("--api-burst", "0", "API burst of 0"),
        ("--api-max-body", "10", "API body limit of 10 bytes"),
        ("--api-max-body", "lots", "'lots' is not a size"),
    ] {
        let out = shopsync_run(dir.path(), &["serve", "--no-listen", "--workers", "0", flag, value]).await;
        assert_eq!(out.status.code(), Some(2), "{flag} {value}: {}", stdout(&out));
        assert!(stderr(&out).contains(said), "{flag} {value}: {}", stderr(&out));
    }
    let help = shopsync_run(dir.path(), &["serve", "--help"]).await;
    for flag in ["--api-max-body", "--api-rate", "--api-burst"] {
        assert!(stdout(&help).contains(flag), "serve --help shows {flag}");
    }
}
