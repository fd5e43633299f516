//! `eth_call`, `eth_estimateGas` and `eth_createAccessList`: a transaction executed on a block's
//! state and thrown away.
//!
//! Calls follow geth: no signature and no nonce check (the sender's current nonce is used), gas
//! defaults to (and is capped at) the block gas limit, a call without a gas price pays nothing
//! and ignores the base fee. Estimation first runs at the cap, which tells a revert (reported with
//! its data) from a genuine need for more gas; then tries exactly the gas that run used (the
//! answer whenever no refund or 63/64 reserve is involved, and always for a plain transfer), and
//! otherwise binary-searches the smallest gas limit that does not fail, stopping within 1.5% as
//! geth does.
//!
//! Calls are free to send, so their work is bounded ([`CallLimits`]): at most
//! `executors` of them execute at once (the rest wait for a free executor), and each call or
//! estimate (all its trial runs together) stops with geth's "execution aborted (timeout = 5s)"
//! at its deadline, checked at every frame start and host call (the wasm between two host calls
//! is bounded by its gas). A call never writes compiled artifacts to the disk cache: the code it
//! runs need not be on chain.
//!
//! A call at the head is first tried briefly ([`Chain::call_briefly`]): in place on the
//! request's thread, with at most [`BRIEF_CALL_GAS`], since handing the thread's other work to
//! another thread cost as much as the call itself (a `balanceOf` runs in about 60 µs). The
//! brief run is the answer only when it cannot differ from the full one: no frame read how much
//! gas it had left, and it did not fail (running out of gas is a failure). Otherwise the call
//! runs again with its own gas, as any other call.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Condvar, Mutex, PoisonError, TryLockError};
use std::time::{Duration, Instant};

use primitive_types::{H160, H256, U256};
use rewasm_eei::CallStatus;
use rewasm_executor::precompiles::Precompile;
use rewasm_executor::{
    Accessed, CallFrame, DebugOutput, ExecutionOptions, HostFailure, State, Transaction, TxError,
    execute_transaction_with, intrinsic_gas,
};
use rewasm_primitives::LogEntry;
use rewasm_vm::ArtifactPolicy;

use super::build::BlockEnv;
use super::overrides::{self, Overrides};
use super::{Chain, ChainError};

/// A call as `eth_call` and `eth_estimateGas` receive it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallRequest {
    pub from: Option<H160>,
    /// None: a contract creation with `data` as init code.
    pub to: Option<H160>,
    pub gas: Option<u64>,
    pub gas_price: Option<U256>,
    pub max_fee_per_gas: Option<U256>,
    pub max_priority_fee_per_gas: Option<U256>,
    pub value: Option<U256>,
    pub data: Vec<u8>,
    /// EIP-2930: paid as intrinsic gas; under warm and cold state access its entries start
    /// warm.
    pub access_list: Vec<(H160, Vec<H256>)>,
    /// State and block overrides (`eth_call`'s third and fourth parameters): the call runs on
    /// the block's state and context with these replaced.
    pub overrides: Overrides,
}

impl CallRequest {
    /// What the call pays per gas in a block with `base_fee`: its `gasPrice`, else the
    /// EIP-1559 effective price of its fee cap and tip, else nothing.
    pub(super) fn price(&self, base_fee: U256) -> U256 {
        let tip = self.max_priority_fee_per_gas.unwrap_or_default();
        self.gas_price
            .or(self
                .max_fee_per_gas
                .map(|cap| cap.min(base_fee.saturating_add(tip))))
            .unwrap_or_default()
    }
}

/// What a call did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallOutcome {
    /// Success, failure (trap, out of gas) or revert.
    pub status: CallStatus,
    /// Return data, or revert data.
    pub output: Vec<u8>,
    /// Gas used (after refunds).
    pub gas_used: u64,
    /// The logs it would emit.
    pub logs: Vec<LogEntry>,
    /// Why it failed, for a failure.
    pub failure: Option<String>,
    /// What the code accessed beyond what is warm anyway, when asked
    /// ([`Chain::create_access_list`]).
    pub accessed: Option<Accessed>,
    /// What the code printed through module `debug` (dev chains only).
    pub debug: DebugOutput,
    /// Every frame, when traced ([`Chain::trace_call`]).
    pub trace: Option<CallFrame>,
    /// Whether a frame read how much gas it had left (`Receipt::gas_observed`).
    pub gas_observed: bool,
}

