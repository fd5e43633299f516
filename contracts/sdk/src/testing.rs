//! A mock EEI for unit-testing contracts on the host (not compiled for wasm32).
//!
//! On the host, every [`crate::eei`] function reads or writes a per-thread [`TestEnv`]: storage,
//! caller, value, call data, logs, block facts, balances. `finish`, `revert` and `selfDestruct`
//! end the "frame" by unwinding to [`call`], [`deploy`] or [`run`], which report an [`Outcome`]
//! and, like the node, roll back storage, logs and balances when the frame reverts. A panic in the
//! contract becomes a revert with `Error(string)`, as the wasm32 panic handler does.
//!
//! Calls to other accounts go to a handler you install with [`set_call_handler`]
//! (`create` to [`set_create_handler`]); without one they fail (status 1). The precompiles
//! `0x01`–`0x04` and `0x09` run natively without a handler, with the node's semantics.
//!
//! ```
//! use rewasm_sdk::prelude::*;
//! use rewasm_sdk::testing;
//!
//! const COUNT: StorageValue<U256> = StorageValue::new(0);
//! pub struct Counter;
//! #[contract]
//! impl Counter {
//!     pub fn increment(&mut self) -> U256 {
//!         let n = COUNT.get() + 1;
//!         COUNT.set(n);
//!         n
//!     }
//! }
//!
//! testing::reset();
//! let out = testing::call::<Counter>(&selector!("increment()"));
//! assert_eq!(out.decode::<U256>().unwrap(), U256::from(1));
//! assert_eq!(testing::storage_at(&[0u8; 32]), abi::WordType::to_word(&U256::one()));
//! ```

use std::boxed::Box;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::string::{String, ToString};
use std::vec;
use std::vec::Vec;

use crate::abi::Decode;
use crate::eei::{CallResult, CallStatus};
use crate::{Address, Contract, H256, U256};

/// A log the contract emitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Log {
    /// The emitting contract.
    pub address: Address,
    /// Topics (0 to 4).
    pub topics: Vec<[u8; 32]>,
    /// Data.
    pub data: Vec<u8>,
}

/// The mock world one test thread sees. Change it with [`with_env`].
#[derive(Clone, Debug)]
pub struct TestEnv {
    /// The contract's address (`getAddress`). Default `0x…c0de`-ish: `0x00…01c0`.
    pub address: Address,
    /// `getCaller`. Default `0x11…11`.
    pub caller: Address,
    /// `getTxOrigin`. Default `0x11…11`.
    pub origin: Address,
    /// `getCallValue`.
    pub value: U256,
    /// The call data; [`call`] and [`deploy`] set it.
    pub calldata: Vec<u8>,
    /// This frame's code (`getCodeSize`/`codeCopy`).
    pub code: Vec<u8>,
    /// The contract's storage.
    pub storage: BTreeMap<[u8; 32], [u8; 32]>,
    /// Balances (`getExternalBalance`).
    pub balances: BTreeMap<Address, U256>,
    /// Other accounts' code (`getExternalCodeSize`/`externalCodeCopy`).
    pub codes: BTreeMap<Address, Vec<u8>>,
    /// Logs emitted so far.
    pub logs: Vec<Log>,
    /// What [`crate::debug!`] printed so far (with the SDK's `debug` feature).
    pub printed: Vec<String>,
    /// The return-data buffer.
    pub return_data: Vec<u8>,
    /// `getBlockNumber`. Default 1.
    pub block_number: u64,
    /// `getBlockTimestamp`. Default 1,700,000,000.
    pub timestamp: u64,
    /// `getBlockHash` answers.
    pub block_hashes: BTreeMap<u64, H256>,
    /// `getBlockCoinbase`.
    pub coinbase: Address,
    /// `getBlockDifficulty`.
    pub difficulty: U256,
    /// `getBlockGasLimit`. Default 30,000,000.
    pub gas_limit: u64,
    /// `getTxGasPrice`.
    pub gas_price: U256,
    /// `getGasLeft` (not decremented by the mock). Default 10,000,000.
    pub gas_left: u64,
    /// Total `useGas` amounts.
    pub gas_used: u64,
    /// Set by `selfDestruct`: the beneficiary.
    pub self_destructed: Option<Address>,
}

