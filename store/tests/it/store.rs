//! The RocksDB store: commit and read back, persistence, schema check, storage reset, the state
//! root against `InMemoryState`, all-or-nothing block writes, the incremental trie's cost, and
//! reads at older state roots.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use std::collections::BTreeMap;

use primitive_types::{H160, H256, U256};
use proptest::prelude::*;
use rewasm_primitives::state::{
    AccountChange, BasicAccount, Bytecode, InMemoryState, State, StateChanges, StateRead,
};
use rewasm_store::{
    BlockWrite, META_SCHEMA_VERSION, SCHEMA_VERSION, Store, StoreError, TxWrite, cf,
};

fn addr(n: u8) -> H160 {
    H160::repeat_byte(n)
}

fn slot(n: u8) -> H256 {
    H256::from_low_u64_be(u64::from(n))
}

fn account(nonce: u64, balance: u64, code: &[u8]) -> BasicAccount {
    BasicAccount {
        nonce,
        balance: U256::from(balance),
        code: Bytecode::new(code),
    }
}

fn updated(account: BasicAccount, storage_reset: bool, slots: &[(u8, u8)]) -> AccountChange {
    AccountChange::Updated {
        account,
        storage_reset,
        storage: slots.iter().map(|&(k, v)| (slot(k), slot(v))).collect(),
    }
}

fn block(number: u64, changes: StateChanges) -> BlockWrite {
    BlockWrite {
        number,
        hash: H256::from_low_u64_be(0xb10c_0000 + number),
        header: format!("header {number}").into_bytes(),
        changes,
        transactions: vec![TxWrite {
            hash: H256::from_low_u64_be(0x7800_0000 + number),
            receipt: format!("receipt {number}").into_bytes(),
        }],
        logs: format!("logs {number}").into_bytes(),
        certificate: None,
    }
}

fn first_changes() -> StateChanges {
    let mut changes = StateChanges::new();
    changes.insert(addr(1), updated(account(1, 1000, b""), false, &[]));
    changes.insert(
        addr(2),
        updated(account(1, 5, b"\0asm contract"), false, &[(1, 10), (2, 20)]),
    );
    changes
}

#[test]
fn commit_and_read_back_then_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.head().unwrap(), None);
        store.commit_block(block(0, first_changes())).unwrap();

        assert_eq!(
            store.account(&addr(1)).unwrap(),
            Some(account(1, 1000, b""))
        );
        assert_eq!(
            store.account(&addr(2)).unwrap(),
            Some(account(1, 5, b"\0asm contract"))
        );
        assert_eq!(store.account(&addr(3)).unwrap(), None);
        assert_eq!(store.storage(&addr(2), &slot(1)).unwrap(), slot(10));
        assert_eq!(store.storage(&addr(2), &slot(3)).unwrap(), H256::zero());
        // The State view reads the same.
        let state = store.state();
        assert_eq!(state.basic(&addr(1)).unwrap(), Some(account(1, 1000, b"")));
        assert_eq!(state.storage(&addr(2), &slot(2)).unwrap(), slot(20));
        assert!(state.into_block_changes().is_empty());
    }
    // Reopen: everything persisted.
    let store = Store::open(dir.path()).unwrap();
    let hash0 = H256::from_low_u64_be(0xb10c_0000);
    assert_eq!(store.head().unwrap(), Some((0, hash0)));
    assert_eq!(store.block_header(0).unwrap(), Some(b"header 0".to_vec()));
    assert_eq!(store.block_number(&hash0).unwrap(), Some(0));
    let tx = H256::from_low_u64_be(0x7800_0000);
    assert_eq!(store.receipt(&tx).unwrap(), Some(b"receipt 0".to_vec()));
    assert_eq!(store.tx_location(&tx).unwrap(), Some((0, 0)));
    assert_eq!(store.block_logs(0).unwrap(), Some(b"logs 0".to_vec()));
    assert_eq!(
        store.account(&addr(2)).unwrap(),
        Some(account(1, 5, b"\0asm contract"))
    );
    assert_eq!(store.storage(&addr(2), &slot(2)).unwrap(), slot(20));

    let mut memory = InMemoryState::default();
    memory.commit(first_changes());
    assert_eq!(store.state_root().unwrap(), memory.state_root());
    assert_eq!(store.state_root_uncached().unwrap(), memory.state_root());

    // Blocks must extend the head.
    let err = store
        .commit_block(block(5, StateChanges::new()))
        .unwrap_err();
    assert!(matches!(
        err,
        StoreError::NotNextBlock {
            head: Some(0),
            number: 5
        }
    ));
}

