//! `rewasm verify`: replays every stored block from genesis into a fresh store and compares.
//!
//! A node's word on its head is only as good as this check: the replay re-executes each block's
//! transactions in the stored block's context with the same code that mined them, and every
//! header field, every receipt and the final state root must come out identical. It also
//! recomputes the head's state root from the flat account and storage columns, which proves the
//! incrementally maintained trie agrees with the state it summarises.

use std::path::Path;

use primitive_types::H256;
use rewasm_store::FileCheck;

use super::build::{self, BlockEnv, Mode};
use super::{Chain, ChainConfig, ChainError, ReceiptRecord};
use crate::genesis::Genesis;

/// What a successful replay covered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    /// Blocks replayed (the head's number; the genesis is rebuilt, not replayed).
    pub blocks: u64,
    /// Transactions re-executed.
    pub transactions: u64,
    /// Dev chain state edits applied ([`super::edit`]).
    pub edits: u64,
    /// The head's hash, equal in both stores.
    pub head_hash: H256,
    /// The state root (the head's, or after the head's state edits), equal in both stores and
    /// to the recomputation from flat state.
    pub state_root: H256,
    /// The store's table files, read through their checksums before the replay.
    pub files: FileCheck,
}

/// Where the stored chain and the replay part ways.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error(transparent)]
    Store(#[from] rewasm_store::StoreError),
    #[error("temporary store for the replay: {0}")]
    TempDir(#[from] std::io::Error),
    #[error("block {number}: stored {field} is {stored}, the replay gives {replayed}")]
    Mismatch {
        number: u64,
        field: String,
        stored: String,
        replayed: String,
    },
}

fn check<T: PartialEq + std::fmt::Debug>(
    number: u64,
    field: &str,
    stored: &T,
    replayed: &T,
) -> Result<(), VerifyError> {
    if stored == replayed {
        Ok(())
    } else {
        Err(VerifyError::Mismatch {
            number,
            field: field.to_string(),
            stored: format!("{stored:?}"),
            replayed: format!("{replayed:?}"),
        })
    }
}

/// Replays the chain in `datadir` (which no running node may hold open) from `genesis`.
pub fn verify(
    datadir: &Path,
    genesis: &Genesis,
    config: ChainConfig,
) -> Result<VerifyReport, VerifyError> {
    let stored = Chain::open(datadir, genesis, config.clone())?;
    let files = stored.store().check_files()?;
    let scratch = tempfile::tempdir()?;
    let replay = Chain::open(scratch.path(), genesis, config)?;
    check(
        0,
        "genesis hash",
        &stored.genesis_hash(),
        &replay.genesis_hash(),
    )?;

    let head = stored.head();
    let mut transactions = 0u64;
    let mut parent = replay.head().header.clone();
    let mut edits = 0u64;
    for number in 1..=head.header.number {
        edits += replay_edits(&stored, &replay, number - 1)?;
        let block = stored
            .block_by_number(number)?
            .ok_or(ChainError::MissingBlock(number))?;
        check(
            number,
            "base fee (EIP-1559 rule from the parent)",
            &block.header.base_fee_per_gas,
            &parent.next_base_fee(),
        )?;
        if block.header.timestamp <= parent.timestamp {
            return Err(VerifyError::Mismatch {
                number,
                field: "timestamp".to_string(),
                stored: block.header.timestamp.to_string(),
                replayed: format!("after the parent's {}", parent.timestamp),
            });
        }
        let candidates = block
            .transactions
            .iter()
            .cloned()
            .zip(block.raw_transactions.iter().cloned())
            .collect();
        let built = build::build_block(
            &replay,
            &BlockEnv::of(&block.header),
            candidates,
            Mode::Replay,
        )?;
        compare_headers(number, &block.header, &built.block.header)?;
        for (tx, receipt) in block.transactions.iter().zip(&built.receipts) {
            let stored_receipt = stored.receipt(&tx.hash)?;
            check(
                number,
                &format!("receipt of {:?}", tx.hash),
                &stored_receipt.map(without_explanation),
                &Some(without_explanation(receipt.clone())),
            )?;
        }
        transactions += block.transactions.len() as u64;
        parent = built.block.header.clone();
        replay.commit_built(built)?;
    }

    edits += replay_edits(&stored, &replay, head.header.number)?;

    let replayed_head = replay.head();
    check(
        head.header.number,
        "head hash",
        &head.hash,
        &replayed_head.hash,
    )?;
    // Without edits after the head, the state is the head's; with them, the state after them.
    let root = stored.store().state_root()?;
    check(
        head.header.number,
        "store state root",
        &replay.store().state_root()?,
        &root,
    )?;
    let flat = stored.store().state_root_uncached()?;
    check(
        head.header.number,
        "state root recomputed from flat state",
        &root,
        &flat,
    )?;
    Ok(VerifyReport {
        blocks: head.header.number,
        transactions,
        edits,
        head_hash: head.hash,
        state_root: root,
        files,
    })
}

/// A receipt without `failure`: the node's explanation of a failed frame is not part of the
/// chain, and a newer node may explain what an older one left unexplained (a refused deposit).
fn without_explanation(receipt: ReceiptRecord) -> ReceiptRecord {
    ReceiptRecord {
        failure: None,
        ..receipt
    }
}

/// Applies the state edits recorded after block `number` to the replay; how many.
fn replay_edits(stored: &Chain, replay: &Chain, number: u64) -> Result<u64, VerifyError> {
    let edits = stored.state_edits(number)?;
    for edit in &edits {
        replay.edit_state(edit)?;
    }
    Ok(edits.len() as u64)
}

fn compare_headers(
    number: u64,
    stored: &super::Header,
    replayed: &super::Header,
) -> Result<(), VerifyError> {
    check(
        number,
        "parent hash",
        &stored.parent_hash,
        &replayed.parent_hash,
    )?;
    check(
        number,
        "state root",
        &stored.state_root,
        &replayed.state_root,
    )?;
    check(
        number,
        "transactions root",
        &stored.transactions_root,
        &replayed.transactions_root,
    )?;
    check(
        number,
        "receipts root",
        &stored.receipts_root,
        &replayed.receipts_root,
    )?;
    check(
        number,
        "logs bloom",
        &stored.logs_bloom,
        &replayed.logs_bloom,
    )?;
    check(number, "gas used", &stored.gas_used, &replayed.gas_used)?;
    check(number, "header", stored, replayed)
}