impl Default for TestEnv {
    fn default() -> Self {
        Self {
            address: Address::from_low_u64_be(0x01c0),
            caller: Address::repeat_byte(0x11),
            origin: Address::repeat_byte(0x11),
            value: U256::zero(),
            calldata: Vec::new(),
            code: Vec::new(),
            storage: BTreeMap::new(),
            balances: BTreeMap::new(),
            codes: BTreeMap::new(),
            logs: Vec::new(),
            printed: Vec::new(),
            return_data: Vec::new(),
            block_number: 1,
            timestamp: 1_700_000_000,
            block_hashes: BTreeMap::new(),
            coinbase: Address::zero(),
            difficulty: U256::zero(),
            gas_limit: 30_000_000,
            gas_price: U256::one(),
            gas_left: 10_000_000,
            gas_used: 0,
            self_destructed: None,
        }
    }
}

/// Which EEI call a [`CallRequest`] comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallKind {
    /// `call`.
    Call,
    /// `callCode`.
    CallCode,
    /// `callDelegate`.
    Delegate,
    /// `callStatic`.
    Static,
}

/// A call the contract made, as the call handler sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallRequest {
    /// Which call.
    pub kind: CallKind,
    /// Requested gas.
    pub gas: u64,
    /// Callee.
    pub to: Address,
    /// Value (zero for delegate and static calls).
    pub value: U256,
    /// Call data.
    pub data: Vec<u8>,
}

type CallHandler = Box<dyn FnMut(&CallRequest) -> CallResult>;
type CreateHandler = Box<dyn FnMut(U256, &[u8]) -> Result<Address, CallResult>>;

std::thread_local! {
    static ENV: RefCell<TestEnv> = RefCell::new(TestEnv::default());
    static CALL_HANDLER: RefCell<Option<CallHandler>> = const { RefCell::new(None) };
    static CREATE_HANDLER: RefCell<Option<CreateHandler>> = const { RefCell::new(None) };
    /// How many [`run`] frames are active on this thread.
    static FRAMES: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// How a frame ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `finish` (with its data), or `main` returned (empty data), or `selfDestruct` (empty).
    Success(Vec<u8>),
    /// `revert` with its data (a panic becomes `Error(message)`).
    Revert(Vec<u8>),
}

impl Outcome {
    /// True for [`Outcome::Success`].
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Success(_))
    }
    /// The output, whichever way the frame ended.
    pub fn data(&self) -> &[u8] {
        match self {
            Self::Success(data) | Self::Revert(data) => data,
        }
    }
    /// Decodes a successful output as `T` (a tuple for several return values); `Err` with the
    /// revert reason when the frame reverted.
    pub fn decode<T: Decode>(&self) -> Result<T, String> {
        match self {
            Self::Success(data) => crate::abi::decode(data).map_err(|e| e.reason().to_string()),
            Self::Revert(_) => Err(self
                .revert_reason()
                .unwrap_or_else(|| "reverted without a reason".to_string())),
        }
    }
    /// The `Error(string)` reason of a revert.
    pub fn revert_reason(&self) -> Option<String> {
        match self {
            Self::Revert(data) => decode_error_string(data),
            Self::Success(_) => None,
        }
    }
}

/// The reason inside `Error(string)` revert data.
pub fn decode_error_string(data: &[u8]) -> Option<String> {
    let (selector, rest) = data.split_first_chunk::<4>()?;
    if *selector != crate::error::ERROR_SELECTOR {
        return None;
    }
    crate::abi::decode::<String>(rest).ok()
}

/// The unwinding payload that ends a mock frame.
enum Exit {
    Finish(Vec<u8>),
    Revert(Vec<u8>),
}

/// Resets this thread's environment to the default and removes the call and create handlers.
pub fn reset() {
    ENV.with(|env| *env.borrow_mut() = TestEnv::default());
    CALL_HANDLER.with(|h| *h.borrow_mut() = None);
    CREATE_HANDLER.with(|h| *h.borrow_mut() = None);
}

/// Reads or changes this thread's environment.
pub fn with_env<R>(f: impl FnOnce(&mut TestEnv) -> R) -> R {
    ENV.with(|env| f(&mut env.borrow_mut()))
}

/// Sets the caller (and the transaction origin).
pub fn set_caller(caller: Address) {
    with_env(|env| {
        env.caller = caller;
        env.origin = caller;
    })
}

/// Sets the call value of the next calls.
pub fn set_value(value: U256) {
    with_env(|env| env.value = value)
}

/// The word stored at `key` (zero when unset).
pub fn storage_at(key: &[u8; 32]) -> [u8; 32] {
    with_env(|env| env.storage.get(key).copied().unwrap_or([0u8; 32]))
}

/// Takes the logs emitted so far.
pub fn take_logs() -> Vec<Log> {
    with_env(|env| std::mem::take(&mut env.logs))
}