#[test]
fn schema_version_mismatch_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path()).unwrap());
    {
        // Rewrite the version behind the store's back.
        let names = rocksdb::DB::list_cf(&rocksdb::Options::default(), dir.path()).unwrap();
        let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), dir.path(), names).unwrap();
        let meta = db.cf_handle(cf::META).unwrap();
        db.put_cf(
            meta,
            META_SCHEMA_VERSION,
            (SCHEMA_VERSION + 1).to_be_bytes(),
        )
        .unwrap();
    }
    let err = Store::open(dir.path()).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::SchemaMismatch { found, expected }
                if found == SCHEMA_VERSION + 1 && expected == SCHEMA_VERSION
        ),
        "{err:?}"
    );
    {
        // A corrupt (wrong-length) version is a typed error too, never a panic.
        let names = rocksdb::DB::list_cf(&rocksdb::Options::default(), dir.path()).unwrap();
        let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), dir.path(), names).unwrap();
        let meta = db.cf_handle(cf::META).unwrap();
        db.put_cf(meta, META_SCHEMA_VERSION, b"x").unwrap();
    }
    assert!(matches!(
        Store::open(dir.path()).unwrap_err(),
        StoreError::Corrupt { column: "meta", .. }
    ));
    {
        let names = rocksdb::DB::list_cf(&rocksdb::Options::default(), dir.path()).unwrap();
        let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), dir.path(), names).unwrap();
        let meta = db.cf_handle(cf::META).unwrap();
        db.delete_cf(meta, META_SCHEMA_VERSION).unwrap();
    }
    assert!(matches!(
        Store::open(dir.path()).unwrap_err(),
        StoreError::SchemaMissing
    ));
}

#[test]
fn a_foreign_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut options = rocksdb::Options::default();
        options.create_if_missing(true);
        let db = rocksdb::DB::open(&options, dir.path()).unwrap();
        db.put(b"k", b"v").unwrap();
    }
    assert!(matches!(
        Store::open(dir.path()).unwrap_err(),
        StoreError::MissingColumnFamily(_)
    ));
}

#[test]
fn corrupt_values_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        store.commit_block(block(0, first_changes())).unwrap();
    }
    {
        let names = rocksdb::DB::list_cf(&rocksdb::Options::default(), dir.path()).unwrap();
        let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), dir.path(), names).unwrap();
        db.put_cf(
            db.cf_handle(cf::ACCOUNTS).unwrap(),
            addr(1).as_bytes(),
            b"short",
        )
        .unwrap();
        let mut key = addr(2).as_bytes().to_vec();
        key.extend_from_slice(slot(1).as_bytes());
        db.put_cf(db.cf_handle(cf::STORAGE).unwrap(), key, b"not 32 bytes")
            .unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    assert!(matches!(
        store.account(&addr(1)).unwrap_err(),
        StoreError::Corrupt {
            column: "accounts",
            ..
        }
    ));
    assert!(matches!(
        store.storage(&addr(2), &slot(1)).unwrap_err(),
        StoreError::Corrupt {
            column: "storage",
            ..
        }
    ));
    // The head's root is one `meta` read and stays available; recomputing it from the flat
    // state meets the corrupt record.
    assert!(store.state_root().is_ok());
    assert!(store.state_root_uncached().is_err());
    // Through the State trait: a typed error naming the read, never "absent" or "zero".
    let state = store.state();
    let error = state.basic(&addr(1)).unwrap_err();
    assert_eq!(error.read, StateRead::Account(addr(1)));
    assert!(matches!(
        error.source_as::<StoreError>(),
        Some(StoreError::Corrupt {
            column: "accounts",
            ..
        })
    ));
    let error = state.storage(&addr(2), &slot(1)).unwrap_err();
    assert_eq!(
        error.read,
        StateRead::Storage {
            address: addr(2),
            key: slot(1)
        }
    );
    assert!(matches!(
        error.source_as::<StoreError>(),
        Some(StoreError::Corrupt {
            column: "storage",
            ..
        })
    ));
}

