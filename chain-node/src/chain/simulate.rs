//! `eth_simulateV1`: calls run in a sequence of simulated blocks on top of a block's state, each
//! block with its own block and state overrides, nothing stored. It is geth's simulation
//! (`internal/ethapi/simulate.go`), which wallets and viem's `simulateBlocks` use to preview
//! transactions that depend on each other.
//!
//! The rules, as geth's:
//! - at most [`MAX_SIMULATED_BLOCKS`] blocks, counting the empty blocks that fill a gap between
//!   requested numbers (the answer lists them too), and [`MAX_SIMULATED_CALLS`] calls (beyond
//!   geth, whose only bound is the gas cap: with the cap off, a request of empty calls would
//!   otherwise hold the node's memory and an executor for as long as it lasts);
//! - a block's number defaults to its parent's plus one and its time to its parent's plus
//!   [`TIME_INCREMENT`] seconds; numbers and times must increase;
//! - without `validation` a block's base fee is zero unless overridden, and a call needs
//!   neither the right nonce nor a fee (as `eth_call`); with it, the base fee follows EIP-1559
//!   from the parent, a given nonce must be the sender's and the price must cover the base fee;
//! - a call without gas gets what its block has left; the calls of a block use at most its gas
//!   limit, and all calls together at most the node's gas cap;
//! - a call that reverts or fails is a result (status 0 and its error); a call that is invalid
//!   as a transaction fails the request with the specification's code (`-38010` to `-38015`);
//! - each block is sealed as a real one: the calls as unsigned transactions (sender `from`, zero
//!   signature) under the transactions root, their receipts under the receipts root, the logs
//!   bloom, and the state root after its calls.
//!
//! The whole simulation runs on one executor within one call deadline (`--rpc.evmtimeout`).

use std::time::Instant;

use primitive_types::{H160, H256, U256};
use rewasm_eei::CallStatus;
use rewasm_executor::{
    ExecutionOptions, HostFailure, Receipt, State, StateError, Transaction, TxError,
    execute_transaction_with,
};
use rewasm_primitives::LogEntry;
use rewasm_store::StateAt;
use rewasm_vm::ArtifactPolicy;

use super::block::Block;
use super::build::{BlockEnv, seal_header};
use super::call::{CallError, CallRequest};
use super::header::Header;
use super::overrides::{self, BlockOverrides, StateOverrides};
use super::receipt::ReceiptRecord;
use super::{Chain, ChainError};
use crate::tx::{self, SignedTransaction, TxKind, TxSignature, UnsignedTransaction};

/// Most blocks one simulation runs (geth's limit, as far back as `BLOCKHASH` reaches).
pub const MAX_SIMULATED_BLOCKS: usize = 256;
/// Most calls one simulation runs, all blocks together.
pub const MAX_SIMULATED_CALLS: usize = 1000;
/// Seconds between simulated blocks whose time is not given (geth's increment).
pub const TIME_INCREMENT: u64 = 12;

/// What `eth_simulateV1` asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimulateRequest {
    pub blocks: Vec<BlockRequest>,
    /// Check nonces and fees as a block would.
    pub validation: bool,
}

/// One block to simulate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockRequest {
    pub block: BlockOverrides,
    /// Applied before the block's calls.
    pub state: StateOverrides,
    pub calls: Vec<SimulatedCall>,
}

/// One call of a simulated block.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimulatedCall {
    /// The call (its `overrides` are not used: a block's apply to all its calls).
    pub request: CallRequest,
    /// Checked against the sender's under `validation`.
    pub nonce: Option<u64>,
}

/// A simulated block and what each of its calls did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimulatedBlock {
    pub block: Block,
    pub calls: Vec<CallResult>,
}

/// What one call did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallResult {
    pub status: CallStatus,
    /// Return data, or revert data.
    pub output: Vec<u8>,
    pub gas_used: u64,
    pub logs: Vec<LogEntry>,
    /// The index in its block of its first log.
    pub first_log_index: u64,
    /// Why it failed, for a failure.
    pub failure: Option<String>,
}