/// What a call's execution records beyond its result.
#[derive(Clone, Copy, Debug)]
struct Recording {
    /// The accounts and slots the code accessed (`eth_createAccessList`).
    accesses: bool,
    /// Every frame (`debug_traceCall`).
    calls: bool,
}

impl Recording {
    const NOTHING: Self = Self {
        accesses: false,
        calls: false,
    };
    const ACCESSES: Self = Self {
        accesses: true,
        calls: false,
    };
    const CALLS: Self = Self {
        accesses: false,
        calls: true,
    };
}

/// What `eth_createAccessList` answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessListOutcome {
    /// Every account and slot the call accessed, less the sender, the target and the
    /// precompiles, with the request's own entries; in address and slot order.
    pub access_list: Vec<(H160, Vec<H256>)>,
    /// The gas the call uses with that list.
    pub gas_used: u64,
    /// Why the call with that list reverted or failed, if it did (geth's `error` member).
    pub error: Option<String>,
}

/// Why a call has no result. Displays are geth's texts.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The call reverted; `data` is the revert data (JSON-RPC error code 3).
    #[error("execution reverted{}", reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default())]
    Reverted {
        reason: Option<String>,
        data: Vec<u8>,
    },
    /// The call trapped or ran out of gas.
    #[error("{0}")]
    Failed(String),
    /// Not even the cap is enough gas.
    #[error("gas required exceeds allowance ({0})")]
    GasExceedsAllowance(u64),
    /// The call is invalid as a transaction (funds, fee below the base fee, …).
    #[error("{0}")]
    Invalid(String),
    /// The call ran past its time limit, or waited that long for an executor (geth's text).
    #[error("execution aborted (timeout = {0:?})")]
    Timeout(Duration),
    /// The node failed while executing the call (a state read, the executor): the node's
    /// failure, never the call's result.
    #[error("the node failed executing the call: {0}")]
    Host(#[from] HostFailure),
    /// The node failed.
    #[error(transparent)]
    Chain(#[from] ChainError),
}

/// Bounds on the work `eth_call` and `eth_estimateGas` may make the node do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallLimits {
    /// Wall-clock limit of one call, or of one estimate's trial runs together, waiting for an
    /// executor included (geth's `--rpc.evmtimeout`, 5 s).
    pub timeout: Duration,
    /// Calls and estimates executing at once; the others wait.
    pub executors: usize,
}

/// geth's `--rpc.evmtimeout` default.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(5);

impl Default for CallLimits {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_CALL_TIMEOUT,
            executors: std::thread::available_parallelism().map_or(2, |n| n.get().max(2)),
        }
    }
}

/// A counting semaphore over the executors calls may use.
#[derive(Debug)]
pub(crate) struct CallSlots {
    free: Mutex<usize>,
    freed: Condvar,
}

/// A taken executor, given back when dropped.
#[derive(Debug)]
struct CallSlot<'a>(&'a CallSlots);

impl CallSlots {
    pub(crate) fn new(executors: usize) -> Self {
        Self {
            free: Mutex::new(executors.max(1)),
            freed: Condvar::new(),
        }
    }

    /// Takes an executor if one is free now.
    fn try_take(&self) -> Option<CallSlot<'_>> {
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        *free = free.checked_sub(1)?;
        Some(CallSlot(self))
    }

    /// Takes an executor, waiting until `deadline` at most.
    fn take(&self, deadline: Instant) -> Option<CallSlot<'_>> {
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        while *free == 0 {
            let wait = deadline.checked_duration_since(Instant::now())?;
            free = self
                .freed
                .wait_timeout(free, wait)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        *free -= 1;
        Some(CallSlot(self))
    }
}