#[test]
fn storage_reset_clears_old_slots() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store.commit_block(block(0, first_changes())).unwrap();

    // Re-create account 2 with one new slot (and re-set slot 2 to a new value after the reset).
    let mut state = store.state();
    let mut changes = StateChanges::new();
    changes.insert(
        addr(2),
        updated(account(0, 0, b"new code"), true, &[(2, 99), (7, 70)]),
    );
    state.commit(changes.clone());
    // The overlay hides the old slots before the block is written.
    assert_eq!(state.storage(&addr(2), &slot(1)).unwrap(), H256::zero());
    assert_eq!(state.storage(&addr(2), &slot(2)).unwrap(), slot(99));
    let merged = state.into_block_changes();
    store.commit_block(block(1, merged)).unwrap();

    assert_eq!(store.storage(&addr(2), &slot(1)).unwrap(), H256::zero());
    assert_eq!(store.storage(&addr(2), &slot(2)).unwrap(), slot(99));
    assert_eq!(store.storage(&addr(2), &slot(7)).unwrap(), slot(70));
    let slots = store.storage_slots(&addr(2)).unwrap();
    assert_eq!(slots.len(), 2);

    // Deleting an account removes its slots too.
    let mut changes_del = StateChanges::new();
    changes_del.insert(addr(2), AccountChange::Deleted);
    store.commit_block(block(2, changes_del.clone())).unwrap();
    assert_eq!(store.account(&addr(2)).unwrap(), None);
    assert!(store.storage_slots(&addr(2)).unwrap().is_empty());

    let mut memory = InMemoryState::default();
    memory.commit(first_changes());
    memory.commit(changes);
    memory.commit(changes_del);
    assert_eq!(store.state_root().unwrap(), memory.state_root());
    assert_eq!(store.state_root_uncached().unwrap(), memory.state_root());
}

#[test]
fn transactions_of_a_block_see_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store.commit_block(block(0, first_changes())).unwrap();

    let mut state = store.state();
    let mut tx1 = StateChanges::new();
    tx1.insert(
        addr(2),
        updated(account(2, 5, b"\0asm contract"), false, &[(1, 11)]),
    );
    state.commit(tx1.clone());
    assert_eq!(state.storage(&addr(2), &slot(1)).unwrap(), slot(11));
    assert_eq!(state.storage(&addr(2), &slot(2)).unwrap(), slot(20)); // from disk
    assert_eq!(state.basic(&addr(2)).unwrap().unwrap().nonce, 2);
    // Not on disk yet.
    assert_eq!(store.storage(&addr(2), &slot(1)).unwrap(), slot(10));

    let mut tx2 = StateChanges::new();
    tx2.insert(addr(2), AccountChange::Deleted);
    state.commit(tx2.clone());
    assert_eq!(state.basic(&addr(2)).unwrap(), None);
    assert_eq!(state.storage(&addr(2), &slot(2)).unwrap(), H256::zero());

    let mut tx3 = StateChanges::new();
    tx3.insert(addr(2), updated(account(0, 1, b""), false, &[(3, 33)]));
    state.commit(tx3.clone());
    assert_eq!(state.storage(&addr(2), &slot(2)).unwrap(), H256::zero());
    assert_eq!(state.storage(&addr(2), &slot(3)).unwrap(), slot(33));

    let merged = state.into_block_changes();
    let expected_root = store.state_root_after(&merged).unwrap();
    store.commit_block(block(1, merged)).unwrap();

    let mut memory = InMemoryState::default();
    for changes in [first_changes(), tx1, tx2, tx3] {
        memory.commit(changes);
    }
    assert_eq!(expected_root, memory.state_root());
    assert_eq!(store.state_root().unwrap(), memory.state_root());
    assert_eq!(store.storage_slots(&addr(2)).unwrap().len(), 1);
}