/// Why a simulation has no result. Codes are the specification's ([`SimulateError::code`]).
#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    #[error("too many blocks: at most {MAX_SIMULATED_BLOCKS}, gaps included")]
    TooManyBlocks,
    #[error("too many calls: at most {MAX_SIMULATED_CALLS} in all blocks together")]
    TooManyCalls,
    #[error("block numbers must be in order: {number} <= {parent}")]
    NumberOrder { number: u64, parent: u64 },
    #[error("block timestamps must be in order: {time} <= {parent}")]
    TimeOrder { time: u64, parent: u64 },
    #[error("block {block}, call {index}: {reason}")]
    InvalidCall {
        block: u64,
        index: usize,
        reason: InvalidCall,
    },
    #[error(transparent)]
    Call(#[from] CallError),
}

/// A call that is not a valid transaction in its block.
#[derive(Debug, thiserror::Error)]
pub enum InvalidCall {
    #[error("nonce too low: next nonce {expected}, tx nonce {got}")]
    NonceTooLow { expected: u64, got: u64 },
    #[error("nonce too high: next nonce {expected}, tx nonce {got}")]
    NonceTooHigh { expected: u64, got: u64 },
    #[error("max fee per gas less than block base fee: maxFeePerGas: {price}, baseFee: {base_fee}")]
    FeeBelowBaseFee { price: U256, base_fee: U256 },
    #[error("intrinsic gas too low: gas {limit}, minimum needed {needed}")]
    IntrinsicGas { limit: u64, needed: u64 },
    #[error(
        "insufficient funds for gas * price + value: address {address:?} have {have} want {need}"
    )]
    InsufficientFunds {
        address: H160,
        have: U256,
        need: U256,
    },
    #[error("insufficient funds for gas * price + value: the cost overflows 256 bits")]
    CostOverflow,
    #[error("block gas limit reached: the call asks for {wanted} gas, the block has {left} left")]
    BlockGasLimit { wanted: u64, left: u64 },
    #[error(
        "the simulation's calls have used all the gas the node allows a call (--rpc.gascap {cap})"
    )]
    GasCapReached { cap: u64 },
}

impl SimulateError {
    /// The JSON-RPC error code the specification gives (`eth_simulateV1`'s errors).
    pub fn code(&self) -> Option<i32> {
        match self {
            Self::TooManyBlocks | Self::TooManyCalls => Some(-38026),
            Self::NumberOrder { .. } => Some(-38020),
            Self::TimeOrder { .. } => Some(-38021),
            Self::InvalidCall { reason, .. } => Some(match reason {
                InvalidCall::NonceTooLow { .. } => -38010,
                InvalidCall::NonceTooHigh { .. } => -38011,
                InvalidCall::FeeBelowBaseFee { .. } => -38012,
                InvalidCall::IntrinsicGas { .. } => -38013,
                InvalidCall::InsufficientFunds { .. } | InvalidCall::CostOverflow => -38014,
                InvalidCall::BlockGasLimit { .. } | InvalidCall::GasCapReached { .. } => -38015,
            }),
            Self::Call(_) => None,
        }
    }
}

/// A block to run: its settled number and time, and what was asked of it (none for a block
/// that fills a gap).
struct Planned<'a> {
    number: u64,
    time: u64,
    request: Option<&'a BlockRequest>,
}

