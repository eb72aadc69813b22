use std::path::Path;

use secrecy::ExposeSecret;
use shopsync_core::secret::access_token_context;
use shopsync_core::{MasterKey, TokenCipher};
use shopsync_store::{ShopStore, SqliteStore};

use crate::{initialised, run, run_with_stdin, shopsync, stderr, stdout};

const TOKEN: &str = "shpat_0123456789abcdef0123456789abcdef";

fn add_shop(dir: &Path, domain: &str) -> std::process::Output {
    let domain = format!("--domain={domain}");
    run_with_stdin(shopsync(dir).args(["shop", "add", &domain, "--token-stdin"]), &format!("{TOKEN}\n"))
}

/// Every byte of every file in the data directory, as text.
fn all_files(dir: &Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        text.push_str(&String::from_utf8_lossy(&bytes));
    }
    text
}

#[test]
fn init_creates_a_private_key_file_and_never_replaces_it() {
    let dir = initialised();
    let key_path = dir.path().join("master.key");
    let key = std::fs::read_to_string(&key_path).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key_path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let again = run(shopsync(dir.path()).arg("init"));
    assert!(again.status.success());
    assert_eq!(std::fs::read_to_string(&key_path).unwrap(), key, "init must keep the existing key");
}

#[test]
fn commands_before_init_say_to_run_init() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(shopsync(dir.path()).args(["shop", "list"]));
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("shopsync init"), "{}", stderr(&out));
}

#[tokio::test]
async fn token_round_trips_through_the_store_encrypted() {
    let dir = initialised();
    let out = add_shop(dir.path(), "demo.myshopify.com");
    assert!(out.status.success(), "{}", stderr(&out));

    let store = SqliteStore::open(&dir.path().join("shopsync.db")).await.unwrap();
    let shop = store.shop("demo.myshopify.com").await.unwrap().unwrap();
    let sealed = shop.access_token.clone().unwrap();
    assert!(!sealed.contains(TOKEN));
    let key = MasterKey::parse(&std::fs::read_to_string(dir.path().join("master.key")).unwrap()).unwrap();
    let opened = TokenCipher::new(&key).open(&access_token_context(&shop.domain, None), &sealed).unwrap();
    assert_eq!(opened.expose_secret(), TOKEN);
    // With another key the token does not open: an error, not garbage.
    let other = TokenCipher::new(&MasterKey::generate());
    assert!(other.open(&access_token_context(&shop.domain, None), &sealed).is_err());
}

#[test]
fn the_plaintext_token_appears_nowhere() {
    let dir = initialised();
    let added = add_shop(dir.path(), "demo.myshopify.com");
    let shown = run(shopsync(dir.path()).args(["-v", "shop", "show", "demo.myshopify.com"]));
    let shown_json = run(shopsync(dir.path()).args(["shop", "show", "demo.myshopify.com", "--json"]));
    let listed = run(shopsync(dir.path()).args(["-v", "shop", "list", "--json"]));
    for out in [&added, &shown, &shown_json, &listed] {
        assert!(out.status.success(), "{}", stderr(out));
        assert!(!stdout(out).contains(TOKEN) && !stderr(out).contains(TOKEN), "token printed");
    }
    assert!(stdout(&shown).contains("present (encrypted at rest)"));
    assert!(stdout(&shown_json).contains("\"has_access_token\": true"));
    assert!(!all_files(dir.path()).contains(TOKEN), "token stored in clear");
}

#[test]
fn a_wrong_master_key_is_a_clear_setup_error() {
    let dir = initialised();
    let out = run_with_stdin(
        shopsync(dir.path()).env("SHOPSYNC_MASTER_KEY", "not a key").args([
            "shop",
            "add",
            "--domain",
            "demo.myshopify.com",
            "--token-stdin",
        ]),
        TOKEN,
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("SHOPSYNC_MASTER_KEY"), "{}", stderr(&out));
}

#[test]
fn a_key_that_does_not_open_the_stored_token_is_a_setup_error() {
    let dir = initialised();
    assert!(add_shop(dir.path(), "demo.myshopify.com").status.success());
    // Another data directory's key is a valid key, but not the one the token was sealed with.
    let other = initialised();
    let key = std::fs::read_to_string(other.path().join("master.key")).unwrap();
    let out =
        run(shopsync(dir.path()).env("SHOPSYNC_MASTER_KEY", key.trim()).args(["shop", "check", "demo.myshopify.com"]));
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}

#[test]
fn invalid_shop_domains_are_rejected() {
    let dir = initialised();
    for domain in ["evil.com", "x.myshopify.com.evil.com", "127.0.0.1", "-shop.myshopify.com", "a.b.myshopify.com"] {
        let out = add_shop(dir.path(), domain);
        assert_eq!(out.status.code(), Some(2), "{domain} was accepted");
        assert!(stderr(&out).contains("is not a Shopify shop domain"), "{}", stderr(&out));
    }
    let listed = run(shopsync(dir.path()).args(["shop", "list", "--json"]));
    assert_eq!(stdout(&listed).trim(), "[]");
}