/// A simulated block's root: `state_root_over` an older root gives the root committing the
/// same changes on that state gave, and over the head's root what `state_root_after` gives.
#[test]
fn roots_over_an_older_state_match_committed_ones() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store.commit_block(block(0, first_changes())).unwrap();
    let first_root = store.state_root().unwrap();
    let mut second = StateChanges::new();
    second.insert(
        addr(2),
        updated(account(3, 9, b"\0asm contract"), false, &[(1, 12), (4, 40)]),
    );
    second.insert(addr(7), updated(account(0, 70, b""), false, &[]));
    assert_eq!(
        store.state_root_over(first_root, &second).unwrap(),
        store.state_root_after(&second).unwrap()
    );
    store.commit_block(block(1, second.clone())).unwrap();
    let second_root = store.state_root().unwrap();
    assert_ne!(second_root, first_root);
    assert_eq!(
        store.state_root_over(first_root, &second).unwrap(),
        second_root,
        "the same changes over the older root, after the head moved on"
    );
    assert_eq!(
        store
            .state_root_over(first_root, &StateChanges::new())
            .unwrap(),
        first_root
    );
}

#[test]
fn an_unwritten_batch_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root_before;
    {
        let store = Store::open(dir.path()).unwrap();
        store.commit_block(block(0, first_changes())).unwrap();
        root_before = store.state_root().unwrap();

        let mut changes = StateChanges::new();
        changes.insert(addr(1), AccountChange::Deleted);
        changes.insert(addr(2), updated(account(9, 9, b""), true, &[(5, 5)]));
        changes.insert(
            addr(3),
            updated(account(1, 1, b"fresh code"), false, &[(1, 1)]),
        );
        let prepared = store.prepare_block(&block(1, changes)).unwrap();
        // The "crash": the batch is built but never written, and the DB goes away.
        drop(prepared);
    }
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(
        store.head().unwrap(),
        Some((0, H256::from_low_u64_be(0xb10c_0000)))
    );
    assert_eq!(store.block_header(1).unwrap(), None);
    assert_eq!(
        store
            .tx_location(&H256::from_low_u64_be(0x7800_0001))
            .unwrap(),
        None
    );
    assert_eq!(
        store.account(&addr(1)).unwrap(),
        Some(account(1, 1000, b""))
    );
    assert_eq!(store.account(&addr(3)).unwrap(), None);
    assert_eq!(store.storage(&addr(2), &slot(1)).unwrap(), slot(10));
    assert_eq!(store.state_root().unwrap(), root_before);

    // And the same block written afterwards is fully visible.
    let mut changes = StateChanges::new();
    changes.insert(
        addr(3),
        updated(account(1, 1, b"fresh code"), false, &[(1, 1)]),
    );
    store.commit_block(block(1, changes)).unwrap();
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.head().unwrap().map(|(n, _)| n), Some(1));
    assert_eq!(store.storage(&addr(3), &slot(1)).unwrap(), slot(1));
    assert_eq!(
        store.account(&addr(3)).unwrap(),
        Some(account(1, 1, b"fresh code"))
    );
}

#[test]
fn a_second_open_of_the_same_path_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let _store = Store::open(dir.path()).unwrap();
    assert!(matches!(
        Store::open(dir.path()).unwrap_err(),
        StoreError::Rocks(_)
    ));
}

// ---- schema ---------------------------------------------------------------------------------

#[test]
fn a_version_1_store_is_reported_as_such() {
    // Version 1 had `storage_roots` and no `trie_nodes`: the version is what gets reported.
    let dir = tempfile::tempdir().unwrap();
    {
        let mut options = rocksdb::Options::default();
        options.create_if_missing(true);
        options.create_missing_column_families(true);
        let v1 = [
            "accounts",
            "storage",
            "storage_roots",
            "code",
            "blocks",
            "block_hashes",
            "receipts",
            "tx_index",
            "logs",
            "meta",
        ];
        let db = rocksdb::DB::open_cf(&options, dir.path(), v1).unwrap();
        let meta = db.cf_handle(cf::META).unwrap();
        db.put_cf(meta, META_SCHEMA_VERSION, 1u32.to_be_bytes())
            .unwrap();
    }
    assert!(matches!(
        Store::open(dir.path()).unwrap_err(),
        StoreError::SchemaMismatch {
            found: 1,
            expected: 2
        }
    ));
}

// ---- cost of a block --------------------------------------------------------------------------

fn numbered(n: u32) -> H160 {
    let mut bytes = [0u8; 20];
    bytes[..4].copy_from_slice(&n.to_be_bytes());
    bytes[19] = 0xaa;
    H160(bytes)
}