impl Drop for CallSlot<'_> {
    fn drop(&mut self) {
        let mut free = self.0.free.lock().unwrap_or_else(PoisonError::into_inner);
        *free = free.saturating_add(1);
        self.0.freed.notify_one();
    }
}

/// The reason in revert data: `Error(string)` gives the string, `Panic(uint256)` a description.
pub fn revert_reason(data: &[u8]) -> Option<String> {
    let selector = data.get(..4)?;
    let body = data.get(4..)?;
    match selector {
        [0x08, 0xc3, 0x79, 0xa0] => {
            let offset = abi_word_usize(body.get(..32)?)?;
            let length = abi_word_usize(body.get(offset..offset.checked_add(32)?)?)?;
            let start = offset.checked_add(32)?;
            let bytes = body.get(start..start.checked_add(length)?)?;
            Some(String::from_utf8_lossy(bytes).into_owned())
        }
        [0x4e, 0x48, 0x7b, 0x71] => {
            let code = U256::from_big_endian(body.get(..32)?);
            Some(format!("panic: 0x{code:x}"))
        }
        _ => None,
    }
}

fn abi_word_usize(word: &[u8]) -> Option<usize> {
    let value = U256::from_big_endian(word);
    (value <= U256::from(usize::MAX)).then(|| value.low_u64() as usize)
}

/// The block whose state a call runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateBlock {
    /// The head when the call takes its view of the state: what `latest` names. A block
    /// committed between the request's arrival and the call is then part of the answer.
    Head,
    /// Block `number`.
    Number(u64),
}

impl From<u64> for StateBlock {
    fn from(number: u64) -> Self {
        Self::Number(number)
    }
}

/// What [`Chain::call_briefly`] did.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "returned once per call and taken apart at once; a box would allocate per call"
)]
pub enum BriefCall {
    /// The brief run is the call's answer.
    Answered(Result<CallOutcome, CallError>),
    /// The brief run may differ from a run with the call's own gas: the call must run in full.
    Rerun,
    /// Not tried: the call does not qualify, or another brief call or every executor is busy.
    Skipped,
}

/// The most gas a brief call runs with ([`Chain::call_briefly`]): 39 000 beyond a transaction's
/// 21 000, about 0.5 ms of the costliest code at the gas schedule's exchange rate (13 ns per
/// gas), and three times what an ERC-20's `balanceOf` uses. That is how long one of the
/// request threads may be held, and how much work a call that needs more than this does twice.
pub const BRIEF_CALL_GAS: u64 = 60_000;

/// geth's estimateGasErrorRatio: stop searching when within 1.5% of the answer.
const ESTIMATE_ERROR_RATIO: f64 = 0.015;

impl Chain {
    /// Executes `request` on the state after block `at` and discards the changes.
    pub fn call(
        &self,
        request: &CallRequest,
        at: impl Into<StateBlock>,
    ) -> Result<CallOutcome, CallError> {
        let at = at.into();
        let gas = self.gas_cap(request);
        let outcome =
            self.bounded(|deadline| self.run_call(request, at, gas, deadline, Recording::NOTHING))?;
        super::printed::log_call(request.to, &outcome.debug);
        Ok(outcome)
    }

