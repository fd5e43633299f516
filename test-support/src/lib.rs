//! Helpers the crates' integration tests share: where `../shared/conformance` is, reading its
//! JSON vectors, and running one test of the calling test binary in a child process. Test code:
//! a failure panics with what went wrong.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

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

/// Re-runs this test binary for one ignored test, `child_test`, with `variable=value` in its
/// environment, and returns the rest of the line it printed after `marker`. Process-wide state
/// (wasmer's stack pool, resource limits, resident memory) is then the child's alone.
pub fn run_in_child(child_test: &str, variable: &str, value: &str, marker: &str) -> String {
    let exe = std::env::current_exe().unwrap();
    let output = std::process::Command::new(exe)
        .args([
            "--ignored",
            "--exact",
            child_test,
            "--nocapture",
            "--test-threads=1",
        ])
        .env(variable, value)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .find_map(|line| line.split_once(marker).map(|(_, rest)| rest.to_string()))
        .unwrap_or_else(|| panic!("no {marker:?} line in: {stdout}"))
}