/// Takes what [`crate::debug!`] printed so far (with the SDK's `debug` feature; without it,
/// nothing is printed).
pub fn take_printed() -> Vec<String> {
    with_env(|env| std::mem::take(&mut env.printed))
}

/// Installs the handler for `call`, `callCode`, `callDelegate` and `callStatic` to addresses
/// other than the precompiles. Its result's `return_data` becomes the return-data buffer.
pub fn set_call_handler(handler: impl FnMut(&CallRequest) -> CallResult + 'static) {
    CALL_HANDLER.with(|h| *h.borrow_mut() = Some(Box::new(handler)));
}

/// Installs the handler for `create(value, init_code)`.
pub fn set_create_handler(
    handler: impl FnMut(U256, &[u8]) -> Result<Address, CallResult> + 'static,
) {
    CREATE_HANDLER.with(|h| *h.borrow_mut() = Some(Box::new(handler)));
}

fn install_quiet_hook() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info.payload().is::<Exit>() {
                return previous(info);
            }
            // A frame ending is not an error inside `run`; outside, say what happened.
            if FRAMES.with(|frames| frames.get()) == 0 {
                std::eprintln!(
                    "rewasm-sdk testing: finish, revert or selfDestruct was called outside \
                     testing::run / call / deploy"
                );
                previous(info)
            }
        }));
    });
}

/// Runs `frame` as a contract frame: `finish`/`revert`/`selfDestruct` end it, a panic reverts
/// with `Error(message)`, returning normally is success with empty output. Storage, logs and
/// balances are rolled back when it reverts.
pub fn run(frame: impl FnOnce()) -> Outcome {
    install_quiet_hook();
    let snapshot = with_env(|env| {
        (
            env.storage.clone(),
            env.logs.clone(),
            env.balances.clone(),
            env.self_destructed,
        )
    });
    FRAMES.with(|frames| frames.set(frames.get() + 1));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(frame));
    FRAMES.with(|frames| frames.set(frames.get().saturating_sub(1)));
    let outcome = match result {
        Ok(()) => Outcome::Success(Vec::new()),
        Err(payload) => match payload.downcast::<Exit>() {
            Ok(exit) => match *exit {
                Exit::Finish(data) => Outcome::Success(data),
                Exit::Revert(data) => Outcome::Revert(data),
            },
            Err(payload) => {
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "panic".to_string());
                Outcome::Revert(crate::encode_error_string(&message))
            }
        },
    };
    if !outcome.is_success() {
        with_env(|env| {
            (env.storage, env.logs, env.balances, env.self_destructed) = snapshot;
        });
    }
    outcome
}

/// Calls contract `C` (its `main`) with `calldata`, with the environment's caller and value.
pub fn call<C: Contract>(calldata: &[u8]) -> Outcome {
    with_env(|env| env.calldata = calldata.to_vec());
    run(C::dispatch)
}

/// Deploys contract `C`: runs its `deploy` entry (the constructor) with `args` (ABI-encoded
/// constructor arguments, e.g. `abi::encode(&(supply,))`) as call data. A constructor that
/// returns gives `Outcome::Success` with empty data (on chain, the init code then returns the
/// runtime code).
pub fn deploy<C: Contract>(args: &[u8]) -> Outcome {
    with_env(|env| env.calldata = args.to_vec());
    run(C::deploy)
}

/// The host side of [`crate::eei`]: the same functions as the wasm32 backend, on [`TestEnv`].
pub(crate) mod backend {
    use super::*;

    fn env<R>(f: impl FnOnce(&mut TestEnv) -> R) -> R {
        with_env(f)
    }

    fn u128_le(value: U256) -> [u8; 16] {
        value.low_u128().to_le_bytes()
    }

    fn copy_out(source: &[u8], offset: usize, out: &mut [u8]) {
        // Callers checked the range, as the wasm32 host would trap otherwise.
        match offset
            .checked_add(out.len())
            .and_then(|end| source.get(offset..end))
        {
            Some(bytes) => out.copy_from_slice(bytes),
            None => panic!("mock EEI: copy out of range (the node would trap)"),
        }
    }

    pub(crate) fn use_gas(amount: i64) {
        env(|e| e.gas_used = e.gas_used.saturating_add(amount.unsigned_abs()))
    }
    pub(crate) fn gas_left() -> i64 {
        env(|e| i64::try_from(e.gas_left).unwrap_or(i64::MAX))
    }
    pub(crate) fn address(out: &mut [u8; 20]) {
        *out = env(|e| e.address.0)
    }
    pub(crate) fn external_balance(address: &[u8; 20], out: &mut [u8; 16]) {
        *out = env(|e| {
            u128_le(
                e.balances
                    .get(&Address::from(*address))
                    .copied()
                    .unwrap_or_default(),
            )
        })
    }
    pub(crate) fn block_hash(number: i64, out: &mut [u8; 32]) -> i32 {
        let hash = u64::try_from(number)
            .ok()
            .and_then(|n| env(|e| e.block_hashes.get(&n).copied()));
        match hash {
            Some(hash) => {
                *out = hash.0;
                0
            }
            None => 1,
        }
    }