    /// [`Chain::call`] at the head, run in place with at most [`BRIEF_CALL_GAS`]. It is
    /// [`BriefCall::Skipped`] when the call creates a contract, has a gas price (the sender's
    /// balance it may read would then depend on its gas limit) or state overrides (code to
    /// compile, which gas does not pay for), or when another brief call is running (one at a
    /// time keeps the other request threads free) or no executor is free (the call then waits
    /// for one as any other). It is [`BriefCall::Rerun`] when the brief run, with less gas than
    /// the call has, failed or read how much gas a frame had left: it may then differ from the
    /// full run. Otherwise the brief run is exactly the full one: every charge it made succeeds
    /// with more gas as well, and nothing else in an execution depends on the gas limit.
    pub fn call_briefly(&self, request: &CallRequest) -> BriefCall {
        if request.to.is_none()
            || !request.price(U256::MAX).is_zero()
            || !request.overrides.state.is_empty()
        {
            return BriefCall::Skipped;
        }
        let _turn = match self.brief_call.try_lock() {
            Ok(turn) => turn,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return BriefCall::Skipped,
        };
        let Some(_slot) = self.call_slots.try_take() else {
            return BriefCall::Skipped;
        };
        let gas = self.gas_cap(request);
        let brief = gas.min(BRIEF_CALL_GAS);
        let deadline = Instant::now() + self.config.calls.timeout;
        let run = self.call_threads.run(|| {
            self.run_call(
                request,
                StateBlock::Head,
                brief,
                deadline,
                Recording::NOTHING,
            )
        });
        let result = match run {
            Ok(result) => result,
            Err(failure) => Err(CallError::Host(failure)),
        };
        let complete = brief == gas
            || matches!(&result, Ok(outcome)
                if !outcome.gas_observed && outcome.status != CallStatus::Failure);
        if !complete {
            return BriefCall::Rerun;
        }
        if let Ok(outcome) = &result {
            super::printed::log_call(request.to, &outcome.debug);
        }
        BriefCall::Answered(result)
    }

    /// `request` executed as [`Chain::call`] does, with every frame recorded
    /// ([`CallOutcome::trace`]): `debug_traceCall`.
    pub fn trace_call(
        &self,
        request: &CallRequest,
        at: impl Into<StateBlock>,
    ) -> Result<CallOutcome, CallError> {
        let at = at.into();
        let gas = self.gas_cap(request);
        self.bounded(|deadline| self.run_call(request, at, gas, deadline, Recording::CALLS))
    }

    /// The access list `request` would use on the state after block `number`, found as geth
    /// does: run with the list so far and add what the run accessed, until a run adds nothing
    /// (each run can only add, so this ends; all runs share one deadline).
    pub fn create_access_list(
        &self,
        request: &CallRequest,
        number: u64,
    ) -> Result<AccessListOutcome, CallError> {
        let gas = self.gas_cap(request);
        self.bounded(|deadline| {
            let implicit = |address: &H160| {
                Some(*address) == request.from
                    || Some(*address) == request.to
                    || Precompile::ALL
                        .iter()
                        .any(|precompile| precompile.address() == *address)
            };
            let mut list: BTreeMap<H160, BTreeSet<H256>> = BTreeMap::new();
            for (address, keys) in request.access_list.iter().filter(|(a, _)| !implicit(a)) {
                list.entry(*address)
                    .or_default()
                    .extend(keys.iter().copied());
            }
            loop {
                let trial = CallRequest {
                    access_list: list
                        .iter()
                        .map(|(address, keys)| (*address, keys.iter().copied().collect()))
                        .collect(),
                    ..request.clone()
                };
                let at = StateBlock::Number(number);
                let outcome = self.run_call(&trial, at, gas, deadline, Recording::ACCESSES)?;
                let before = list.clone();
                let accessed = outcome.accessed.clone().unwrap_or_default();
                for address in accessed.accounts {
                    list.entry(address).or_default();
                }
                for (address, key) in accessed.slots {
                    list.entry(address).or_default().insert(key);
                }
                if list == before {
                    let error = match outcome.status {
                        CallStatus::Success => None,
                        CallStatus::Revert => Some(reverted(outcome.output).to_string()),
                        CallStatus::Failure => Some(
                            outcome
                                .failure
                                .unwrap_or_else(|| "execution failed".to_string()),
                        ),
                    };
                    return Ok(AccessListOutcome {
                        access_list: trial.access_list,
                        gas_used: outcome.gas_used,
                        error,
                    });
                }
            }
        })
    }

    /// The gas `request` needs on the state after block `number`. Its trial runs share one
    /// executor thread and one deadline.
    pub fn estimate_gas(&self, request: &CallRequest, number: u64) -> Result<u64, CallError> {
        self.bounded(|deadline| self.search_gas(request, number, deadline))
    }

    /// The gas `request` runs with: what it asks for, at most the block's gas limit (the
    /// chain's, or a lower one its block overrides set, which the executor holds it to).
    fn gas_cap(&self, request: &CallRequest) -> u64 {
        let block_limit = request
            .overrides
            .block
            .gas_limit
            .map_or(self.config.gas_limit, |limit| {
                limit.min(self.config.gas_limit)
            });
        request.gas.unwrap_or(block_limit).min(block_limit)
    }

