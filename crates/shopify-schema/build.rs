//! Deflates each version's schema into the build directory, so the crate embeds about 3 MB
//! instead of 17.6 MB of SDL: every binary that links the simulator carries them.

use std::path::PathBuf;

/// The versions in `schema/`, oldest first; `src/lib.rs` lists the same.
const VERSIONS: &[&str] = &["2025-10", "2026-01", "2026-04", "2026-07", "2026-10"];

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for version in VERSIONS {
        let source = manifest.join("schema").join(format!("admin-{version}.graphql"));
        println!("cargo:rerun-if-changed={}", source.display());
        let sdl = std::fs::read(&source).unwrap_or_else(|error| panic!("cannot read {}: {error}", source.display()));
        // Level 6 is zlib's default: level 9 saves 1 % more for twice the build time.
        let compressed = miniz_oxide::deflate::compress_to_vec(&sdl, 6);
        let target = out.join(format!("admin-{version}.graphql.deflate"));
        std::fs::write(&target, compressed)
            .unwrap_or_else(|error| panic!("cannot write {}: {error}", target.display()));
    }
}
