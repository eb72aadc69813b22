//! Secrets at rest, the data directory's permissions and what a database writer can and cannot do.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use secrecy::ExposeSecret;
use shopify_sim::{SimConfig, Simulator};
use shopsync_core::{MasterKey, TokenCipher};
use shopsync_store::{NewShop, ShopStore, SqliteStore};

use crate::{connected_to, initialised, run, run_async, run_with_stdin, shopsync, stderr, stdout};

const TOKEN: &str = "shpat_0123456789abcdef0123456789abcdef";

/// A listener on 127.0.0.1 that counts the connections made to it, standing in for a server that would collect
/// whatever token is sent to it.
async fn connection_counter() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (url, count)
}

/// Writes the shop's endpoint column the way someone with write access to the database file could.
async fn write_endpoint_column(dir: &Path, domain: &str, endpoint: &str) {
    let store = SqliteStore::open(&dir.join("shopsync.db")).await.unwrap();
    let shop = store.shop(domain).await.unwrap().unwrap();
    store.set_endpoint(shop.id, Some(endpoint)).await.unwrap();
    store.close().await;
}

/// Runs one SQL statement on the data directory's database, as any program with write access to it could.
async fn execute(dir: &Path, statement: &'static str) {
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(dir.join("shopsync.db"));
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    sqlx::query(statement).execute(&pool).await.unwrap();
    pool.close().await;
}

async fn sealed_token(dir: &Path, domain: &str) -> Option<String> {
    let store = SqliteStore::open(&dir.join("shopsync.db")).await.unwrap();
    let token = store.shop(domain).await.unwrap().unwrap().access_token;
    store.close().await;
    token
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endpoint_changed_in_the_database_gets_no_token() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = connected_to(&sim);
    let domain = sim.shop_domain().to_string();
    let (elsewhere, connections) = connection_counter().await;
    write_endpoint_column(dir.path(), &domain, &elsewhere).await;

    let mut check = shopsync(dir.path());
    check.args(["shop", "check", &domain]);
    let out = run_async(check).await;
    assert_eq!(out.status.code(), Some(3), "{}{}", stdout(&out), stderr(&out));
    let message = stderr(&out);
    assert!(
        message.contains("endpoint") && message.contains(&format!("set-token {domain} --token-stdin")),
        "{message}"
    );
    assert_eq!(connections.load(Ordering::SeqCst), 0, "a request went to the endpoint written in the database");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn set_endpoint_asks_for_the_token_again_and_then_the_shop_works_there() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = connected_to(&sim);
    let domain = sim.shop_domain().to_string();
    let token = sim.access_token().expose_secret().to_string();
    let url = sim.base_url().replace("127.0.0.1", "localhost");

    let out = run(shopsync(dir.path()).args(["shop", "set-endpoint", &domain, &url]));
    assert_eq!(out.status.code(), Some(2), "{}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains("--token-stdin"), "{}", stderr(&out));

    let out =
        run_with_stdin(shopsync(dir.path()).args(["shop", "set-endpoint", &domain, &url, "--token-stdin"]), &token);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut check = shopsync(dir.path());
    check.args(["shop", "check", &domain]);
    let out = run_async(check).await;
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_sealed_before_endpoints_were_bound_opens_once_for_its_endpoint_and_is_bound_to_it() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let dir = initialised();
    let domain = sim.shop_domain().to_string();
    // A database written by an earlier shopsync: the token sealed for the shop alone, and no key check.
    let key = MasterKey::parse(&std::fs::read_to_string(dir.path().join("master.key")).unwrap()).unwrap();
    let sealed = TokenCipher::new(&key).seal(&format!("access_token:{domain}"), &sim.access_token());
    {
        let store = SqliteStore::open(&dir.path().join("shopsync.db")).await.unwrap();
        let shop = NewShop {
            domain: domain.clone(),
            api_version: "2026-10".into(),
            endpoint: Some(sim.base_url().to_string()),
            access_token: Some(sealed),
        };
        store.add_shop(&shop).await.unwrap();
        store.close().await;
    }
    execute(dir.path(), "DELETE FROM installation WHERE name = 'key_check'").await;
    let mut check = shopsync(dir.path());
    check.args(["shop", "check", &domain]);
    let out = run_async(check).await;
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));

    let (elsewhere, connections) = connection_counter().await;
    write_endpoint_column(dir.path(), &domain, &elsewhere).await;
    let mut check = shopsync(dir.path());
    check.args(["shop", "check", &domain]);
    let out = run_async(check).await;
    assert_eq!(out.status.code(), Some(3), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(connections.load(Ordering::SeqCst), 0);
    sim.shutdown().await;
}