    /// Runs `work` on an executor thread once one is free, with the call deadline.
    pub(super) fn bounded<R: Send>(
        &self,
        work: impl FnOnce(Instant) -> Result<R, CallError> + Send,
    ) -> Result<R, CallError> {
        let timeout = self.config.calls.timeout;
        let deadline = Instant::now() + timeout;
        let _slot = self
            .call_slots
            .take(deadline)
            .ok_or(CallError::Timeout(timeout))?;
        self.call_threads.run(|| work(deadline))?
    }

    fn search_gas(
        &self,
        request: &CallRequest,
        number: u64,
        deadline: Instant,
    ) -> Result<u64, CallError> {
        let cap = self.gas_cap(request);
        let first = self.call_with_gas(request, number, cap, deadline)?;
        match first.status {
            CallStatus::Success => {}
            CallStatus::Revert => return Err(reverted(first.output)),
            CallStatus::Failure => {
                let reason = first.failure.unwrap_or_default();
                return Err(if reason.contains("out of gas") {
                    CallError::GasExceedsAllowance(cap)
                } else {
                    CallError::Failed(reason)
                });
            }
        }
        let floor = intrinsic_gas(
            &Transaction {
                to: request.to,
                data: request.data.clone(),
                access_list: request.access_list.clone(),
                ..Transaction::default()
            },
            self.config.vm.schedule.calldata,
        );
        // Below what the run used nothing succeeds (refunds only lower `gas_used`), so when exactly
        // that is enough it is the answer: a plain transfer estimates 21000, as on geth.
        let used = first.gas_used.max(floor);
        if used < cap && self.succeeds(request, number, used, deadline)? {
            return Ok(used);
        }
        let mut low = used;
        let mut high = cap;
        let optimistic = first.gas_used.saturating_mul(2).max(floor);
        if optimistic < high && self.succeeds(request, number, optimistic, deadline)? {
            high = optimistic;
        }
        while low.saturating_add(1) < high {
            if (high - low) as f64 / high as f64 <= ESTIMATE_ERROR_RATIO {
                break;
            }
            let middle = low + (high - low) / 2;
            if self.succeeds(request, number, middle, deadline)? {
                high = middle;
            } else {
                low = middle;
            }
        }
        Ok(high)
    }

    fn succeeds(
        &self,
        request: &CallRequest,
        number: u64,
        gas: u64,
        deadline: Instant,
    ) -> Result<bool, CallError> {
        match self.call_with_gas(request, number, gas, deadline) {
            Ok(outcome) => Ok(outcome.status == CallStatus::Success),
            Err(CallError::Invalid(_)) => Ok(false),
            Err(other) => Err(other),
        }
    }

    fn call_with_gas(
        &self,
        request: &CallRequest,
        number: u64,
        gas: u64,
        deadline: Instant,
    ) -> Result<CallOutcome, CallError> {
        let at = StateBlock::Number(number);
        self.run_call(request, at, gas, deadline, Recording::NOTHING)
    }

