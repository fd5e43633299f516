//! Helpers shared by the conformance tests: where `../shared/conformance` is, and reading its
//! JSON vectors.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use serde_json::Value;

/// `$REWASM_SHARED/conformance/<relative>`; `REWASM_SHARED` defaults to the `shared/` folder
/// beside the repository (where CI puts it).
pub fn conformance(relative: &str) -> PathBuf {
    let shared = std::env::var_os("REWASM_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("../../shared"));
    shared.join("conformance").join(relative)
}

/// A JSON file of vectors, as its top-level object.
pub fn load(relative: &str) -> serde_json::Map<String, Value> {
    let path = conformance(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    match serde_json::from_str(&text).unwrap() {
        Value::Object(map) => map,
        other => panic!("{}: not an object: {other}", path.display()),
    }
}

/// Bytes of an even-length hex string without `0x`.
pub fn hex(text: &str) -> Vec<u8> {
    assert!(text.len().is_multiple_of(2), "odd hex {text:?}");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// The crate's directory, read when the program runs (cargo sets it for `cargo test` and
/// `cargo run`): a target folder shared between checkouts can hold a binary compiled in another
/// checkout, whose compile-time path would point there.
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}