/// The blocks to run after `base`: the requested ones, with the gaps between their numbers
/// filled by empty blocks.
fn plan<'a>(
    base: &Header,
    requested: &'a [BlockRequest],
) -> Result<Vec<Planned<'a>>, SimulateError> {
    if requested.len() > MAX_SIMULATED_BLOCKS {
        return Err(SimulateError::TooManyBlocks);
    }
    let calls = requested
        .iter()
        .map(|block| block.calls.len())
        .sum::<usize>();
    if calls > MAX_SIMULATED_CALLS {
        return Err(SimulateError::TooManyCalls);
    }
    let mut planned = Vec::with_capacity(requested.len());
    let (mut parent, mut parent_time) = (base.number, base.timestamp);
    for request in requested {
        let number = request.block.number.unwrap_or(parent.saturating_add(1));
        if number <= parent {
            return Err(SimulateError::NumberOrder { number, parent });
        }
        while parent.saturating_add(1) < number {
            if planned.len() >= MAX_SIMULATED_BLOCKS {
                return Err(SimulateError::TooManyBlocks);
            }
            parent += 1;
            parent_time = parent_time.saturating_add(TIME_INCREMENT);
            planned.push(Planned {
                number: parent,
                time: parent_time,
                request: None,
            });
        }
        let time = request
            .block
            .time
            .unwrap_or(parent_time.saturating_add(TIME_INCREMENT));
        if time <= parent_time {
            return Err(SimulateError::TimeOrder {
                time,
                parent: parent_time,
            });
        }
        if planned.len() >= MAX_SIMULATED_BLOCKS {
            return Err(SimulateError::TooManyBlocks);
        }
        planned.push(Planned {
            number,
            time,
            request: Some(request),
        });
        (parent, parent_time) = (number, time);
    }
    Ok(planned)
}

/// The running totals of a simulation.
struct Run<'a> {
    base: &'a Header,
    state: StateAt<'a>,
    validation: bool,
    /// The node's gas cap (0: none).
    gas_cap: u64,
    /// Gas all further calls together may use.
    budget: u64,
    deadline: Instant,
    /// The hashes of the blocks simulated so far, by number.
    simulated: Vec<(u64, H256)>,
}

impl Chain {
    /// Runs `request` on the state after block `number` (with the dev chain's state edits
    /// recorded after it); all calls together use at most `gas_cap` gas (0: no cap).
    pub fn simulate(
        &self,
        request: &SimulateRequest,
        number: u64,
        gas_cap: u64,
    ) -> Result<Vec<SimulatedBlock>, SimulateError> {
        let base = self
            .header_by_number(number)
            .map_err(CallError::from)?
            .ok_or(CallError::Chain(ChainError::MissingBlock(number)))?;
        let planned = plan(&base, &request.blocks)?;
        let edits = self.state_edits(number).map_err(CallError::from)?;
        let budget = if gas_cap == 0 { u64::MAX } else { gas_cap };
        self.bounded(|deadline| {
            let mut state = self.store().state_at(base.state_root);
            for edit in &edits {
                let existing = state.basic(&edit.address()).map_err(HostFailure::State)?;
                state.commit(edit.changes_given(existing));
            }
            let mut run = Run {
                base: &base,
                state,
                validation: request.validation,
                gas_cap,
                budget,
                deadline,
                simulated: Vec::with_capacity(planned.len()),
            };
            Ok(self.run_planned(&mut run, &planned))
        })?
    }

