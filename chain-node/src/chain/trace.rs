//! Call traces of included transactions (`debug_traceTransaction`, `debug_traceBlockByNumber`,
//! `debug_traceBlockByHash`). A block is executed again, transaction by transaction, on the
//! state its parent left — with the dev chain's state edits recorded after the parent applied
//! first, as `rewasm verify` replays them — and the traced transactions run with every frame
//! recorded ([`rewasm_executor::trace`]). Bounded as `eth_call` is: one executor slot, and the
//! RPC time limit for the whole replay. Calls are traced by [`Chain::trace_call`] in
//! [`super::call`].

use std::time::Instant;

use primitive_types::H256;
use rewasm_executor::{
    CallFrame, DebugOutput, ExecutionOptions, HostFailure, State, TxError, execute_transaction_with,
};
use rewasm_vm::ArtifactPolicy;

use super::build::{BlockEnv, executable};
use super::call::CallError;
use super::{Block, Chain, ChainError};

/// A transaction's trace, and what its contracts printed (module `debug`, dev chains only).
#[derive(Clone, Debug)]
pub struct Traced {
    /// The transaction's hash.
    pub hash: H256,
    /// Its frames.
    pub trace: CallFrame,
    /// The lines its contracts printed.
    pub debug: DebugOutput,
}

impl Chain {
    /// The trace of the included transaction `hash`; `None` if no block holds it.
    pub fn trace_transaction(&self, hash: &H256) -> Result<Option<Traced>, CallError> {
        let Some(included) = self.transaction(hash)? else {
            return Ok(None);
        };
        let number = included.location.block_number;
        let block = self
            .block_by_number(number)?
            .ok_or(ChainError::MissingBlock(number))?;
        if block.hash != included.location.block_hash {
            return Err(changed());
        }
        let index = usize::try_from(included.location.index).unwrap_or(usize::MAX);
        let traced = self.trace_block_upto(&block, Some(index))?.pop();
        match traced {
            Some(traced) if traced.hash == *hash => Ok(Some(traced)),
            _ => Err(changed()),
        }
    }

    /// The traces of every transaction of block `number`, in order; `None` if there is no such
    /// block. The genesis has no parent to replay from: an error.
    pub fn trace_block(&self, number: u64) -> Result<Option<Vec<Traced>>, CallError> {
        let Some(block) = self.block_by_number(number)? else {
            return Ok(None);
        };
        self.trace_block_upto(&block, None).map(Some)
    }

    /// Replays `block` on its parent's state; the traces of its transaction at `only` (and
    /// the ones before it run untraced), or of all of them.
    fn trace_block_upto(
        &self,
        block: &Block,
        only: Option<usize>,
    ) -> Result<Vec<Traced>, CallError> {
        let number = block.header.number;
        let parent_number = number.checked_sub(1).ok_or_else(|| {
            CallError::Invalid("the genesis block has no parent state to trace from".to_string())
        })?;
        let parent = self
            .header_by_number(parent_number)?
            .ok_or(ChainError::MissingBlock(parent_number))?;
        if parent.hash() != block.header.parent_hash {
            return Err(changed());
        }
        let edits = self.state_edits(parent_number)?;
        let timeout = self.config.calls.timeout;
        self.bounded(|deadline| {
            let mut state = self.store().state_at(parent.state_root);
            for edit in &edits {
                let existing = state.basic(&edit.address()).map_err(HostFailure::State)?;
                state.commit(edit.changes_given(existing));
            }
            let env = BlockEnv::of(&block.header);
            let info = env.block_info();
            let hashes = |n: u64| self.block_hash_of(n);
            let last = only.unwrap_or(usize::MAX);
            let mut traces = Vec::new();
            for (index, tx) in block
                .transactions
                .iter()
                .enumerate()
                .take(last.saturating_add(1))
            {
                let left = deadline
                    .checked_duration_since(Instant::now())
                    .ok_or(CallError::Timeout(timeout))?;
                let traced = only.is_none_or(|only| only == index);
                let options = ExecutionOptions {
                    timeout: Some(left),
                    artifacts: ArtifactPolicy::MemoryOnly,
                    trace_calls: traced,
                    ..ExecutionOptions::default()
                };
                let executable = executable(tx, env.base_fee, self.chain_id())
                    .map_err(|rejection| stored_invalid(number, &tx.hash, &rejection.reason))?;
                let receipt = execute_transaction_with(
                    self.engine(),
                    &mut state,
                    &info,
                    &hashes,
                    &executable,
                    options,
                )
                .map_err(|error| match error {
                    TxError::Host(failure) => CallError::Host(failure),
                    TxError::Timeout(_) => CallError::Timeout(timeout),
                    other => stored_invalid(number, &tx.hash, &other.to_string()),
                })?;
                if let (true, Some(trace)) = (traced, receipt.trace) {
                    traces.push(Traced {
                        hash: tx.hash,
                        trace,
                        debug: receipt.debug,
                    });
                }
            }
            Ok(traces)
        })
    }
}

/// The chain moved under the trace (a dev chain's `evm_revert` or reset between its reads).
fn changed() -> CallError {
    CallError::Invalid("the chain changed while the trace was read; ask again".to_string())
}

/// A stored transaction the replay refuses: the store or the executor changed under the chain.
fn stored_invalid(number: u64, hash: &H256, reason: &str) -> CallError {
    CallError::Chain(ChainError::InvalidOnReplay {
        tx: *hash,
        reason: format!("block {number}: {reason}"),
    })
}
