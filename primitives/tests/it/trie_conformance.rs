//! Merkle-Patricia trie roots against the official `ethereum-tests/TrieTests` vectors.
//!
//! Not run: `trietestnextprev.json`, which tests iteration (the next/previous key of a probe),
//! not roots; this layer computes roots only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::fs;

use primitive_types::{H160, H256};
use proptest::prelude::*;
use rewasm_primitives::{
    AccountLeaf, EMPTY_ROOT, keccak256, secure_trie_root, state_root, trie_root,
};
use serde_json::Value;

use common::hex;
use rewasm_test_support as common;

fn load(name: &str) -> serde_json::Map<String, Value> {
    common::load(&format!("ethereum-tests/TrieTests/{name}"))
}

/// A key or value in the vectors: "0x…" is hex, any other string its UTF-8 bytes, null the empty
/// value (deletion).
fn bytes(value: &Value) -> Vec<u8> {
    match value {
        Value::Null => Vec::new(),
        Value::String(s) => match s.strip_prefix("0x") {
            Some(h) => hex(h),
            None => s.as_bytes().to_vec(),
        },
        other => panic!("unexpected key/value {other}"),
    }
}

fn root(value: &Value) -> H256 {
    let text = value.as_str().unwrap();
    H256::from_slice(&hex(text.strip_prefix("0x").unwrap()))
}

/// Key/value pairs in the order given.
type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// The entries of a vector in their order: `in` is either an ordered list of `[key, value|null]`
/// (applied in order, so later entries overwrite or delete) or a map.
fn entries(input: &Value) -> Entries {
    match input {
        Value::Array(list) => list
            .iter()
            .map(|pair| {
                let pair = pair.as_array().unwrap();
                assert_eq!(pair.len(), 2);
                (bytes(&pair[0]), bytes(&pair[1]))
            })
            .collect(),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| (bytes(&Value::String(k.clone())), bytes(v)))
            .collect(),
        other => panic!("unexpected `in` {other}"),
    }
}

/// Runs every vector of `file` through `root_fn`, returns how many passed; panics listing failures.
fn run(file: &str, root_fn: fn(Entries) -> H256) -> usize {
    let tests = load(file);
    let mut failures = Vec::new();
    for (name, test) in &tests {
        let expected = root(&test["root"]);
        let got = root_fn(entries(&test["in"]));
        if got != expected {
            failures.push(format!("{file}/{name}: got {got:?}, expected {expected:?}"));
        }
    }
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
    tests.len()
}

fn plain(entries: Entries) -> H256 {
    trie_root(entries)
}

fn secure(entries: Entries) -> H256 {
    secure_trie_root(entries)
}

#[test]
fn trietest() {
    assert_eq!(run("trietest.json", plain), 5);
}

#[test]
fn trieanyorder() {
    assert_eq!(run("trieanyorder.json", plain), 7);
}

#[test]
fn trietest_secure() {
    assert_eq!(run("trietest_secureTrie.json", secure), 3);
}

#[test]
fn trieanyorder_secure() {
    assert_eq!(run("trieanyorder_secureTrie.json", secure), 7);
}

#[test]
fn hex_encoded_securetrie() {
    assert_eq!(run("hex_encoded_securetrie_test.json", secure), 3);
}

/// The hex-encoded secure-trie vectors are real state tries: address → account RLP. Decode every
/// value as an [`AccountLeaf`], check it re-encodes to the same bytes, and rebuild the root with
/// [`state_root`] from typed accounts.
#[test]
fn hex_encoded_securetrie_as_accounts() {
    let tests = load("hex_encoded_securetrie_test.json");
    let mut accounts_seen = 0;
    for (name, test) in &tests {
        assert_eq!(test["hexEncoded"], Value::Bool(true), "{name}");
        let mut accounts = Vec::new();
        for (address, rlp) in entries(&test["in"]) {
            let account = AccountLeaf::decode_rlp(&rlp)
                .unwrap_or_else(|e| panic!("{name}: account RLP: {e}"));
            assert_eq!(account.rlp(), rlp, "{name}: account re-encoding");
            accounts.push((H160::from_slice(&address), account));
        }
        accounts_seen += accounts.len();
        assert_eq!(state_root(accounts), root(&test["root"]), "{name}");
    }
    assert_eq!(tests.len(), 3);
    assert_eq!(accounts_seen, 5 + 3 + 4);
}

#[test]
fn every_file_is_accounted_for() {
    let mut files: Vec<String> = fs::read_dir(common::conformance("ethereum-tests/TrieTests"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "hex_encoded_securetrie_test.json",
            "trieanyorder.json",
            "trieanyorder_secureTrie.json",
            "trietest.json",
            "trietest_secureTrie.json",
            // Iteration (next/prev key), not roots: deliberately not run.
            "trietestnextprev.json",
        ]
    );
}

#[test]
fn secure_is_plain_over_hashed_keys() {
    let entries = [
        (&b"doe"[..], &b"reindeer"[..]),
        (b"dog", b"puppy"),
        (b"dogglesworth", b"cat"),
    ];
    assert_eq!(
        secure_trie_root(entries),
        trie_root(entries.map(|(k, v)| (keccak256(k).0, v)))
    );
}

fn distinct_entries() -> impl Strategy<Value = BTreeMap<Vec<u8>, Vec<u8>>> {
    // Short keys over a small alphabet so that shared prefixes, prefix keys and every node kind
    // occur; values long and short so nodes are both inlined and hashed.
    prop::collection::btree_map(
        prop::collection::vec(
            prop::sample::select(vec![0x00u8, 0x01, 0x10, 0x11, 0xab]),
            0..6,
        ),
        prop::collection::vec(any::<u8>(), 1..40),
        0..24,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn root_is_independent_of_insertion_order(
        shuffled in distinct_entries()
            .prop_flat_map(|map| Just(map.into_iter().collect::<Vec<_>>()).prop_shuffle())
    ) {
        let sorted: BTreeMap<_, _> = shuffled.iter().cloned().collect();
        prop_assert_eq!(trie_root(shuffled.clone()), trie_root(sorted.clone()));
        prop_assert_eq!(secure_trie_root(shuffled), secure_trie_root(sorted));
    }

    #[test]
    fn inserting_then_deleting_extra_keys_leaves_the_root(
        map in distinct_entries(),
        extra in distinct_entries(),
    ) {
        let extra: Vec<_> = extra.into_iter().filter(|(k, _)| !map.contains_key(k)).collect();
        let mut sequence: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        // Interleave: extras first, then the map, then delete the extras (empty value).
        sequence.extend(extra.iter().cloned());
        sequence.extend(map.iter().map(|(k, v)| (k.clone(), v.clone())));
        sequence.extend(extra.iter().map(|(k, _)| (k.clone(), Vec::new())));
        prop_assert_eq!(trie_root(sequence.clone()), trie_root(map.clone()));
        prop_assert_eq!(secure_trie_root(sequence), secure_trie_root(map.clone()));
        if map.is_empty() {
            prop_assert_eq!(trie_root(map), EMPTY_ROOT);
        }
    }
}
