//! A hub on PostgreSQL through the real binary: the demo's whole run with `--database-url`, the move of a SQLite
//! hub with `db copy`, and the database commands. Each test gets a database of its own on the server at
//! `SHOPSYNC_TEST_POSTGRES_URL` (default postgres://postgres@127.0.0.1:5432/test, which `scripts/test` starts).

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::Connection;

use crate::demo::assert_orders_end_as_seeded;
use crate::{run, shopsync, stderr, stdout};

const SHOP: &str = "shopsync-demo.myshopify.com";

/// The server's address, naming a database that exists (tests create theirs next to it).
fn admin_url() -> String {
    std::env::var("SHOPSYNC_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A PostgreSQL database of its own for one test, dropped (with any connection left) when the guard goes.
pub struct FreshDatabase {
    name: String,
    pub url: String,
}

impl FreshDatabase {
    pub fn create() -> FreshDatabase {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!("shopsync_cli_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        admin(&[format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"), format!("CREATE DATABASE {name}")]);
        let admin = admin_url();
        let base = admin.rsplit_once('/').map(|(base, _)| base.to_string()).unwrap_or(admin.clone());
        FreshDatabase { url: format!("{base}/{name}"), name }
    }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        admin(&[format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)]);
    }
}

/// Runs statements one by one on the admin database, from a runtime of its own (callable from any test).
fn admin(statements: &[String]) {
    let statements = statements.to_vec();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let url = admin_url();
            let mut conn = sqlx::PgConnection::connect(&url)
                .await
                .unwrap_or_else(|err| panic!("PostgreSQL at {url} is needed (scripts/test starts one): {err}"));
            for statement in statements {
                sqlx::raw_sql(sqlx::AssertSqlSafe(statement)).execute(&mut conn).await.unwrap();
            }
        })
    })
    .join()
    .unwrap();
}

/// Runs the binary with `args` on `dir`, with the data in `db` when given; the output when it succeeded.
fn ok(dir: &Path, db: Option<&FreshDatabase>, args: &[&str]) -> String {
    let mut command = shopsync(dir);
    if let Some(db) = db {
        command.arg("--database-url").arg(&db.url);
    }
    let out = run(command.args(args));
    assert!(out.status.success(), "`shopsync {}` failed:\n{}\n{}", args.join(" "), stdout(&out), stderr(&out));
    stdout(&out)
}

#[test]
fn the_demo_runs_on_postgresql_and_every_order_ends_as_it_does_on_sqlite() {
    let db = FreshDatabase::create();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let text = ok(&data, Some(&db), &["demo", "--no-serve"]);
    assert!(text.contains("back office (PostgreSQL)"), "{text}");
    assert!(text.contains("0 throttled"), "{text}");

    // The data is in PostgreSQL: the directory only keeps the key.
    assert!(!data.join("shopsync.db").exists());
    let listed = ok(&data, Some(&db), &["orders", "list", "--shop", SHOP, "--limit", "100", "--json"]);
    assert_orders_end_as_seeded(listed.as_bytes());

    let status = ok(&data, Some(&db), &["db", "status"]);
    assert!(status.contains("PostgreSQL") && status.contains("0 to apply"), "{status}");
    let migrated = ok(&data, Some(&db), &["db", "migrate"]);
    assert!(migrated.contains("0 migrations applied now"), "{migrated}");

    // The SQLite backup command says what to use instead.
    let mut backup = shopsync(&data);
    let out = run(backup.arg("--database-url").arg(&db.url).args(["backup", "copy.db"]));
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("pg_dump"), "{}", stderr(&out));

    // A second demo into the same database is refused rather than mixing data.
    let mut again = shopsync(&data);
    let out = run(again.arg("--database-url").arg(&db.url).args(["demo", "--no-serve"]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("already holds a shopsync hub"), "{}", stderr(&out));
}

#[test]
fn a_sqlite_hub_copied_into_postgresql_reads_the_same_and_syncs_on() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    ok(&data, None, &["demo", "--no-serve"]);
    let db = FreshDatabase::create();

    let copied = ok(&data, None, &["db", "copy", "--to", &db.url]);
    assert!(copied.contains("every table's count and checksum match its source"), "{copied}");
    assert!(copied.contains("sales_orders"), "{copied}");

    // Every list a person or a script reads is the same on both backends.
    let reads: &[&[&str]] = &[
        &["shop", "list", "--json"],
        &["orders", "list", "--shop", SHOP, "--limit", "100", "--json"],
        &["orders", "show", "--shop", SHOP, "#1001", "--json"],
        &["customers", "list", "--json"],
        &["items", "list", "--json"],
        &["items", "errors", "--shop", SHOP, "--json"],
        &["shipments", "list", "--json"],
        &["jobs", "--shop", SHOP, "--json"],
        &["log", "list", "--shop", SHOP, "--limit", "500", "--json"],
        &["capture", "list", "--shop", SHOP, "--json"],
        &["templates", "list", "--json"],
    ];
    for args in reads {
        let on_sqlite = ok(&data, None, args);
        let on_postgres = ok(&data, Some(&db), args);
        assert_eq!(on_sqlite, on_postgres, "`shopsync {}` differs after the copy", args.join(" "));
    }

    // The copied hub goes on working: a setting changed on PostgreSQL is read back there, not in SQLite.
    ok(&data, Some(&db), &["shop", "set", SHOP, "order-countries", "all"]);
    let on_postgres = ok(&data, Some(&db), &["shop", "show", SHOP, "--json"]);
    assert!(on_postgres.contains("\"order_countries\": \"all\""), "{on_postgres}");
    let on_sqlite = ok(&data, None, &["shop", "show", SHOP, "--json"]);
    assert!(!on_sqlite.contains("\"order_countries\": \"all\""), "{on_sqlite}");

    // A copy into a database that holds a hub is refused, and changes nothing there.
    let mut again = shopsync(&data);
    let out = run(again.args(["db", "copy", "--to", &db.url]));
    assert!(!out.status.success());
    assert!(stderr(&out).contains("already holds shopsync data"), "{}", stderr(&out));
}
