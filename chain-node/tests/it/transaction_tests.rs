//! ethereum/tests `TransactionTests`: every vector decodes (or is rejected) as the Byzantium
//! expectation says.
//!
//! Each file holds one test: `rlp` (hex, sometimes deliberately not hex) and per-fork results;
//! a valid result has `hash` and `sender`, an invalid one is `{}`. We check `Byzantium` (the
//! latest fork these vectors carry; `Constantinople` is identical for every vector).
//!
//! The vectors were filled for mainnet, so an EIP-155 transaction is valid only with chain id 1.
//! That check is the node's (decoding reports the chain id and does not know the chain), so the
//! harness applies it: a vector decoding to `Some(chain_id) != Some(1)` counts as rejected.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use rewasm_node::tx::{self, SignedTransaction};

const MAINNET_CHAIN_ID: u64 = 1;

/// Vectors where these 2018 fillings (testeth) disagree with geth, which we follow. Each must fail
/// with a message starting as listed; any other failure fails the test.
/// - Nonce / gas limit wider than 64 bits: testeth accepted them; geth's `LegacyTx` decodes both
///   into `uint64` and rejects ("rlp: input string too long for uint64").
/// - `dataTx_bcValidBlockTestFrontier`: rejected by testeth for intrinsic gas above the gas limit
///   (a state/pool check, not decoding); it decodes fine.
const KNOWN_DEVIATIONS: &[&str] = &[
    "ttData/dataTx_bcValidBlockTestFrontier.json::dataTx_bcValidBlockTestFrontier: invalid vector accepted",
    "ttGasLimit/TransactionWithGasLimitxPriceOverflow.json::TransactionWithGasLimitxPriceOverflow: valid vector rejected: rlp: input string too long for uint64, decoding into LegacyTx.Gas",
    "ttNonce/TransactionWithHighNonce256.json::TransactionWithHighNonce256: valid vector rejected: rlp: input string too long for uint64, decoding into LegacyTx.Nonce",
];

fn shared_dir() -> PathBuf {
    std::env::var_os("REWASM_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("../../shared"))
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

fn decode_checked(rlp: &str) -> Result<SignedTransaction, String> {
    let hex = rlp.strip_prefix("0x").unwrap_or(rlp);
    let raw = hex::decode(hex).map_err(|e| format!("not hex: {e}"))?;
    let tx = tx::decode(&raw).map_err(|e| e.to_string())?;
    match tx.chain_id {
        Some(id) if id != MAINNET_CHAIN_ID => Err(format!("chain id {id}, not mainnet")),
        _ => Ok(tx),
    }
}

fn strip(hex: &str) -> String {
    hex.strip_prefix("0x").unwrap_or(hex).to_ascii_lowercase()
}

#[test]
fn ethereum_transaction_tests() {
    let root = shared_dir().join("conformance/ethereum-tests/TransactionTests");
    let mut files = Vec::new();
    json_files(&root, &mut files);
    let (mut valid, mut invalid, mut failures) = (0usize, 0usize, Vec::new());
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        for (name, test) in json.as_object().unwrap() {
            let rlp = test["rlp"].as_str().unwrap();
            let expect = test
                .get("Byzantium")
                .and_then(|v| v.as_object())
                .unwrap_or_else(|| panic!("{name}: no Byzantium result"));
            let got = decode_checked(rlp);
            let label = format!("{}::{name}", file.strip_prefix(&root).unwrap().display());
            match (expect.get("sender"), got) {
                (Some(sender), Ok(tx)) => {
                    valid += 1;
                    let hash = expect["hash"].as_str().unwrap();
                    if strip(sender.as_str().unwrap()) != hex::encode(tx.sender)
                        || strip(hash) != hex::encode(tx.hash)
                    {
                        failures.push(format!(
                            "{label}: got sender {:?} hash {:?}, want {sender} {hash}",
                            tx.sender, tx.hash
                        ));
                    }
                }
                (Some(_), Err(err)) => {
                    valid += 1;
                    failures.push(format!("{label}: valid vector rejected: {err}"));
                }
                (None, Ok(tx)) => {
                    invalid += 1;
                    failures.push(format!("{label}: invalid vector accepted: {tx:?}"));
                }
                (None, Err(_)) => invalid += 1,
            }
        }
    }
    let failures: Vec<_> = failures
        .into_iter()
        .filter(|f| !KNOWN_DEVIATIONS.iter().any(|k| f.starts_with(k)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(files.len(), 178, "vector files");
    assert_eq!((valid, invalid), (44, 134), "(valid, invalid) vectors");
}

/// The crate's directory, read when the program runs (cargo sets it for `cargo test` and
/// `cargo run`): a target folder shared between checkouts can hold a binary compiled in another
/// checkout, whose compile-time path would point there.
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}
