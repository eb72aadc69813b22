//! Rebuilds the store when a migration is added or changed: `sqlx::migrate!` embeds the migration files at compile
//! time, and without this a new file would be left out of an incremental build.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