/// A store holding `accounts` accounts, the first ten with 100 slots each.
fn big_store(dir: &std::path::Path, accounts: u32) -> (Store, InMemoryState) {
    let store = Store::open(dir).unwrap();
    let mut changes = StateChanges::new();
    for n in 0..accounts {
        let storage = if n < 10 {
            (1..=100u64)
                .map(|s| (H256::from_low_u64_be(s), H256::from_low_u64_be(s * 7)))
                .collect()
        } else {
            BTreeMap::new()
        };
        changes.insert(
            numbered(n),
            AccountChange::Updated {
                account: account(1, u64::from(n) + 1, b""),
                storage_reset: false,
                storage,
            },
        );
    }
    let mut memory = InMemoryState::default();
    memory.commit(changes.clone());
    store.commit_block(block(0, changes)).unwrap();
    (store, memory)
}

#[test]
fn a_one_account_block_reads_and_writes_o_depth_nodes() {
    let dir = tempfile::tempdir().unwrap();
    let (store, mut memory) = big_store(dir.path(), 5_000);
    assert_eq!(store.state_root().unwrap(), memory.state_root());

    // Account 3 (100 slots) gets a new balance, one slot changed and one cleared.
    let mut changes = StateChanges::new();
    changes.insert(
        numbered(3),
        AccountChange::Updated {
            account: account(2, 999, b""),
            storage_reset: false,
            storage: [
                (H256::from_low_u64_be(5), H256::from_low_u64_be(55)),
                (H256::from_low_u64_be(6), H256::zero()),
            ]
            .into_iter()
            .collect(),
        },
    );
    memory.commit(changes.clone());

    let reads_before = store.trie_node_reads();
    let prepared = store.prepare_block(&block(1, changes)).unwrap();
    let reads = store.trie_node_reads() - reads_before;
    // 5 000 random keys make the account trie about 4 levels deep and 100 slots the storage
    // trie about 3: two paths of the storage trie and one of the account trie, each at most a
    // handful of nodes (plus a sibling loaded when the cleared slot collapses a branch). A
    // rebuild would read every one of the thousands of nodes.
    assert!(
        reads <= 16,
        "{reads} trie nodes read for a one-account block"
    );
    assert!(
        prepared.trie_nodes_written() <= 12,
        "{} trie nodes written for a one-account block",
        prepared.trie_nodes_written()
    );
    assert_eq!(prepared.state_root(), memory.state_root());
    store.write_prepared(prepared).unwrap();

    // The head's root is read from `meta`: no trie node at all.
    let reads_before = store.trie_node_reads();
    assert_eq!(store.state_root().unwrap(), memory.state_root());
    assert_eq!(store.trie_node_reads(), reads_before);
    assert_eq!(store.state_root_uncached().unwrap(), memory.state_root());
}

// ---- historical reads ---------------------------------------------------------------------------