    fn run_planned(
        &self,
        run: &mut Run<'_>,
        planned: &[Planned<'_>],
    ) -> Result<Vec<SimulatedBlock>, SimulateError> {
        let mut blocks: Vec<SimulatedBlock> = Vec::with_capacity(planned.len());
        for block in planned {
            if Instant::now() >= run.deadline {
                return Err(CallError::Timeout(self.config.calls.timeout).into());
            }
            let parent = blocks.last().map_or(run.base, |last| &last.block.header);
            let mut env = BlockEnv::child_of(parent, &self.config, block.time);
            env.number = block.number;
            if !run.validation {
                env.base_fee = U256::zero();
            }
            let mut mix_hash = H256::zero();
            if let Some(request) = block.request {
                request.block.apply(&mut env);
                if let Some(randao) = request.block.prev_randao {
                    mix_hash = H256(randao.to_big_endian());
                }
                overrides::apply_state(&self.config, &mut run.state, &request.state)?;
            }
            let calls = block.request.map_or(&[][..], |request| &request.calls);
            // A block that changes nothing keeps its parent's root: recomputing it over every
            // change so far is the costly part of a block, and gaps may ask for 255 of them.
            // (The base's header root does not cover a dev chain's edits since it; a simulated
            // parent's root covers everything.)
            let unchanged = !blocks.is_empty()
                && calls.is_empty()
                && block.request.is_none_or(|request| request.state.is_empty());
            let root = unchanged.then_some(parent.state_root);
            let simulated = self.run_block(run, &env, mix_hash, calls, root)?;
            run.simulated.push((block.number, simulated.block.hash));
            blocks.push(simulated);
        }
        Ok(blocks)
    }

    fn run_block(
        &self,
        run: &mut Run<'_>,
        env: &BlockEnv,
        mix_hash: H256,
        calls: &[SimulatedCall],
        unchanged_root: Option<H256>,
    ) -> Result<SimulatedBlock, SimulateError> {
        let mut transactions = Vec::with_capacity(calls.len());
        let mut raws = Vec::with_capacity(calls.len());
        let mut receipts = Vec::with_capacity(calls.len());
        let mut results = Vec::with_capacity(calls.len());
        let mut cumulative_gas: u64 = 0;
        let mut log_count: u64 = 0;
        for (index, call) in calls.iter().enumerate() {
            let invalid = |reason| SimulateError::InvalidCall {
                block: env.number,
                index,
                reason,
            };
            let left = env.gas_limit.saturating_sub(cumulative_gas);
            let gas = match call.request.gas {
                Some(wanted) if wanted > left => {
                    return Err(invalid(InvalidCall::BlockGasLimit { wanted, left }));
                }
                Some(wanted) => wanted,
                None => left,
            };
            if run.budget == 0 {
                return Err(invalid(InvalidCall::GasCapReached { cap: run.gas_cap }));
            }
            let gas = gas.min(run.budget);
            let (tx, unsigned) = self.call_transaction(run, env, call, gas)?;
            let receipt = self
                .execute_call(run, env, &tx)
                .map_err(|error| match error {
                    Ok(reason) => invalid(reason),
                    Err(error) => SimulateError::Call(error),
                })?;
            let logs_emitted = receipt.logs.len() as u64;
            cumulative_gas = cumulative_gas.saturating_add(receipt.gas_used);
            run.budget = run.budget.saturating_sub(receipt.gas_used);
            let raw = tx::encode_unsigned(&unsigned)
                .map_err(|error| CallError::Invalid(format!("call {index}: {error}")))?;
            transactions.push(signed_form(&unsigned, tx.sender, &raw));
            raws.push(raw);
            receipts.push(ReceiptRecord {
                tx_type: unsigned.kind.type_byte(),
                success: receipt.status == CallStatus::Success,
                cumulative_gas_used: cumulative_gas,
                gas_used: receipt.gas_used,
                effective_gas_price: tx.gas_price,
                contract_address: receipt.contract_address,
                logs: receipt.logs.clone(),
                first_log_index: log_count,
                output: receipt.output.clone(),
                failure: receipt.failure.clone(),
            });
            results.push(CallResult {
                status: receipt.status,
                output: receipt.output,
                gas_used: receipt.gas_used,
                first_log_index: log_count,
                logs: receipt.logs,
                failure: receipt.failure,
            });
            log_count = log_count.saturating_add(logs_emitted);
        }
        let state_root = match unchanged_root {
            Some(root) => root,
            None => {
                if Instant::now() >= run.deadline {
                    return Err(CallError::Timeout(self.config.calls.timeout).into());
                }
                self.store()
                    .state_root_over(run.base.state_root, run.state.pending())
                    .map_err(|error| CallError::Chain(error.into()))?
            }
        };
        let header = seal_header(env, state_root, &raws, &receipts, mix_hash);
        Ok(SimulatedBlock {
            block: Block {
                hash: header.hash(),
                header,
                transactions,
                raw_transactions: raws,
            },
            calls: results,
        })
    }

    /// `call` as the executor runs it with `gas`, and as the unsigned transaction the block
    /// lists. Prices as `eth_call` prices: `gasPrice`, else the EIP-1559 effective price, else
    /// nothing.
    fn call_transaction(
        &self,
        run: &Run<'_>,
        env: &BlockEnv,
        call: &SimulatedCall,
        gas: u64,
    ) -> Result<(Transaction, UnsignedTransaction), SimulateError> {
        let request = &call.request;
        let sender = request.from.unwrap_or_default();
        let current = run
            .state
            .basic(&sender)
            .map_err(HostFailure::State)
            .map_err(CallError::from)?
            .map(|account| account.nonce)
            .unwrap_or_default();
        // Without validation the call runs with the sender's nonce, and the block lists the
        // nonce it was given (geth skips the check rather than replacing the nonce).
        let listed_nonce = call.nonce.unwrap_or(current);
        let nonce = if run.validation {
            listed_nonce
        } else {
            current
        };
        let tip = request.max_priority_fee_per_gas.unwrap_or_default();
        let price = request.price(env.base_fee);
        let chain_id = self.chain_id();
        let kind = match (request.gas_price, request.access_list.is_empty()) {
            (Some(_), true) => TxKind::Legacy {
                chain_id: Some(chain_id),
            },
            (Some(_), false) => TxKind::AccessList,
            (None, _) => TxKind::DynamicFee,
        };
        let executable = Transaction {
            sender,
            to: request.to,
            nonce,
            gas_limit: gas,
            gas_price: price,
            value: request.value.unwrap_or_default(),
            data: request.data.clone(),
            access_list: request.access_list.clone(),
        };
        let unsigned = UnsignedTransaction {
            kind,
            chain_id: Some(chain_id),
            nonce: listed_nonce,
            gas_limit: gas,
            gas_price: price,
            max_fee: request.max_fee_per_gas.unwrap_or(price),
            max_priority_fee: tip,
            to: request.to,
            value: executable.value,
            data: request.data.clone(),
            access_list: request.access_list.clone(),
        };
        Ok((executable, unsigned))
    }

    /// Runs `tx` on the simulation's state; `Err(Ok(_))` when it is not a valid transaction,
    /// `Err(Err(_))` when the node failed or the deadline passed.
    fn execute_call(
        &self,
        run: &mut Run<'_>,
        env: &BlockEnv,
        tx: &Transaction,
    ) -> Result<Receipt, Result<InvalidCall, CallError>> {
        let timeout = self.config.calls.timeout;
        let left = run
            .deadline
            .checked_duration_since(Instant::now())
            .ok_or(Err(CallError::Timeout(timeout)))?;
        let mut info = env.block_info();
        // Without validation a call that pays nothing runs whatever the base fee, as eth_call.
        if !run.validation && tx.gas_price.is_zero() {
            info.base_fee = U256::zero();
        }
        let base = run.base.number;
        let simulated = &run.simulated;
        let block_hashes = |number: u64| -> Result<Option<H256>, StateError> {
            if number <= base {
                return self.block_hash_of(number);
            }
            Ok(simulated
                .iter()
                .find(|(simulated, _)| *simulated == number)
                .map(|(_, hash)| *hash))
        };
        let options = ExecutionOptions {
            timeout: Some(left),
            artifacts: ArtifactPolicy::MemoryOnly,
            ..ExecutionOptions::default()
        };
        execute_transaction_with(
            self.engine(),
            &mut run.state,
            &info,
            &block_hashes,
            tx,
            options,
        )
        .map_err(|error| match error {
            TxError::Host(failure) => Err(CallError::Host(failure)),
            TxError::Timeout(_) => Err(CallError::Timeout(timeout)),
            TxError::Nonce { expected, got } if got < expected => {
                Ok(InvalidCall::NonceTooLow { expected, got })
            }
            TxError::Nonce { expected, got } => Ok(InvalidCall::NonceTooHigh { expected, got }),
            TxError::GasPriceBelowBaseFee { price, base_fee } => {
                Ok(InvalidCall::FeeBelowBaseFee { price, base_fee })
            }
            TxError::IntrinsicGas { needed, limit } => {
                Ok(InvalidCall::IntrinsicGas { limit, needed })
            }
            TxError::InsufficientFunds { have, need } => Ok(InvalidCall::InsufficientFunds {
                address: tx.sender,
                have,
                need,
            }),
            TxError::Overflow => Ok(InvalidCall::CostOverflow),
            TxError::BlockGasLimit { limit, block } => Ok(InvalidCall::BlockGasLimit {
                wanted: limit,
                left: block,
            }),
        })
    }
}

/// The transaction a block lists for a call: `unsigned` from `sender`, with a zero signature.
fn signed_form(unsigned: &UnsignedTransaction, sender: H160, raw: &[u8]) -> SignedTransaction {
    SignedTransaction {
        kind: unsigned.kind,
        chain_id: unsigned.chain_id,
        nonce: unsigned.nonce,
        gas_limit: unsigned.gas_limit,
        gas_price: unsigned.gas_price,
        max_fee: unsigned.max_fee,
        max_priority_fee: unsigned.max_priority_fee,
        to: unsigned.to,
        value: unsigned.value,
        data: unsigned.data.clone(),
        access_list: unsigned.access_list.clone(),
        sender,
        hash: tx::keccak256(raw),
        signature: TxSignature {
            v: U256::zero(),
            r: U256::zero(),
            s: U256::zero(),
            y_parity: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(number: u64, timestamp: u64) -> Header {
        Header {
            number,
            timestamp,
            ..Header::default()
        }
    }

    fn at(number: Option<u64>, time: Option<u64>) -> BlockRequest {
        BlockRequest {
            block: BlockOverrides {
                number,
                time,
                ..BlockOverrides::default()
            },
            ..BlockRequest::default()
        }
    }

    fn settled(planned: &[Planned<'_>]) -> Vec<(u64, u64, bool)> {
        planned
            .iter()
            .map(|block| (block.number, block.time, block.request.is_some()))
            .collect()
    }

    #[test]
    fn numbers_and_times_default_and_gaps_are_filled() {
        let base = header(10, 1000);
        let requested = [at(None, None), at(Some(14), None), at(None, Some(2000))];
        let planned = plan(&base, &requested).unwrap();
        assert_eq!(
            settled(&planned),
            [
                (11, 1012, true),
                (12, 1024, false),
                (13, 1036, false),
                (14, 1048, true),
                (15, 2000, true),
            ]
        );
    }

    #[test]
    fn order_and_count_are_checked() {
        let base = header(10, 1000);
        assert!(matches!(
            plan(&base, &[at(Some(10), None)]),
            Err(SimulateError::NumberOrder {
                number: 10,
                parent: 10
            })
        ));
        for time in [999, 1000] {
            assert!(matches!(
                plan(&base, &[at(None, Some(time))]),
                Err(SimulateError::TimeOrder { .. })
            ));
        }
        assert!(plan(&base, &[at(None, Some(1001))]).is_ok());
        assert!(matches!(
            plan(&base, &[at(Some(u64::MAX), None)]),
            Err(SimulateError::TooManyBlocks)
        ));
        let many = vec![at(None, None); MAX_SIMULATED_BLOCKS + 1];
        assert!(matches!(
            plan(&base, &many),
            Err(SimulateError::TooManyBlocks)
        ));
        let most = vec![at(None, None); MAX_SIMULATED_BLOCKS];
        assert_eq!(plan(&base, &most).unwrap().len(), MAX_SIMULATED_BLOCKS);
        let mut crowded = at(None, None);
        crowded.calls = vec![SimulatedCall::default(); MAX_SIMULATED_CALLS + 1];
        assert!(matches!(
            plan(&base, &[crowded]),
            Err(SimulateError::TooManyCalls)
        ));
    }
}