    fn precompile(to: &Address, data: &[u8]) -> Option<Vec<u8>> {
        use sha2::Digest;
        let [rest @ .., last] = to.0;
        if rest != [0u8; 19] {
            return None;
        }
        Some(match last {
            1 => ecrecover(data),
            2 => sha2::Sha256::digest(data).to_vec(),
            3 => {
                let mut out = vec![0u8; 12];
                out.extend_from_slice(&ripemd::Ripemd160::digest(data));
                out
            }
            4 => data.to_vec(),
            9 => crate::crypto::keccak256(data).to_vec(),
            _ => return None,
        })
    }

    /// ecrecover with the node's rules (see `rewasm-vm`'s precompiles): empty output when invalid.
    fn ecrecover(input: &[u8]) -> Vec<u8> {
        use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};
        let mut words = [[0u8; 32]; 4];
        for (word, chunk) in words.iter_mut().zip(input.chunks(32)) {
            if let Some(prefix) = word.get_mut(..chunk.len()) {
                prefix.copy_from_slice(chunk);
            }
        }
        let [hash, v, r, s] = words;
        let recover = || -> Option<Vec<u8>> {
            let [v_high @ .., v_low] = v;
            if v_high != [0u8; 31] {
                return None;
            }
            let y_odd = match v_low {
                27 => false,
                28 => true,
                _ => return None,
            };
            let signature = Signature::from_scalars(r, s).ok()?;
            let (signature, y_odd) = match signature.normalize_s() {
                Some(low_s) => (low_s, !y_odd),
                None => (signature, y_odd),
            };
            let key = VerifyingKey::recover_from_prehash(
                &hash,
                &signature,
                RecoveryId::new(y_odd, false),
            )
            .ok()?;
            let point = key.to_encoded_point(false);
            let digest = crate::crypto::keccak256(point.as_bytes().get(1..)?);
            let mut out = vec![0u8; 12];
            out.extend_from_slice(digest.get(12..)?);
            Some(out)
        };
        recover().unwrap_or_default()
    }

    fn do_call(request: CallRequest) -> i32 {
        let result = match precompile(&request.to, &request.data) {
            Some(output) => CallResult {
                status: CallStatus::Success,
                return_data: output,
            },
            None => CALL_HANDLER.with(|h| match h.borrow_mut().as_mut() {
                Some(handler) => handler(&request),
                None => CallResult {
                    status: CallStatus::Failure,
                    return_data: Vec::new(),
                },
            }),
        };
        env(|e| e.return_data = result.return_data);
        match result.status {
            CallStatus::Success => 0,
            CallStatus::Failure => 1,
            CallStatus::Revert => 2,
        }
    }

    fn request(kind: CallKind, gas: i64, to: &[u8; 20], value: U256, data: &[u8]) -> CallRequest {
        CallRequest {
            kind,
            gas: gas.unsigned_abs(),
            to: Address::from(*to),
            value,
            data: data.to_vec(),
        }
    }

    pub(crate) fn call(gas: i64, to: &[u8; 20], value: &[u8; 16], data: &[u8]) -> i32 {
        let value = U256::from(u128::from_le_bytes(*value));
        do_call(request(CallKind::Call, gas, to, value, data))
    }
    pub(crate) fn call_code(gas: i64, to: &[u8; 20], value: &[u8; 16], data: &[u8]) -> i32 {
        let value = U256::from(u128::from_le_bytes(*value));
        do_call(request(CallKind::CallCode, gas, to, value, data))
    }
    pub(crate) fn call_delegate(gas: i64, to: &[u8; 20], data: &[u8]) -> i32 {
        do_call(request(CallKind::Delegate, gas, to, U256::zero(), data))
    }
    pub(crate) fn call_static(gas: i64, to: &[u8; 20], data: &[u8]) -> i32 {
        do_call(request(CallKind::Static, gas, to, U256::zero(), data))
    }
    pub(crate) fn call_data_size() -> i32 {
        env(|e| i32::try_from(e.calldata.len()).unwrap_or(i32::MAX))
    }
    pub(crate) fn call_data_copy(out: &mut [u8], offset: usize) {
        env(|e| copy_out(&e.calldata, offset, out))
    }
    pub(crate) fn storage_store(key: &[u8; 32], value: &[u8; 32]) {
        env(|e| {
            if *value == [0u8; 32] {
                e.storage.remove(key);
            } else {
                e.storage.insert(*key, *value);
            }
        })
    }
    pub(crate) fn storage_load(key: &[u8; 32], out: &mut [u8; 32]) {
        *out = env(|e| e.storage.get(key).copied().unwrap_or([0u8; 32]))
    }
    pub(crate) fn caller(out: &mut [u8; 20]) {
        *out = env(|e| e.caller.0)
    }
    pub(crate) fn call_value(out: &mut [u8; 16]) {
        *out = env(|e| u128_le(e.value))
    }
    pub(crate) fn code_copy(out: &mut [u8], offset: usize) {
        env(|e| copy_out(&e.code, offset, out))
    }
    pub(crate) fn code_size() -> i32 {
        env(|e| i32::try_from(e.code.len()).unwrap_or(i32::MAX))
    }
    pub(crate) fn coinbase(out: &mut [u8; 20]) {
        *out = env(|e| e.coinbase.0)
    }
    pub(crate) fn create(value: &[u8; 16], init_code: &[u8], out: &mut [u8; 20]) -> i32 {
        let value = U256::from(u128::from_le_bytes(*value));
        let result = CREATE_HANDLER.with(|h| match h.borrow_mut().as_mut() {
            Some(handler) => handler(value, init_code),
            None => Err(CallResult {
                status: CallStatus::Failure,
                return_data: Vec::new(),
            }),
        });
        match result {
            Ok(address) => {
                *out = address.0;
                env(|e| e.return_data.clear());
                0
            }
            Err(failure) => {
                env(|e| e.return_data = failure.return_data);
                if failure.status == CallStatus::Revert {
                    2
                } else {
                    1
                }
            }
        }
    }
    pub(crate) fn difficulty(out: &mut [u8; 32]) {
        *out = env(|e| e.difficulty.to_little_endian())
    }
    pub(crate) fn external_code_copy(address: &[u8; 20], out: &mut [u8], offset: usize) {
        env(|e| {
            let code = e
                .codes
                .get(&Address::from(*address))
                .cloned()
                .unwrap_or_default();
            copy_out(&code, offset, out)
        })
    }
    pub(crate) fn external_code_size(address: &[u8; 20]) -> i32 {
        env(|e| {
            e.codes
                .get(&Address::from(*address))
                .map_or(0, |c| i32::try_from(c.len()).unwrap_or(i32::MAX))
        })
    }
    pub(crate) fn block_gas_limit() -> i64 {
        env(|e| i64::try_from(e.gas_limit).unwrap_or(i64::MAX))
    }
    pub(crate) fn gas_price(out: &mut [u8; 16]) {
        *out = env(|e| u128_le(e.gas_price))
    }
    #[cfg(feature = "debug")]
    pub(crate) fn print(text: &str) {
        env(|e| e.printed.push(text.to_string()))
    }
    pub(crate) fn log(topics: &[[u8; 32]], data: &[u8]) {
        env(|e| {
            let address = e.address;
            e.logs.push(Log {
                address,
                topics: topics.to_vec(),
                data: data.to_vec(),
            })
        })
    }
    pub(crate) fn block_number() -> i64 {
        env(|e| i64::try_from(e.block_number).unwrap_or(i64::MAX))
    }
    pub(crate) fn tx_origin(out: &mut [u8; 20]) {
        *out = env(|e| e.origin.0)
    }
    pub(crate) fn finish(data: &[u8]) -> ! {
        std::panic::panic_any(Exit::Finish(data.to_vec()))
    }
    pub(crate) fn revert(data: &[u8]) -> ! {
        std::panic::panic_any(Exit::Revert(data.to_vec()))
    }
    pub(crate) fn return_data_size() -> i32 {
        env(|e| i32::try_from(e.return_data.len()).unwrap_or(i32::MAX))
    }
    pub(crate) fn return_data_copy(out: &mut [u8], offset: usize) {
        env(|e| copy_out(&e.return_data, offset, out))
    }
    pub(crate) fn self_destruct(beneficiary: &[u8; 20]) -> ! {
        env(|e| e.self_destructed = Some(Address::from(*beneficiary)));
        std::panic::panic_any(Exit::Finish(Vec::new()))
    }
    pub(crate) fn timestamp() -> i64 {
        env(|e| i64::try_from(e.timestamp).unwrap_or(i64::MAX))
    }
}