#[test]
fn earlier_states_stay_readable() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut roots = Vec::new();

    store.commit_block(block(0, first_changes())).unwrap();
    roots.push(store.state_root().unwrap());

    // Block 1: account 1 pays account 3; account 2's slot 1 changes, slot 2 is cleared.
    let mut changes = StateChanges::new();
    changes.insert(addr(1), updated(account(2, 900, b""), false, &[]));
    changes.insert(addr(3), updated(account(0, 100, b""), false, &[]));
    changes.insert(
        addr(2),
        updated(account(1, 5, b"\0asm contract"), false, &[(1, 11), (2, 0)]),
    );
    store.commit_block(block(1, changes)).unwrap();
    roots.push(store.state_root().unwrap());

    // Block 2: account 2 self-destructs, account 1 is re-created with fresh storage.
    let mut changes = StateChanges::new();
    changes.insert(addr(2), AccountChange::Deleted);
    changes.insert(addr(1), updated(account(0, 1, b"code 1"), true, &[(9, 9)]));
    store.commit_block(block(2, changes)).unwrap();
    roots.push(store.state_root().unwrap());
    drop(store);
    let store = Store::open(dir.path()).unwrap();

    let balance = |root, a| {
        store
            .account_at(root, &addr(a))
            .unwrap()
            .map(|account| account.balance.as_u64())
    };
    assert_eq!(
        roots.iter().map(|&r| balance(r, 1)).collect::<Vec<_>>(),
        [Some(1000), Some(900), Some(1)]
    );
    assert_eq!(
        roots.iter().map(|&r| balance(r, 3)).collect::<Vec<_>>(),
        [None, Some(100), Some(100)]
    );
    assert_eq!(
        store.account_at(roots[0], &addr(2)).unwrap(),
        Some(account(1, 5, b"\0asm contract"))
    );
    assert_eq!(store.account_at(roots[2], &addr(2)).unwrap(), None);
    assert_eq!(
        store.account_at(roots[2], &addr(1)).unwrap(),
        Some(account(0, 1, b"code 1"))
    );

    let slot_at = |root, a, s| store.storage_at(root, &addr(a), &slot(s)).unwrap();
    assert_eq!(
        [slot_at(roots[0], 2, 1), slot_at(roots[0], 2, 2)],
        [slot(10), slot(20)]
    );
    assert_eq!(
        [slot_at(roots[1], 2, 1), slot_at(roots[1], 2, 2)],
        [slot(11), H256::zero()]
    );
    assert_eq!(slot_at(roots[2], 2, 1), H256::zero());
    assert_eq!(slot_at(roots[2], 1, 9), slot(9));
    assert_eq!(slot_at(roots[1], 1, 9), H256::zero());

    // A State at an old root reads the same, commits into memory only, and reports no error.
    let mut state = store.state_at(roots[0]);
    assert_eq!(state.root(), roots[0]);
    assert_eq!(state.basic(&addr(1)).unwrap(), Some(account(1, 1000, b"")));
    assert_eq!(state.storage(&addr(2), &slot(2)).unwrap(), slot(20));
    let mut call = StateChanges::new();
    call.insert(
        addr(2),
        updated(account(2, 5, b"\0asm contract"), false, &[(1, 77)]),
    );
    state.commit(call);
    assert_eq!(state.storage(&addr(2), &slot(1)).unwrap(), slot(77));
    assert_eq!(state.storage(&addr(2), &slot(2)).unwrap(), slot(20));
    assert_eq!(state.into_changes().len(), 1);
    assert_eq!(store.storage(&addr(2), &slot(1)).unwrap(), H256::zero());
    assert_eq!(store.state_root().unwrap(), roots[2]);

    // A root the store never committed: a typed error, also through State.
    let unknown = H256::repeat_byte(0x42);
    assert!(matches!(
        store.account_at(unknown, &addr(1)).unwrap_err(),
        StoreError::MissingTrieNode { hash } if hash == unknown
    ));
    let state = store.state_at(unknown);
    let error = state.basic(&addr(1)).unwrap_err();
    assert_eq!(error.read, StateRead::Account(addr(1)));
    assert!(matches!(
        error.source_as::<StoreError>(),
        Some(StoreError::MissingTrieNode { hash }) if *hash == unknown
    ));
    let error = state.storage(&addr(1), &slot(1)).unwrap_err();
    assert!(matches!(
        error.source_as::<StoreError>(),
        Some(StoreError::MissingTrieNode { .. })
    ));
}

#[test]
fn a_corrupt_trie_node_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let root;
    {
        let store = Store::open(dir.path()).unwrap();
        store.commit_block(block(0, first_changes())).unwrap();
        root = store.state_root().unwrap();
    }
    {
        let names = rocksdb::DB::list_cf(&rocksdb::Options::default(), dir.path()).unwrap();
        let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), dir.path(), names).unwrap();
        db.put_cf(
            db.cf_handle(cf::TRIE_NODES).unwrap(),
            root.as_bytes(),
            b"\xc0",
        )
        .unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    assert!(matches!(
        store.account_at(root, &addr(1)).unwrap_err(),
        StoreError::Corrupt {
            column: "trie_nodes",
            ..
        }
    ));
    // The next block cannot be built over a damaged trie either.
    assert!(store.state_root_after(&first_changes()).is_err());
}

// ---- state root against InMemoryState -------------------------------------------------------

