//! The eWASM GeneralStateTests in `../shared/conformance/ewasm-state-tests/filled`: every
//! Byzantium post entry must reproduce the reference VM's state root and logs hash.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use rewasm_statetest::{collect_tests, conformance_engine, report, run_file};

fn filled_dir() -> PathBuf {
    let shared = std::env::var_os("REWASM_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("../../shared"));
    shared.join("conformance/ewasm-state-tests/filled")
}

#[test]
fn every_ewasm_state_test_matches_the_reference_roots() {
    let engine = conformance_engine().unwrap();
    let files = collect_tests(&[filled_dir()]).unwrap();
    assert!(
        files.len() >= 170,
        "expected the 170 filled tests, found {}",
        files.len()
    );
    let mut verdicts = Vec::new();
    for file in &files {
        verdicts.extend(run_file(&engine, file).unwrap());
    }
    let mut text = Vec::new();
    let (passed, failed) = report(&verdicts, &mut text).unwrap();
    let failures: String = String::from_utf8_lossy(&text)
        .lines()
        .filter(|l| !l.starts_with("PASS"))
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(failed, 0, "{passed} passed, {failed} failed:\n{failures}");
    assert!(passed >= files.len());
}

/// The crate's directory, read when the program runs (cargo sets it for `cargo test` and
/// `cargo run`): a target folder shared between checkouts can hold a binary compiled in another
/// checkout, whose compile-time path would point there.
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}
