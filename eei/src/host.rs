//! The narrow interface between a running contract's host functions and the world.
//!
//! The EEI functions ([`crate::functions`]) implement the semantics every node must agree on —
//! bounds checks, byte order, gas charged in Hera's order, static-mode rules — over three small
//! traits: [`Host`] (state, calls, creates, logs: implemented by the executor in `rewasm-vm`),
//! [`Memory`] (the contract's linear memory) and [`Gas`] (the frame's gas counter). Like revm's
//! `Host`, it keeps the engine and the state apart: this crate knows neither wasmer nor the
//! state's storage.

use std::sync::Arc;

use primitive_types::{H160, H256, U256};

/// An account address.
pub type Address = H160;

/// Facts about the running frame.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FrameInfo {
    /// Whose storage and balance this frame acts on (`getAddress`). For `callCode` and
    /// `callDelegate` that is the caller's account.
    pub address: Address,
    /// `getCaller`.
    pub caller: Address,
    /// `getCallValue`.
    pub value: U256,
    /// The call data.
    pub input: Arc<[u8]>,
    /// The code running, as stored in state (`codeCopy`, `getCodeSize`).
    pub code: Arc<[u8]>,
    /// Static mode: no state changes (`callStatic` and everything below it).
    pub is_static: bool,
    /// Call depth of this frame (0 for the transaction's own call).
    pub depth: u32,
}

/// Facts about the transaction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TxInfo {
    /// `getTxOrigin`.
    pub origin: Address,
    /// `getTxGasPrice`.
    pub gas_price: U256,
}

/// Facts about the block.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockInfo {
    /// `getBlockCoinbase`.
    pub coinbase: Address,
    /// `getBlockNumber`.
    pub number: u64,
    /// `getBlockTimestamp`.
    pub timestamp: u64,
    /// `getBlockGasLimit`.
    pub gas_limit: u64,
    /// `getBlockDifficulty`.
    pub difficulty: U256,
    /// EIP-1559 base fee per gas: the part of the gas price that is burned instead of paid to the
    /// coinbase. No EEI import reads it; zero for chains and tests without EIP-1559.
    pub base_fee: U256,
}

/// How a nested call treats caller, value, storage and static mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallKind {
    /// `call`: the callee runs on its own account with the given value.
    Call,
    /// `callCode`: the callee's code runs on the caller's account.
    CallCode,
    /// `callDelegate`: the callee's code runs on the caller's account with the caller's caller
    /// and value.
    Delegate,
    /// `callStatic`: as `call` with no value, in static mode.
    Static,
}

/// A nested call, after the EEI function has read its arguments and charged its gas.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallMessage {
    /// How the call treats caller, value and storage.
    pub kind: CallKind,
    /// Gas given to the callee (forwarded gas plus the stipend when value is sent).
    pub gas: u64,
    /// The account whose code runs.
    pub to: Address,
    /// Value transferred (0 for `callDelegate` and `callStatic`).
    pub value: U256,
    /// Call data.
    pub input: Vec<u8>,
}

/// A nested call or create the EEI refused before it started: no frame ran and no gas went to
/// one, but geth's tracers show such a call as a failed frame, and so does a traced execution
/// here ([`Host::refused`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefusedFrame {
    /// The call's kind; `None` for a create.
    pub kind: Option<CallKind>,
    /// The callee (none for a create).
    pub to: Option<Address>,
    /// The value it would have sent.
    pub value: U256,
    /// The gas it would have been given.
    pub gas: u64,
    /// Its call data (a create's init code is not read before its checks, so none).
    pub input: Vec<u8>,
    /// Why it was refused.
    pub refusal: Refusal,
}

/// Why the EEI refused a call or create.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The frame is at the call depth limit.
    Depth,
    /// The frame's account cannot pay the value.
    Balance,
    /// The transaction has loaded as many codes as it may.
    CodeLoads,
}

impl Refusal {
    /// geth's words where it has them.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Depth => "max call depth exceeded",
            Self::Balance => "insufficient balance for transfer",
            Self::CodeLoads => "too many codes loaded by the transaction",
        }
    }
}

/// How a nested call or create ended, as the contract sees it (0 / 1 / 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallStatus {
    /// The callee finished (or selfdestructed); its state changes stand.
    Success = 0,
    /// The callee trapped, ran out of gas, or could not start; its state changes are undone.
    Failure = 1,
    /// The callee reverted; its state changes are undone and unused gas returned.
    Revert = 2,
}

/// The result of a nested call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallOutcome {
    /// 0 / 1 / 2.
    pub status: CallStatus,
    /// Gas the callee did not use, returned to the caller.
    pub gas_left: u64,
    /// The callee's output (return-data buffer).
    pub output: Vec<u8>,
}

/// The result of a create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateOutcome {
    /// 0 / 1 / 2.
    pub status: CallStatus,
    /// The new account, on success.
    pub address: Option<Address>,
    /// Gas the init code did not use.
    pub gas_left: u64,
    /// The init code's output when it failed or reverted (success clears the buffer).
    pub output: Vec<u8>,
}

/// Whether a call's target code is new to the transaction ([`crate::gas::CodeLoads`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeAccess {
    /// Already counted (its load was paid), or nothing to load: no code, a precompile, or a
    /// schedule without [`crate::gas::CodeLoads`].
    Warm,
    /// New to the transaction, `len` bytes long.
    Cold { len: u64 },
    /// New, and the transaction has counted as many codes as it may.
    OverLimit,
}