    fn run_call(
        &self,
        request: &CallRequest,
        at: StateBlock,
        gas: u64,
        deadline: Instant,
        recording: Recording,
    ) -> Result<CallOutcome, CallError> {
        let timeout = self.config.calls.timeout;
        let left = deadline
            .checked_duration_since(Instant::now())
            .ok_or(CallError::Timeout(timeout))?;
        // The view first: the head is then the block it holds, so a call at the head always
        // reads the flat state and the head cache, even when a block was committed since the
        // request named `latest` (under a stream of blocks, one call in a hundred did, and read
        // the trie instead, at up to ten times the cost).
        let view = self.store().state();
        let number = match at {
            // No head in the view: the store could not say which block it holds.
            StateBlock::Head => view
                .head()
                .ok_or(ChainError::MissingBlock(self.head().header.number))?,
            StateBlock::Number(number) => number,
        };
        let header = self.state_header(number)?;
        let mut env = BlockEnv::of(&header);
        request.overrides.block.apply(&mut env);
        let price = request.price(env.base_fee);
        if price.is_zero() {
            env.base_fee = U256::zero();
        }
        let sender = request.from.unwrap_or_default();
        // An older block's state is read through the trie at its root.
        let mut state: Box<dyn State + '_> = if view.head() == Some(number) {
            Box::new(view)
        } else {
            Box::new(self.store().state_at(header.state_root))
        };
        overrides::apply_state(&self.config, state.as_mut(), &request.overrides.state)?;
        let nonce = state
            .basic(&sender)
            .map_err(HostFailure::State)?
            .map(|account| account.nonce)
            .unwrap_or_default();
        let tx = Transaction {
            sender,
            to: request.to,
            nonce,
            gas_limit: gas,
            gas_price: price,
            value: request.value.unwrap_or_default(),
            data: request.data.clone(),
            access_list: request.access_list.clone(),
        };
        let block_hashes = |n: u64| self.block_hash_of(n);
        let options = ExecutionOptions {
            timeout: Some(left),
            artifacts: ArtifactPolicy::MemoryOnly,
            record_accesses: recording.accesses,
            trace_calls: recording.calls,
        };
        let receipt = execute_transaction_with(
            self.engine(),
            state.as_mut(),
            &env.block_info(),
            &block_hashes,
            &tx,
            options,
        )
        .map_err(|error| match error {
            TxError::Host(failure) => CallError::Host(failure),
            TxError::Timeout(_) => CallError::Timeout(timeout),
            TxError::InsufficientFunds { have, need } => CallError::Invalid(format!(
                "insufficient funds for gas * price + value: address {sender:?} have {have} want {need}"
            )),
            TxError::IntrinsicGas { needed, limit } => CallError::Invalid(format!(
                "intrinsic gas too low: gas {limit}, minimum needed {needed}"
            )),
            other => CallError::Invalid(other.to_string()),
        })?;
        Ok(CallOutcome {
            status: receipt.status,
            output: receipt.output,
            gas_used: receipt.gas_used,
            logs: receipt.logs,
            failure: receipt.failure,
            accessed: receipt.accessed,
            debug: receipt.debug,
            trace: receipt.trace,
            gas_observed: receipt.gas_observed,
        })
    }
}

/// The error of a reverted call.
pub(super) fn reverted(data: Vec<u8>) -> CallError {
    CallError::Reverted {
        reason: revert_reason(&data),
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_string(message: &str) -> Vec<u8> {
        let mut data = vec![0x08, 0xc3, 0x79, 0xa0];
        let mut word = [0u8; 32];
        word[31] = 0x20;
        data.extend_from_slice(&word);
        let mut length = [0u8; 32];
        length[31] = message.len() as u8;
        data.extend_from_slice(&length);
        let mut padded = message.as_bytes().to_vec();
        padded.resize(message.len().div_ceil(32) * 32, 0);
        data.extend_from_slice(&padded);
        data
    }

    #[test]
    fn revert_reasons_are_decoded_and_bad_data_is_not_a_panic() {
        let data = error_string("ERC20: transfer amount exceeds balance");
        assert_eq!(
            revert_reason(&data).as_deref(),
            Some("ERC20: transfer amount exceeds balance")
        );
        assert_eq!(
            reverted(data).to_string(),
            "execution reverted: ERC20: transfer amount exceeds balance"
        );
        let mut panic = vec![0x4e, 0x48, 0x7b, 0x71];
        panic.extend_from_slice(&[0; 31]);
        panic.push(0x11);
        assert_eq!(revert_reason(&panic).as_deref(), Some("panic: 0x11"));
        assert_eq!(reverted(vec![1, 2, 3]).to_string(), "execution reverted");
        let truncated = &error_string("abc")[..40];
        assert_eq!(revert_reason(truncated), None);
        let mut huge_offset = vec![0x08, 0xc3, 0x79, 0xa0];
        huge_offset.extend_from_slice(&[0xff; 64]);
        assert_eq!(revert_reason(&huge_offset), None);
    }
}
