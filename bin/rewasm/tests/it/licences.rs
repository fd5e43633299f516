//! Every dependency of the workspace must be under an OSI-approved licence.
//!
//! Runs `cargo metadata` (the resolved graph, all targets, build dependencies included) and
//! evaluates each package's SPDX expression: it passes when some choice of licences it offers is
//! entirely OSI-approved. A package that fails must be listed in `EXCEPTIONS` with its exact
//! version and the reason, so a new non-OSI dependency, or a new version of an excepted one, fails
//! this test until someone looks at it. In particular the BUSL-licensed wasmer ≥ 6 can never slip
//! in.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use crate::common;

use spdx::{Expression, LicenseItem, ParseMode};

/// (name, version, licence, why it is acceptable).
const EXCEPTIONS: &[(&str, &str, &str, &str)] = &[
    (
        "more-asserts",
        "0.2.2",
        "CC0-1.0",
        "public-domain dedication (FSF-free, not OSI-reviewed); a mandatory dependency of the pinned wasmer 5.0.6",
    ),
    (
        "webpki-roots",
        "0.26.11",
        "CDLA-Permissive-2.0",
        "Mozilla CA certificate data; only in wasmer 5.0.6's build script (via ureq), never linked into rewasm",
    ),
    (
        "secp256k1",
        "0.27.0",
        "CC0-1.0",
        "optional dependency of bip32 (feature secp256k1-ffi), listed by cargo metadata but not enabled and never built (`cargo tree -i secp256k1` is empty)",
    ),
    (
        "secp256k1-sys",
        "0.8.2",
        "CC0-1.0",
        "as above, under secp256k1",
    ),
    (
        "webpki-roots",
        "1.0.10",
        "CDLA-Permissive-2.0",
        "as above (0.26 re-exports 1.0)",
    ),
    (
        "webpki-root-certs",
        "0.26.11",
        "CDLA-Permissive-2.0",
        "Mozilla CA certificate data for jsonrpsee's client TLS (rustls-platform-verifier), only on targets without a platform verifier; not built on Linux (`cargo tree -i webpki-root-certs` is empty without --target all)",
    ),
    (
        "webpki-root-certs",
        "1.0.11",
        "CDLA-Permissive-2.0",
        "as above (0.26 re-exports 1.0)",
    ),
    (
        "aurora-engine-modexp",
        "1.3.0",
        "CC0-1.0",
        "public-domain dedication; a mandatory dependency of revm-precompile, linked only into the rewasm-bench binary (revm is the benchmark peer), never into the node",
    ),
    (
        "secp256k1",
        "0.31.1",
        "CC0-1.0",
        "optional dependency of revm-precompile (feature secp256k1, off): listed by cargo metadata, never built (`cargo tree -i secp256k1 --target all` is empty)",
    ),
    (
        "secp256k1-sys",
        "0.11.0",
        "CC0-1.0",
        "as above, under revm-precompile's off secp256k1 feature",
    ),
    (
        "bitcoin_hashes",
        "0.14.101",
        "CC0-1.0",
        "as above, under revm-precompile's off secp256k1 feature",
    ),
    (
        "bitcoin-io",
        "0.1.101",
        "CC0-1.0",
        "as above, under revm-precompile's off secp256k1 feature",
    ),
    (
        "bitcoin-internals",
        "0.7.0",
        "CC0-1.0",
        "as above, under revm-precompile's off secp256k1 feature",
    ),
    (
        "bitcoin-consensus-encoding",
        "1.3.0",
        "CC0-1.0",
        "as above, under revm-precompile's off secp256k1 feature",
    ),
    (
        "hex-conservative",
        "0.2.3",
        "CC0-1.0",
        "as above, under revm-precompile's off secp256k1 feature",
    ),
    (
        "hex-conservative",
        "1.3.0",
        "CC0-1.0",
        "as above, under revm-precompile's off secp256k1 feature",
    ),
];

fn osi_approved(licence: &str) -> bool {
    match Expression::parse_mode(licence, ParseMode::LAX) {
        Ok(expression) => expression.evaluate(|requirement| match &requirement.license {
            LicenseItem::Spdx { id, .. } => id.is_osi_approved(),
            LicenseItem::Other { .. } => false,
        }),
        Err(_) => false,
    }
}

fn excepted(name: &str, version: &str, licence: &str) -> bool {
    EXCEPTIONS
        .iter()
        .any(|&(n, v, l, _)| n == name && v == version && l == licence)
}

#[test]
fn every_dependency_is_osi_licensed() {
    let metadata = common::cargo_metadata();
    let packages = metadata["packages"].as_array().expect("packages");
    assert!(
        packages.len() > 100,
        "suspiciously few packages: {}",
        packages.len()
    );

    let mut offenders = Vec::new();
    for package in packages {
        let name = package["name"].as_str().unwrap_or("?");
        let version = package["version"].as_str().unwrap_or("?");
        let licence = package["license"].as_str().unwrap_or("");
        if !osi_approved(licence) && !excepted(name, version, licence) {
            offenders.push(format!("{name} {version}: {:?}", package["license"]));
        }
    }
    assert!(
        offenders.is_empty(),
        "dependencies without an OSI-approved licence:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_check_tells_osi_from_non_osi() {
    assert!(osi_approved("MIT OR Apache-2.0"));
    assert!(osi_approved("MIT/Apache-2.0"));
    assert!(osi_approved("Apache-2.0 WITH LLVM-exception"));
    assert!(osi_approved("(MIT OR Apache-2.0) AND Unicode-3.0"));
    assert!(osi_approved("Apache-2.0 OR GPL-2.0-only"));
    assert!(!osi_approved("BUSL-1.1"));
    assert!(!osi_approved("CC0-1.0"));
    assert!(!osi_approved("MIT AND BUSL-1.1"));
    assert!(!osi_approved(""));
}

#[test]
fn wasmer_is_the_mit_release() {
    let lock = std::fs::read_to_string(common::manifest_dir().join("../../Cargo.lock"))
        .expect("Cargo.lock");
    assert!(
        lock.contains("name = \"wasmer\"\nversion = \"5.0.6\""),
        "wasmer must stay pinned at 5.0.6"
    );
}