#[test]
fn a_token_is_only_taken_from_standard_input() {
    let dir = initialised();
    let empty =
        run_with_stdin(shopsync(dir.path()).args(["shop", "add", "--domain", "a.myshopify.com", "--token-stdin"]), "");
    assert_eq!(empty.status.code(), Some(2));
    assert!(stderr(&empty).contains("no access token on standard input"));
    let no_flag = run(shopsync(dir.path()).args(["shop", "add", "--domain", "a.myshopify.com"]));
    assert_eq!(no_flag.status.code(), Some(2));
}

#[test]
fn settings_are_validated_and_kept_across_processes() {
    let dir = initialised();
    add_shop(dir.path(), "demo.myshopify.com");
    let set = run(shopsync(dir.path()).args(["shop", "set", "demo.myshopify.com", "order-countries", "nl,be"]));
    assert!(set.status.success(), "{}", stderr(&set));
    assert!(stdout(&set).contains("order-countries = NL,BE"));

    let bad = run(shopsync(dir.path()).args(["shop", "set", "demo.myshopify.com", "logging", "loud"]));
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("accepted: disabled, errors, all"), "{}", stderr(&bad));

    let unknown = run(shopsync(dir.path()).args(["shop", "set", "demo.myshopify.com", "turbo", "on"]));
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("there is no setting `turbo`"));

    // A new process reads what the previous one stored.
    let shown = run(shopsync(dir.path()).args(["shop", "show", "demo.myshopify.com", "--json"]));
    let json: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(json["settings"]["order_countries"]["only"], serde_json::json!(["NL", "BE"]));
    assert_eq!(json["settings"]["logging"], "errors_only");
}

#[test]
fn the_development_endpoint_is_marked_as_such() {
    let dir = initialised();
    let out = run_with_stdin(
        shopsync(dir.path()).args([
            "shop",
            "add",
            "--domain",
            "demo.myshopify.com",
            "--token-stdin",
            "--endpoint",
            "http://127.0.0.1:4000",
        ]),
        TOKEN,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let shown = stdout(&run(shopsync(dir.path()).args(["shop", "show", "demo.myshopify.com"])));
    assert!(shown.contains("http://127.0.0.1:4000  (development setting"), "{shown}");
    let bad = run(shopsync(dir.path()).args(["shop", "set-endpoint", "demo.myshopify.com", "ftp://x"]));
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn removing_a_shop_needs_confirmation() {
    let dir = initialised();
    add_shop(dir.path(), "demo.myshopify.com");
    let unconfirmed = run(shopsync(dir.path()).args(["shop", "remove", "demo.myshopify.com"]));
    assert_eq!(unconfirmed.status.code(), Some(2));
    let removed = run(shopsync(dir.path()).args(["shop", "remove", "demo.myshopify.com", "--yes"]));
    assert!(removed.status.success());
    let listed = run(shopsync(dir.path()).args(["shop", "list", "--json"]));
    assert_eq!(stdout(&listed).trim(), "[]");
}

#[test]
fn cursors_can_be_reset_to_a_date() {
    let dir = initialised();
    add_shop(dir.path(), "demo.myshopify.com");
    let out =
        run(shopsync(dir.path()).args(["shop", "reset-cursor", "demo.myshopify.com", "orders", "--to", "2026-03-01"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let cursors = run(shopsync(dir.path()).args(["shop", "cursors", "demo.myshopify.com", "--json"]));
    let json: serde_json::Value = serde_json::from_slice(&cursors.stdout).unwrap();
    assert_eq!(json[0]["updated_at"], "2026-03-01T00:00:00.000000Z");
    let bad = run(shopsync(dir.path()).args(["shop", "reset-cursor", "demo.myshopify.com", "planets"]));
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn the_simulator_only_pretends_to_be_a_shop_shopsync_could_connect_to() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(shopsync(dir.path()).args(["sim", "--shop-domain", "evil.com"]));
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stderr(&out).contains("`evil.com` is not a Shopify shop domain"), "{}", stderr(&out));
}

#[test]
fn a_refused_setting_value_says_what_is_wrong_in_it() {
    let dir = initialised();
    assert!(add_shop(dir.path(), "demo.myshopify.com").status.success());
    let set =
        |key: &str, value: &str| run(shopsync(dir.path()).args(["shop", "set", "demo.myshopify.com", key, value]));

    let out = set("schedule.orders", "every 1m");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("the shortest interval is 5 minutes"), "{}", stderr(&out));

    let out = set("order-countries", "NL,BE,XY,DE");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("`XY` is not an ISO 3166-1 alpha-2 country code"), "{}", stderr(&out));

    let out = set("order-countries", "NL,UK");
    assert!(stderr(&out).contains("the United Kingdom is GB"), "{}", stderr(&out));
}
