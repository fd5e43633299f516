//! The store's per-block commit time as state grows: blocks of 1 and of 100 changed accounts
//! (about 50 ERC-20-sized transfers) committed on top of 1k to 1M existing accounts.

use std::collections::BTreeMap;
use std::time::Instant;

use primitive_types::{H160, H256, U256};
use rewasm_executor::{AccountChange, BasicAccount, Bytecode, StateChanges};
use rewasm_store::{BlockWrite, Store, TxWrite};
use serde::{Deserialize, Serialize};

use crate::timing::percentile;

/// One state size's figures.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ScalePoint {
    /// Accounts in state before the measured blocks.
    pub accounts: u64,
    /// Seconds to fill the store.
    pub fill_seconds: f64,
    /// Median commit of a block changing one account (balance + one storage slot), ms.
    pub one_account_ms: f64,
    /// Its 90th percentile, ms.
    pub one_account_p90_ms: f64,
    /// Median commit of a block changing 100 accounts, ms.
    pub hundred_accounts_ms: f64,
    /// Its 90th percentile, ms.
    pub hundred_accounts_p90_ms: f64,
    /// Trie nodes read by one 1-account block commit.
    pub trie_reads_one: u64,
    /// Bytes on disk after the measurements.
    pub disk_bytes: u64,
}

/// An address spread over the key space (keccak-ordered tries see random keys either way).
fn numbered(n: u64) -> H160 {
    let mut bytes = [0u8; 20];
    bytes[..8].copy_from_slice(&n.to_be_bytes());
    bytes[19] = 0xaa;
    H160(bytes)
}

fn eoa(nonce: u64, balance: u64) -> BasicAccount {
    BasicAccount {
        nonce,
        balance: U256::from(balance),
        code: Bytecode::default(),
    }
}

fn block(number: u64, changes: StateChanges, transactions: usize) -> BlockWrite {
    BlockWrite {
        number,
        hash: H256::from_low_u64_be(0xb10c_0000_0000 + number),
        header: vec![0u8; 508],
        changes,
        transactions: (0..transactions)
            .map(|i| TxWrite {
                hash: H256::from_low_u64_be((number << 20) + i as u64),
                receipt: vec![0u8; 250],
            })
            .collect(),
        logs: Vec::new(),
        certificate: None,
    }
}

fn dir_size(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| {
                    let p = e.path();
                    if p.is_dir() {
                        dir_size(&p)
                    } else {
                        e.metadata().map_or(0, |m| m.len())
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

/// Fills a fresh store in `dir` with `accounts` accounts (blocks of `chunk`), the first ten with
/// 100 storage slots each, then measures `samples` blocks of each kind.
pub fn measure_point(
    dir: &std::path::Path,
    accounts: u64,
    chunk: u64,
    samples: u32,
) -> anyhow::Result<ScalePoint> {
    let store = Store::open(dir)?;
    let started = Instant::now();
    let mut number = 0u64;
    let mut next = 0u64;
    while next < accounts {
        let end = (next + chunk).min(accounts);
        let mut changes = StateChanges::new();
        for n in next..end {
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
                    account: eoa(1, n + 1),
                    storage_reset: false,
                    storage,
                },
            );
        }
        store.commit_block(block(number, changes, 0))?;
        number += 1;
        next = end;
    }
    let fill_seconds = started.elapsed().as_secs_f64();
    let mut one = Vec::new();
    let mut reads = Vec::new();
    for s in 0..samples {
        let mut changes = StateChanges::new();
        let target = (u64::from(s) * 7919 + 13) % accounts.max(1);
        changes.insert(
            numbered(target),
            AccountChange::Updated {
                account: eoa(2 + u64::from(s), 5),
                storage_reset: false,
                storage: [(H256::from_low_u64_be(1), H256::from_low_u64_be(1))].into(),
            },
        );
        let before = store.trie_node_reads();
        let t = Instant::now();
        store.commit_block(block(number, changes, 1))?;
        one.push(t.elapsed().as_secs_f64() * 1e3);
        reads.push(store.trie_node_reads() - before);
        number += 1;
    }
    let mut hundred = Vec::new();
    for s in 0..samples {
        let mut changes = StateChanges::new();
        for k in 0..100u64 {
            let target = (u64::from(s) * 104_729 + k * 7_919 + 1) % accounts.max(1);
            changes.insert(
                numbered(target),
                AccountChange::Updated {
                    account: eoa(3 + u64::from(s), k + 9),
                    storage_reset: false,
                    storage: BTreeMap::new(),
                },
            );
        }
        let t = Instant::now();
        store.commit_block(block(number, changes, 50))?;
        hundred.push(t.elapsed().as_secs_f64() * 1e3);
        number += 1;
    }
    one.sort_by(f64::total_cmp);
    hundred.sort_by(f64::total_cmp);
    reads.sort_unstable();
    drop(store);
    Ok(ScalePoint {
        accounts,
        fill_seconds,
        one_account_ms: percentile(&one, 0.5),
        one_account_p90_ms: percentile(&one, 0.9),
        hundred_accounts_ms: percentile(&hundred, 0.5),
        hundred_accounts_p90_ms: percentile(&hundred, 0.9),
        trie_reads_one: reads.get(reads.len() / 2).copied().unwrap_or(0),
        disk_bytes: dir_size(dir),
    })
}