#[test]
fn a_wrong_master_key_is_refused_before_a_token_is_sealed_with_it() {
    let dir = initialised();
    let domain = "demo.myshopify.com";
    let add = run_with_stdin(shopsync(dir.path()).args(["shop", "add", "--domain", domain, "--token-stdin"]), TOKEN);
    assert!(add.status.success(), "{}", stderr(&add));
    let before = tokio::runtime::Runtime::new().unwrap().block_on(sealed_token(dir.path(), domain));

    let other = MasterKey::generate().to_hex();
    let out = run_with_stdin(
        shopsync(dir.path()).env("SHOPSYNC_MASTER_KEY", other.expose_secret()).args([
            "shop",
            "set-token",
            domain,
            "--token-stdin",
        ]),
        TOKEN,
    );
    assert_eq!(out.status.code(), Some(3), "{}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains("master key"), "{}", stderr(&out));
    let after = tokio::runtime::Runtime::new().unwrap().block_on(sealed_token(dir.path(), domain));
    assert_eq!(before, after, "the token was sealed again under the wrong key");

    let out = run_with_stdin(
        shopsync(dir.path()).env("SHOPSYNC_MASTER_KEY", other.expose_secret()).args([
            "shop",
            "add",
            "--domain",
            "second.myshopify.com",
            "--token-stdin",
        ]),
        TOKEN,
    );
    assert_eq!(out.status.code(), Some(3), "{}{}", stdout(&out), stderr(&out));
    let listed = run(shopsync(dir.path()).args(["shop", "list", "--json"]));
    assert!(!stdout(&listed).contains("second.myshopify.com"), "{}", stdout(&listed));
}

#[test]
fn a_wrong_master_key_is_refused_on_a_data_directory_without_shops() {
    let dir = initialised();
    let other = MasterKey::generate().to_hex();
    let out = run_with_stdin(
        shopsync(dir.path()).env("SHOPSYNC_MASTER_KEY", other.expose_secret()).args([
            "shop",
            "add",
            "--domain",
            "demo.myshopify.com",
            "--token-stdin",
        ]),
        TOKEN,
    );
    assert_eq!(out.status.code(), Some(3), "{}{}", stdout(&out), stderr(&out));
    // The right key still works.
    let out = run_with_stdin(
        shopsync(dir.path()).args(["shop", "add", "--domain", "demo.myshopify.com", "--token-stdin"]),
        TOKEN,
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(unix)]
#[test]
fn init_makes_an_existing_directory_and_the_database_private() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("data");
    std::fs::create_dir(&dir).unwrap();
    set_mode(&dir, 0o755);
    let out = run(shopsync(&dir).arg("init"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(mode(&dir), 0o700, "data directory");
    assert_eq!(mode(&dir.join("shopsync.db")), 0o600, "database");

    // A database an earlier version left readable by others is made private again.
    set_mode(&dir.join("shopsync.db"), 0o644);
    set_mode(&dir, 0o755);
    let out = run(shopsync(&dir).arg("init"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(mode(&dir), 0o700, "data directory");
    assert_eq!(mode(&dir.join("shopsync.db")), 0o600, "database");

    // Files SQLite makes next to the database while a command writes are private too.
    let out =
        run_with_stdin(shopsync(&dir).args(["shop", "add", "--domain", "demo.myshopify.com", "--token-stdin"]), TOKEN);
    assert!(out.status.success(), "{}", stderr(&out));
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(mode(&path) & 0o077, 0, "{} is open to others", path.display());
    }
}

#[cfg(unix)]
#[test]
fn a_key_file_others_can_read_is_refused_with_the_fix() {
    let dir = initialised();
    let key = dir.path().join("master.key");
    set_mode(&key, 0o644);
    let out = run_with_stdin(
        shopsync(dir.path()).args(["shop", "add", "--domain", "demo.myshopify.com", "--token-stdin"]),
        TOKEN,
    );
    assert_eq!(out.status.code(), Some(3), "{}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains(&format!("chmod 600 {}", key.display())), "{}", stderr(&out));
    let out = run(shopsync(dir.path()).arg("init"));
    assert_eq!(out.status.code(), Some(3), "init must not use it either: {}", stderr(&out));
    // The secret itself is never part of the message.
    let text = std::fs::read_to_string(&key).unwrap();
    assert!(!stderr(&out).contains(text.trim()));
}

/// Makes `dir` and what it holds read-only for whoever runs the binary: a copy on a read-only mount. As root
/// (who writes through any mode) the files are given to `nobody` and the binary runs as `nobody`.
#[cfg(unix)]
fn as_read_only_copy(dir: &Path, command: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    let root = runs_as_root();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if root {
            std::os::unix::fs::chown(&path, Some(65534), Some(65534)).unwrap();
        }
        set_mode(&path, 0o400);
    }
    if root {
        std::os::unix::fs::chown(dir, Some(65534), Some(65534)).unwrap();
        command.uid(65534).gid(65534);
    }
    set_mode(dir, 0o500);
}

/// Whether the tests run as root, read from the owner of a file this process creates.
#[cfg(unix)]
fn runs_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    let probe = tempfile::NamedTempFile::new().unwrap();
    probe.as_file().metadata().unwrap().uid() == 0
}

#[cfg(unix)]
#[test]
fn a_read_only_data_directory_serves_read_commands_and_says_why_a_write_cannot_run() {
    let parent = tempfile::tempdir().unwrap();
    // Others may pass through the parent, as through any mount point; the data directory itself stays private.
    set_mode(parent.path(), 0o755);
    let dir = parent.path().join("copy");
    let out = run(shopsync(&dir).arg("init"));
    assert!(out.status.success(), "{}", stderr(&out));
    let add =
        run_with_stdin(shopsync(&dir).args(["shop", "add", "--domain", "demo.myshopify.com", "--token-stdin"]), TOKEN);
    assert!(add.status.success(), "{}", stderr(&add));

    let before = files(&dir);
    // The user the copy is read as must be able to run shopsync: the build's directory may be private to root
    // (a checkout in a `mktemp -d` directory is 0700), so a copy of the binary goes next to the data.
    let binary = parent.path().join("shopsync");
    std::fs::copy(env!("CARGO_BIN_EXE_shopsync"), &binary).unwrap();
    set_mode(&binary, 0o755);
    let read_only = |args: &[&str]| {
        let mut command = std::process::Command::new(&binary);
        command.arg("--data-dir").arg(&dir).env_remove("SHOPSYNC_MASTER_KEY").env_remove("SHOPSYNC_DATA_DIR");
        as_read_only_copy(&dir, &mut command);
        run(command.args(args))
    };
    let listed = read_only(&["shop", "list"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert!(stdout(&listed).contains("demo.myshopify.com"), "{}", stdout(&listed));
    for args in [&["orders", "list", "--shop", "demo.myshopify.com"][..], &["log", "list"][..]] {
        let out = read_only(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
    let out = read_only(&["shop", "set", "demo.myshopify.com", "logging", "all"]);
    assert_eq!(out.status.code(), Some(1), "{}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains("read-only") && stderr(&out).contains("--data-dir"), "{}", stderr(&out));
    assert_eq!(files(&dir), before, "a file of the read-only copy changed");
    set_mode(&dir, 0o700);
}

/// Each file of `dir` with its contents.
fn files(dir: &Path) -> std::collections::BTreeMap<std::ffi::OsString, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| (e.file_name(), std::fs::read(e.path()).unwrap()))
        .collect()
}

#[test]
fn an_api_token_is_shown_once_and_only_its_hash_is_stored() {
    let dir = initialised();
    let created = run(shopsync(dir.path()).args(["api-token", "create", "erp", "--scope", "read,write"]));
    assert!(created.status.success(), "{}", stderr(&created));
    let text = stdout(&created);
    let token = text.lines().find(|l| l.starts_with("ssk_")).expect("the token is printed").trim().to_string();
    assert!(text.contains("not shown again"), "{text}");
    assert!(text.contains("read, write"), "{text}");

    let listed = run(shopsync(dir.path()).args(["api-token", "list"]));
    let listed = stdout(&listed);
    assert!(listed.contains("erp") && listed.contains("read,write"), "{listed}");
    let json = stdout(&run(shopsync(dir.path()).args(["api-token", "list", "--json"])));
    assert!(!listed.contains(&token) && !json.contains(&token), "the token is never shown again");
    assert!(!json.contains("secret_hash"), "{json}");
    // The database holds no trace of the secret part, only its hash.
    let database = std::fs::read(dir.path().join("shopsync.db")).unwrap();
    let wal = std::fs::read(dir.path().join("shopsync.db-wal")).unwrap_or_default();
    let secret = token.rsplit('_').next().unwrap().as_bytes();
    for bytes in [&database, &wal] {
        assert!(!bytes.windows(secret.len()).any(|w| w == secret), "the secret is stored in clear");
    }

    let again = run(shopsync(dir.path()).args(["api-token", "create", "erp", "--scope", "read"]));
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("exists already"), "{}", stderr(&again));
    let bad = run(shopsync(dir.path()).args(["api-token", "create", "wms", "--scope", "admin"]));
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("read or write"), "{}", stderr(&bad));

    let revoked = run(shopsync(dir.path()).args(["api-token", "revoke", "erp"]));
    assert!(revoked.status.success(), "{}", stderr(&revoked));
    let twice = run(shopsync(dir.path()).args(["api-token", "revoke", "erp"]));
    assert_eq!(twice.status.code(), Some(2));
    assert!(stderr(&twice).contains("api-token list"), "{}", stderr(&twice));
}