fn arb_change() -> impl Strategy<Value = AccountChange> {
    let codes: [&'static [u8]; 3] = [b"", b"code a", b"code b"];
    prop_oneof![
        1 => Just(AccountChange::Deleted),
        4 => (
            0u64..3,
            0u64..1000,
            0usize..3,
            prop::bool::weighted(0.2),
            prop::collection::btree_map(0u8..12, 0u8..4, 0..6),
        )
            .prop_map(move |(nonce, balance, code, reset, slots)| {
                AccountChange::Updated {
                    account: account(nonce, balance, codes[code]),
                    storage_reset: reset,
                    storage: slots
                        .into_iter()
                        .map(|(k, v)| (slot(k), slot(v)))
                        .collect::<BTreeMap<_, _>>(),
                }
            }),
    ]
}

fn arb_tx() -> impl Strategy<Value = StateChanges> {
    prop::collection::btree_map((0u8..8).prop_map(addr), arb_change(), 0..5)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn state_root_matches_in_memory(
        blocks in prop::collection::vec(prop::collection::vec(arb_tx(), 1..4), 1..7)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut memory = InMemoryState::default();
        let mut history = Vec::new();
        for (number, txs) in blocks.into_iter().enumerate() {
            let mut state = store.state();
            for tx in txs {
                state.commit(tx.clone());
                memory.commit(tx);
                // The overlay reads what the in-memory state reads.
                for a in 0u8..8 {
                    prop_assert_eq!(state.basic(&addr(a)).unwrap(), memory.basic(&addr(a)).unwrap());
                    for s in 0u8..12 {
                        prop_assert_eq!(
                            state.storage(&addr(a), &slot(s)).unwrap(),
                            memory.storage(&addr(a), &slot(s)).unwrap()
                        );
                    }
                }
            }
            let merged = state.into_block_changes();
            prop_assert_eq!(store.state_root_after(&merged).unwrap(), memory.state_root());
            store.commit_block(block(number as u64, merged)).unwrap();
            prop_assert_eq!(store.state_root().unwrap(), memory.state_root());
            prop_assert_eq!(store.state_root_uncached().unwrap(), memory.state_root());
            history.push((store.state_root().unwrap(), memory.clone()));
        }
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        prop_assert_eq!(store.state_root().unwrap(), memory.state_root());
        for a in 0u8..8 {
            prop_assert_eq!(store.account(&addr(a)).unwrap(), memory.basic(&addr(a)).unwrap());
            let expected = memory
                .accounts
                .get(&addr(a))
                .map(|account| account.storage.clone())
                .unwrap_or_default();
            prop_assert_eq!(store.storage_slots(&addr(a)).unwrap(), expected);
        }
        // Every earlier state reads back through the tries, directly and as a State.
        for (root, then) in &history {
            let view = store.state_at(*root);
            for a in 0u8..8 {
                prop_assert_eq!(store.account_at(*root, &addr(a)).unwrap(), then.basic(&addr(a)).unwrap());
                prop_assert_eq!(view.basic(&addr(a)).unwrap(), then.basic(&addr(a)).unwrap());
                for s in 0u8..12 {
                    let expected = then.storage(&addr(a), &slot(s)).unwrap();
                    prop_assert_eq!(store.storage_at(*root, &addr(a), &slot(s)).unwrap(), expected);
                    prop_assert_eq!(view.storage(&addr(a), &slot(s)).unwrap(), expected);
                }
            }
        }
    }
}

// ---- measurement ----------------------------------------------------------------------------

/// Prints the time to prepare and commit a one-account block on stores of 10 000 and 100 000
/// accounts (not asserted: timings depend on the machine). Run with
/// `cargo test --release -p rewasm-node --test store -- --ignored --nocapture`.
#[test]
#[ignore = "measurement; prints timings"]
fn measure_one_account_block() {
    for accounts in [10_000u32, 100_000] {
        let dir = tempfile::tempdir().unwrap();
        let started = std::time::Instant::now();
        let (store, mut memory) = big_store(dir.path(), accounts);
        let fill = started.elapsed();
        let mut samples = Vec::new();
        for number in 1..=20u64 {
            let mut changes = StateChanges::new();
            changes.insert(
                numbered(u32::try_from(number).unwrap() * 37),
                updated(account(2, number, b""), false, &[(1, 1)]),
            );
            memory.commit(changes.clone());
            let reads = store.trie_node_reads();
            let started = std::time::Instant::now();
            store.commit_block(block(number, changes)).unwrap();
            samples.push((started.elapsed(), store.trie_node_reads() - reads));
        }
        assert_eq!(store.state_root().unwrap(), memory.state_root());
        samples.sort();
        let (median, reads) = samples[samples.len() / 2];
        println!(
            "{accounts} accounts: filled in {fill:?}; 1-account block commit median {median:?} \
             (min {:?}, max {:?}), {reads} trie node reads",
            samples[0].0,
            samples[samples.len() - 1].0
        );
    }
}
