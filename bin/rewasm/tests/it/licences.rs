//! Every dependency of the workspace must be under an OSI-approved licence or a public-domain
//! dedication (CC0-1.0, Unlicense, 0BSD), the project's licence policy.
//!
//! Runs `cargo metadata` (the resolved graph, all targets, build dependencies included) and
//! evaluates each package's SPDX expression: it passes when some choice of licences it offers is
//! entirely acceptable. A package that fails must be listed in `EXCEPTIONS` with its exact
//! version and the reason, so a new non-OSI dependency, or a new version of an excepted one, fails
//! this test until someone looks at it. In particular the BUSL-licensed wasmer ≥ 6 can never slip
//! in.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use crate::common;

use spdx::{Expression, LicenseItem, ParseMode};

/// (name, version, licence, why it is acceptable).
const EXCEPTIONS: &[(&str, &str, &str, &str)] = &[
    (
        "webpki-roots",
        "0.26.11",
        "CDLA-Permissive-2.0",
        "Mozilla CA certificate data; only in wasmer 5.0.6's build script (via ureq), never linked into rewasm",
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
];

/// Public-domain dedications the policy admits beside OSI-approved licences.
const PUBLIC_DOMAIN: [&str; 3] = ["CC0-1.0", "Unlicense", "0BSD"];

fn acceptable(licence: &str) -> bool {
    match Expression::parse_mode(licence, ParseMode::LAX) {
        Ok(expression) => expression.evaluate(|requirement| match &requirement.license {
            LicenseItem::Spdx { id, .. } => {
                id.is_osi_approved() || PUBLIC_DOMAIN.contains(&id.name)
            }
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
fn every_dependency_is_osi_licensed_or_public_domain() {
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
        if !acceptable(licence) && !excepted(name, version, licence) {
            offenders.push(format!("{name} {version}: {:?}", package["license"]));
        }
    }
    assert!(
        offenders.is_empty(),
        "dependencies under neither an OSI-approved licence nor a public-domain dedication:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_check_tells_the_admitted_from_the_rest() {
    assert!(acceptable("MIT OR Apache-2.0"));
    assert!(acceptable("MIT/Apache-2.0"));
    assert!(acceptable("Apache-2.0 WITH LLVM-exception"));
    assert!(acceptable("(MIT OR Apache-2.0) AND Unicode-3.0"));
    assert!(acceptable("Apache-2.0 OR GPL-2.0-only"));
    assert!(acceptable("CC0-1.0"));
    assert!(acceptable("Unlicense OR MIT"));
    assert!(acceptable("0BSD"));
    assert!(!acceptable("BUSL-1.1"));
    assert!(!acceptable("SSPL-1.0"));
    assert!(!acceptable("CDLA-Permissive-2.0"));
    assert!(!acceptable("MIT AND BUSL-1.1"));
    assert!(!acceptable(""));
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