/// The world as a contract's host functions see it. Implemented by the executor.
pub trait Host {
    /// The running frame.
    fn frame(&self) -> &FrameInfo;
    /// Text the running frame printed through module `debug` (dev chains only): not part of
    /// the chain, kept for the developer. The default drops it.
    fn debug_print(&mut self, text: String) {
        let _ = text;
    }
    /// The transaction.
    fn tx(&self) -> &TxInfo;
    /// The block.
    fn block(&self) -> &BlockInfo;
    /// A storage slot of the frame's account.
    fn storage_load(&mut self, key: &H256) -> H256;
    /// Writes a storage slot of the frame's account and returns the value it held before.
    fn storage_store(&mut self, key: &H256, value: &H256) -> H256;
    /// The value a storage slot of the frame's account held when the transaction started
    /// (zero for an account created in it): EIP-2200 prices a write by it.
    fn original_storage(&mut self, key: &H256) -> H256;
    /// Adds to the transaction's refund counter (applied at the end, capped by the schedule).
    fn add_refund(&mut self, amount: u64);
    /// Takes from the transaction's refund counter (EIP-2200: a write undoing an earlier
    /// clear takes its refund back), saturating at zero.
    fn sub_refund(&mut self, amount: u64);
    /// Marks `address` accessed by the transaction and says whether it was before (EIP-2929);
    /// the mark is undone with the frame that made it. Only asked under a schedule with
    /// [`crate::gas::StateAccess`].
    fn access_account(&mut self, address: &Address) -> crate::gas::Access;
    /// As [`Host::access_account`], for a storage slot of the frame's account.
    fn access_slot(&mut self, key: &H256) -> crate::gas::Access;
    /// An account's balance.
    fn balance(&mut self, address: &Address) -> U256;
    /// True when the account exists and is not empty (EIP-161): decides the new-account charge.
    fn is_alive(&mut self, address: &Address) -> bool;
    /// An account's code.
    fn code(&mut self, address: &Address) -> Arc<[u8]>;
    /// The hash of one of the 256 most recent blocks.
    fn block_hash(&mut self, number: u64) -> Option<H256>;
    /// The chain's prices for the host's bulk work; Hera's (none) unless the host says
    /// otherwise.
    fn prices(&self) -> crate::gas::HostPrices {
        crate::gas::HostPrices::REFERENCE
    }
    /// Whether the code at `address` is new to the transaction; counts nothing.
    fn code_access(&mut self, address: &Address) -> CodeAccess;
    /// Counts the code at `address` as loaded by the transaction, once its load is paid.
    fn count_code(&mut self, address: &Address);
    /// Runs a nested call.
    fn call(&mut self, message: CallMessage) -> CallOutcome;
    /// Runs a create with `gas` for the init code.
    fn create(&mut self, value: U256, init_code: Vec<u8>, gas: u64) -> CreateOutcome;
    /// Told of a call or create refused before it started, for a trace; it changes nothing
    /// (gas and state are the EEI's business) and a host that does not trace ignores it.
    fn refused(&mut self, _frame: RefusedFrame) {}
    /// Emits a log from the frame's account.
    fn log(&mut self, topics: Vec<H256>, data: Vec<u8>);
    /// Marks the frame's account for destruction, its balance going to `beneficiary`.
    fn self_destruct(&mut self, beneficiary: &Address);
}

/// A contract's linear memory. Every access is bounds-checked; out of bounds is a trap.
pub trait Memory {
    /// `len` bytes from `offset`.
    fn read(&self, offset: u32, len: u32) -> Result<Vec<u8>, HostExit>;
    /// Writes `bytes` at `offset`.
    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), HostExit>;
}

/// The frame's gas counter (the same one wasm instructions are metered against).
pub trait Gas {
    /// Charges `amount`, or fails with [`HostExit::OutOfGas`] (which consumes all gas).
    fn charge(&mut self, amount: u64) -> Result<(), HostExit>;
    /// Gas left.
    fn left(&mut self) -> u64;
    /// Gives back `amount` (a callee's unused gas).
    fn refund(&mut self, amount: u64);
}

/// Why a host function ends the frame. The first three are normal ends, not failures.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HostExit {
    /// `finish`: success with output; state changes stand.
    #[error("finish")]
    Finish(Vec<u8>),
    /// `revert`: state changes undone, output kept, unused gas returned.
    #[error("revert")]
    Revert(Vec<u8>),
    /// `selfDestruct`: success; the account is destroyed at the end of the transaction.
    #[error("selfdestruct")]
    SelfDestruct,
    /// Out of gas; consumes all gas.
    #[error("out of gas")]
    OutOfGas,
    /// A memory access outside linear memory.
    #[error("memory access out of bounds: {len} bytes at offset {offset}")]
    OutOfBounds { offset: u64, len: u64 },
    /// A state change, a log, a create or a value transfer in static mode.
    #[error("{0} in static mode")]
    StaticViolation(&'static str),
    /// An argument the function does not accept (a negative length, a value above 2^128, ...).
    #[error("invalid argument to {function}: {reason}")]
    InvalidArgument {
        function: &'static str,
        reason: &'static str,
    },
}
