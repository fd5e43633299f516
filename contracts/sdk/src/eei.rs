//! The Ethereum Environment Interface: the 33 host functions of module `ethereum`.
//!
//! [`sys`] declares them exactly as the node checks them (pointers and lengths are `i32`, gas and
//! block numbers `i64`); the functions of this module wrap them in safe Rust. Byte orders follow
//! the EEI: 128-bit values (call value, balances, gas price) are little-endian in memory and are
//! converted to and from [`U256`] here; addresses, storage keys and values, hashes and topics are
//! raw bytes.
//!
//! Nothing here traps on contract data: where the host would trap (a copy past the end of its
//! source, more than four topics, a value of 2^128 or more), the wrapper checks first and reverts
//! with an `Error(string)` reason instead, or returns `None`/`false`.
//!
//! On the host (not wasm32) the wrappers run against the mock environment of
//! [`crate::testing`], so contract logic can be unit-tested with `cargo test`.

use alloc::vec;
use alloc::vec::Vec;

use crate::{Address, H256, U256};

/// The raw imports. Declared on every target so the documentation shows them, but only wasm32
/// builds call them (a host build never references them, so it never needs to link them).
#[allow(missing_docs)]
pub mod sys {
    #[link(wasm_import_module = "ethereum")]
    unsafe extern "C" {
        #[link_name = "useGas"]
        pub fn use_gas(amount: i64);
        #[link_name = "getGasLeft"]
        pub fn get_gas_left() -> i64;
        #[link_name = "getAddress"]
        pub fn get_address(result_offset: *mut u8);
        #[link_name = "getExternalBalance"]
        pub fn get_external_balance(address_offset: *const u8, result_offset: *mut u8);
        #[link_name = "getBlockHash"]
        pub fn get_block_hash(number: i64, result_offset: *mut u8) -> i32;
        #[link_name = "call"]
        pub fn call(
            gas: i64,
            address_offset: *const u8,
            value_offset: *const u8,
            data_offset: *const u8,
            data_length: i32,
        ) -> i32;
        #[link_name = "callDataCopy"]
        pub fn call_data_copy(result_offset: *mut u8, data_offset: i32, length: i32);
        #[link_name = "getCallDataSize"]
        pub fn get_call_data_size() -> i32;
        #[link_name = "callCode"]
        pub fn call_code(
            gas: i64,
            address_offset: *const u8,
            value_offset: *const u8,
            data_offset: *const u8,
            data_length: i32,
        ) -> i32;
        #[link_name = "callDelegate"]
        pub fn call_delegate(
            gas: i64,
            address_offset: *const u8,
            data_offset: *const u8,
            data_length: i32,
        ) -> i32;
        #[link_name = "callStatic"]
        pub fn call_static(
            gas: i64,
            address_offset: *const u8,
            data_offset: *const u8,
            data_length: i32,
        ) -> i32;
        #[link_name = "storageStore"]
        pub fn storage_store(path_offset: *const u8, value_offset: *const u8);
        #[link_name = "storageLoad"]
        pub fn storage_load(path_offset: *const u8, result_offset: *mut u8);
        #[link_name = "getCaller"]
        pub fn get_caller(result_offset: *mut u8);
        #[link_name = "getCallValue"]
        pub fn get_call_value(result_offset: *mut u8);
        #[link_name = "codeCopy"]
        pub fn code_copy(result_offset: *mut u8, code_offset: i32, length: i32);
        #[link_name = "getCodeSize"]
        pub fn get_code_size() -> i32;
        #[link_name = "getBlockCoinbase"]
        pub fn get_block_coinbase(result_offset: *mut u8);
        #[link_name = "create"]
        pub fn create(
            value_offset: *const u8,
            data_offset: *const u8,
            data_length: i32,
            result_offset: *mut u8,
        ) -> i32;
        #[link_name = "getBlockDifficulty"]
        pub fn get_block_difficulty(result_offset: *mut u8);
        #[link_name = "externalCodeCopy"]
        pub fn external_code_copy(
            address_offset: *const u8,
            result_offset: *mut u8,
            code_offset: i32,
            length: i32,
        );
        #[link_name = "getExternalCodeSize"]
        pub fn get_external_code_size(address_offset: *const u8) -> i32;
        #[link_name = "getBlockGasLimit"]
        pub fn get_block_gas_limit() -> i64;
        #[link_name = "getTxGasPrice"]
        pub fn get_tx_gas_price(value_offset: *mut u8);
        #[link_name = "log"]
        pub fn log(
            data_offset: *const u8,
            data_length: i32,
            number_of_topics: i32,
            topic1: *const u8,
            topic2: *const u8,
            topic3: *const u8,
            topic4: *const u8,
        );
        #[link_name = "getBlockNumber"]
        pub fn get_block_number() -> i64;
        #[link_name = "getTxOrigin"]
        pub fn get_tx_origin(result_offset: *mut u8);
        #[link_name = "finish"]
        pub fn finish(data_offset: *const u8, data_length: i32) -> !;
        #[link_name = "revert"]
        pub fn revert(data_offset: *const u8, data_length: i32) -> !;
        #[link_name = "getReturnDataSize"]
        pub fn get_return_data_size() -> i32;
        #[link_name = "returnDataCopy"]
        pub fn return_data_copy(result_offset: *mut u8, data_offset: i32, length: i32);
        #[link_name = "selfDestruct"]
        pub fn self_destruct(address_offset: *const u8) -> !;
        #[link_name = "getBlockTimestamp"]
        pub fn get_block_timestamp() -> i64;
    }

    // Module `rewasm`: the node's own host functions (chains on the `v2` gas schedule).
    #[link(wasm_import_module = "rewasm")]
    unsafe extern "C" {
        pub fn keccak256(data_offset: *const u8, data_length: i32, result_offset: *mut u8);
    }

    // Module `debug`: printing, on dev chains only (the SDK's `debug` feature, `crate::debug!`).
    #[link(wasm_import_module = "debug")]
    unsafe extern "C" {
        #[link_name = "printMem"]
        pub fn print_mem(offset: *const u8, length: i32);
    }
}

/// The host functions as slices and arrays instead of pointers: on wasm32 the imports, on the host
/// the mock of [`crate::testing`]. Callers check ranges; this layer does not.
#[cfg(target_arch = "wasm32")]
pub(crate) mod backend {
    use super::sys;

    // Lengths and offsets of wasm32 memory always fit in an i32 range the host accepts; casts
    // below only reinterpret them. Every call is into a host function of module `ethereum`
    // declared in `sys` with the signature the node checks at instantiation; the host validates
    // every range against the contract's memory and traps instead of reading or writing outside
    // it, so the one obligation here is that each pointer names the buffer passed with it.
    #[inline]
    fn len(data: &[u8]) -> i32 {
        data.len() as i32
    }

    pub(crate) fn use_gas(amount: i64) {
        // SAFETY: no pointers: the import takes and returns plain integers.
        unsafe { sys::use_gas(amount) }
    }
    pub(crate) fn gas_left() -> i64 {
        // SAFETY: no pointers: the import takes and returns plain integers.
        unsafe { sys::get_gas_left() }
    }
    pub(crate) fn address(out: &mut [u8; 20]) {
        // SAFETY: `out` is a live, exclusively borrowed buffer of the size the host writes.
        unsafe { sys::get_address(out.as_mut_ptr()) }
    }
    pub(crate) fn external_balance(address: &[u8; 20], out: &mut [u8; 16]) {
        // SAFETY: the inputs are live slices of the lengths passed, and `out` is a live buffer of
        // the size the host writes.
        unsafe { sys::get_external_balance(address.as_ptr(), out.as_mut_ptr()) }
    }
    pub(crate) fn block_hash(number: i64, out: &mut [u8; 32]) -> i32 {
        // SAFETY: `out` is a live, exclusively borrowed buffer of the size the host writes.
        unsafe { sys::get_block_hash(number, out.as_mut_ptr()) }
    }
    pub(crate) fn call(gas: i64, to: &[u8; 20], value: &[u8; 16], data: &[u8]) -> i32 {
        // SAFETY: the pointers and lengths describe live slices the host only reads.
        unsafe { sys::call(gas, to.as_ptr(), value.as_ptr(), data.as_ptr(), len(data)) }
    }
    pub(crate) fn call_code(gas: i64, to: &[u8; 20], value: &[u8; 16], data: &[u8]) -> i32 {
        // SAFETY: the pointers and lengths describe live slices the host only reads.
        unsafe { sys::call_code(gas, to.as_ptr(), value.as_ptr(), data.as_ptr(), len(data)) }
    }
    pub(crate) fn call_delegate(gas: i64, to: &[u8; 20], data: &[u8]) -> i32 {
        // SAFETY: the pointers and lengths describe live slices the host only reads.
        unsafe { sys::call_delegate(gas, to.as_ptr(), data.as_ptr(), len(data)) }
    }
    pub(crate) fn call_static(gas: i64, to: &[u8; 20], data: &[u8]) -> i32 {
        // SAFETY: the pointers and lengths describe live slices the host only reads.
        unsafe { sys::call_static(gas, to.as_ptr(), data.as_ptr(), len(data)) }
    }
    pub(crate) fn call_data_size() -> i32 {
        // SAFETY: no pointers: the import takes and returns plain integers.
        unsafe { sys::get_call_data_size() }
    }
    pub(crate) fn call_data_copy(out: &mut [u8], offset: usize) {
        // SAFETY: `out` is a live, exclusively borrowed buffer of the size the host writes.
        unsafe { sys::call_data_copy(out.as_mut_ptr(), offset as i32, out.len() as i32) }
    }
    pub(crate) fn storage_store(key: &[u8; 32], value: &[u8; 32]) {
        // SAFETY: the pointers and lengths describe live slices the host only reads.
        unsafe { sys::storage_store(key.as_ptr(), value.as_ptr()) }
    }
    pub(crate) fn storage_load(key: &[u8; 32], out: &mut [u8; 32]) {
        // SAFETY: the inputs are live slices of the lengths passed, and `out` is a live buffer of
        // the size the host writes.
        unsafe { sys::storage_load(key.as_ptr(), out.as_mut_ptr()) }
    }
    pub(crate) fn caller(out: &mut [u8; 20]) {
        // SAFETY: `out` is a live, exclusively borrowed buffer of the size the host writes.
        unsafe { sys::get_caller(out.as_mut_ptr()) }
    }
    pub(crate) fn call_value(out: &mut [u8; 16]) {
        // SAFETY: `out` is a live, exclusively borrowed buffer of the size the host writes.
        unsafe { sys::get_call_value(out.as_mut_ptr()) }
    }
    pub(crate) fn code_copy(out: &mut [u8], offset: usize) {
        // SAFETY: `out` is a live, exclusively borrowed buffer of the size the host writes.
        unsafe { sys::code_copy(out.as_mut_ptr(), offset as i32, out.len() as i32) }
    }
    pub(crate) fn code_size() -> i32 {
        // SAFETY: no pointers: the import takes and returns plain integers.
        unsafe { sys::get_code_size() }
    }
    pub(crate) fn coinbase(out: &mut [u8; 20]) {
        // SAFETY: `out` is a live, exclusively borrowed buffer of the size the host writes.
        unsafe { sys::get_block_coinbase(out.as_mut_ptr()) }
    }
    pub(crate) fn create(value: &[u8; 16], init_code: &[u8], out: &mut [u8; 20]) -> i32 {
        // SAFETY: the inputs are live slices of the lengths passed, and `out` is a live buffer of
        // the size the host writes.
        unsafe {
            sys::create(
                value.as_ptr(),
                init_code.as_ptr(),
                len(init_code),
                out.as_mut_ptr(),
            )
        }
    }
    pub(crate) fn difficulty(out: &mut [u8; 32]) {
        // SAFETY: `out` is a live, exclusively borrowed buffer of the size the host writes.
        unsafe { sys::get_block_difficulty(out.as_mut_ptr()) }
    }
    pub(crate) fn external_code_copy(address: &[u8; 20], out: &mut [u8], offset: usize) {
        // SAFETY: the inputs are live slices of the lengths passed, and `out` is a live buffer of
        // the size the host writes.
        unsafe {
            sys::external_code_copy(
                address.as_ptr(),
                out.as_mut_ptr(),
                offset as i32,
                out.len() as i32,
            )
        }
    }
    pub(crate) fn external_code_size(address: &[u8; 20]) -> i32 {
        // SAFETY: the pointers and lengths describe live slices the host only reads.
        unsafe { sys::get_external_code_size(address.as_ptr()) }
    }
    pub(crate) fn block_gas_limit() -> i64 {
        // SAFETY: no pointers: the import takes and returns plain integers.
        unsafe { sys::get_block_gas_limit() }
    }
    pub(crate) fn gas_price(out: &mut [u8; 16]) {
        // SAFETY: `out` is a live, exclusively borrowed buffer of the size the host writes.
        unsafe { sys::get_tx_gas_price(out.as_mut_ptr()) }
    }
    /// `topics` has at most four entries (checked by the caller).
    pub(crate) fn log(topics: &[[u8; 32]], data: &[u8]) {
        let ptr = |i: usize| topics.get(i).map_or(core::ptr::null(), |t| t.as_ptr());
        // SAFETY: each pointer is a live slice or a 32-byte topic (null past `topics.len()`), read
        // by the host only within the given lengths.
        unsafe {
            sys::log(
                data.as_ptr(),
                len(data),
                topics.len() as i32,
                ptr(0),
                ptr(1),
                ptr(2),
                ptr(3),
            )
        }
    }
    pub(crate) fn block_number() -> i64 {
        // SAFETY: no pointers: the import takes and returns plain integers.
        unsafe { sys::get_block_number() }
    }
    pub(crate) fn tx_origin(out: &mut [u8; 20]) {
        // SAFETY: `out` is a live, exclusively borrowed buffer of the size the host writes.
        unsafe { sys::get_tx_origin(out.as_mut_ptr()) }
    }
    pub(crate) fn finish(data: &[u8]) -> ! {
        // SAFETY: the pointers and lengths describe live slices the host only reads.
        unsafe { sys::finish(data.as_ptr(), len(data)) }
    }
    pub(crate) fn revert(data: &[u8]) -> ! {
        // SAFETY: the pointers and lengths describe live slices the host only reads.
        unsafe { sys::revert(data.as_ptr(), len(data)) }
    }
    pub(crate) fn return_data_size() -> i32 {
        // SAFETY: no pointers: the import takes and returns plain integers.
        unsafe { sys::get_return_data_size() }
    }
    pub(crate) fn return_data_copy(out: &mut [u8], offset: usize) {
        // SAFETY: `out` is a live, exclusively borrowed buffer of the size the host writes.
        unsafe { sys::return_data_copy(out.as_mut_ptr(), offset as i32, out.len() as i32) }
    }
    pub(crate) fn self_destruct(beneficiary: &[u8; 20]) -> ! {
        // SAFETY: the pointers and lengths describe live slices the host only reads.
        unsafe { sys::self_destruct(beneficiary.as_ptr()) }
    }
    pub(crate) fn timestamp() -> i64 {
        // SAFETY: no pointers: the import takes and returns plain integers.
        unsafe { sys::get_block_timestamp() }
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub(crate) use crate::testing::backend;

/// Gas to pass to [`call`] and friends to forward as much as the EIP-150 rule allows (all but
/// 1/64 of what is left); the callee's unused gas comes back.
pub const ALL_GAS: u64 = i64::MAX as u64;

/// How a call or create ended, as the EEI reports it (0, 1, 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallStatus {
    /// 0: the callee finished (or returned from `main`).
    Success,
    /// 1: the callee trapped, ran out of gas, or the call could not start (depth 1024,
    /// insufficient balance). Return data is empty or the callee's output.
    Failure,
    /// 2: the callee reverted; the return data is its revert output.
    Revert,
}

impl CallStatus {
    fn from_code(code: i32) -> Self {
        match code {
            0 => Self::Success,
            2 => Self::Revert,
            _ => Self::Failure,
        }
    }
}

/// The result of [`call`], [`call_code`], [`call_delegate`], [`call_static`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallResult {
    /// How the callee ended.
    pub status: CallStatus,
    /// The callee's output (its `finish` or `revert` data), copied from the return-data buffer.
    pub return_data: Vec<u8>,
}

impl CallResult {
    /// True when the callee finished successfully.
    pub fn is_success(&self) -> bool {
        self.status == CallStatus::Success
    }

    /// The output of a successful call, or a revert that passes the callee's revert data on (so
    /// the caller's caller sees the original reason) when it reverted, or `Error("call failed")`
    /// when it failed.
    pub fn unwrap_or_revert(self) -> Vec<u8> {
        match self.status {
            CallStatus::Success => self.return_data,
            CallStatus::Revert => revert(&self.return_data),
            CallStatus::Failure => crate::revert_with("call failed"),
        }
    }
}

fn value_bytes(value: U256) -> [u8; 16] {
    if value.bits() > 128 {
        crate::revert_with("value does not fit in 128 bits");
    }
    value.low_u128().to_le_bytes()
}

fn gas_arg(gas: u64) -> i64 {
    i64::try_from(gas).unwrap_or(i64::MAX)
}

fn u128_from_le(bytes: [u8; 16]) -> U256 {
    U256::from(u128::from_le_bytes(bytes))
}

fn size(size: i32) -> usize {
    usize::try_from(size).unwrap_or(0)
}

fn call_result(code: i32) -> CallResult {
    CallResult {
        status: CallStatus::from_code(code),
        return_data: return_data(),
    }
}

/// `useGas`: charges `amount` gas.
pub fn use_gas(amount: u64) {
    backend::use_gas(gas_arg(amount))
}

/// `getGasLeft`: the gas left in this frame.
pub fn gas_left() -> u64 {
    u64::try_from(backend::gas_left()).unwrap_or(0)
}

/// `getAddress`: this contract's address.
pub fn address() -> Address {
    let mut out = [0u8; 20];
    backend::address(&mut out);
    Address::from(out)
}

/// `getCaller`: the caller of this frame (`msg.sender`).
pub fn caller() -> Address {
    let mut out = [0u8; 20];
    backend::caller(&mut out);
    Address::from(out)
}

/// `getTxOrigin`: the account that signed the transaction (`tx.origin`).
pub fn tx_origin() -> Address {
    let mut out = [0u8; 20];
    backend::tx_origin(&mut out);
    Address::from(out)
}

/// `getCallValue`: the value sent with this call, in wei (`msg.value`).
pub fn call_value() -> U256 {
    let mut out = [0u8; 16];
    backend::call_value(&mut out);
    u128_from_le(out)
}

/// True when the call carries no value (cheaper than comparing [`call_value`] with zero).
pub fn call_value_is_zero() -> bool {
    let mut out = [0u8; 16];
    backend::call_value(&mut out);
    out == [0u8; 16]
}

/// `getExternalBalance`: the balance of `account`, in wei.
pub fn balance(account: &Address) -> U256 {
    let mut out = [0u8; 16];
    backend::external_balance(account.as_fixed_bytes(), &mut out);
    u128_from_le(out)
}

/// `getBlockHash`: the hash of block `number`, when it is one of the 256 most recent.
pub fn block_hash(number: u64) -> Option<H256> {
    let mut out = [0u8; 32];
    let number = i64::try_from(number).ok()?;
    (backend::block_hash(number, &mut out) == 0).then(|| H256::from(out))
}

/// `getBlockNumber`.
pub fn block_number() -> u64 {
    u64::try_from(backend::block_number()).unwrap_or(0)
}

/// `getBlockTimestamp`: seconds since the Unix epoch.
pub fn timestamp() -> u64 {
    u64::try_from(backend::timestamp()).unwrap_or(0)
}

/// `getBlockGasLimit`.
pub fn block_gas_limit() -> u64 {
    u64::try_from(backend::block_gas_limit()).unwrap_or(0)
}

/// `getBlockCoinbase`: the block's beneficiary.
pub fn coinbase() -> Address {
    let mut out = [0u8; 20];
    backend::coinbase(&mut out);
    Address::from(out)
}

/// `getBlockDifficulty` (a 256-bit little-endian value in memory).
pub fn difficulty() -> U256 {
    let mut out = [0u8; 32];
    backend::difficulty(&mut out);
    U256::from_little_endian(&out)
}

/// `getTxGasPrice`, in wei.
pub fn gas_price() -> U256 {
    let mut out = [0u8; 16];
    backend::gas_price(&mut out);
    u128_from_le(out)
}

/// `getCallDataSize`.
pub fn calldata_size() -> usize {
    size(backend::call_data_size())
}

/// The whole call data (`getCallDataSize` + `callDataCopy`).
pub fn calldata() -> Vec<u8> {
    let mut out = vec![0u8; calldata_size()];
    if !out.is_empty() {
        backend::call_data_copy(&mut out, 0);
    }
    out
}

/// `callDataCopy` of `out.len()` bytes at `offset`; false (and nothing copied) when the range
/// runs past the end of the call data (where the host would trap).
pub fn calldata_copy(offset: usize, out: &mut [u8]) -> bool {
    let fits = offset
        .checked_add(out.len())
        .is_some_and(|end| end <= calldata_size());
    if fits && !out.is_empty() {
        backend::call_data_copy(out, offset);
    }
    fits
}

/// `storageLoad`: the 32-byte word at `key` (zero when never written).
pub fn storage_load(key: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    backend::storage_load(key, &mut out);
    out
}

/// `storageStore`: writes the 32-byte word at `key` (storing zero clears the slot and earns the
/// refund).
pub fn storage_store(key: &[u8; 32], value: &[u8; 32]) {
    backend::storage_store(key, value)
}

/// `log`: emits a log with up to four topics. More than four reverts with a reason (the host
/// would trap). For Solidity-style events see [`crate::Event`] and [`crate::emit_event`].
pub fn log(topics: &[[u8; 32]], data: &[u8]) {
    if topics.len() > 4 {
        crate::revert_with("log: more than 4 topics");
    }
    backend::log(topics, data)
}

/// `finish`: ends the frame successfully with `data` as its output.
pub fn finish(data: &[u8]) -> ! {
    backend::finish(data)
}

/// `revert`: ends the frame with `data` as its output; state changes are rolled back and the
/// unused gas is returned. For a reason clients display, use [`crate::revert_with`].
pub fn revert(data: &[u8]) -> ! {
    backend::revert(data)
}

/// `selfDestruct`: schedules this account for deletion, sends its balance to `beneficiary`, and
/// ends the frame successfully.
pub fn self_destruct(beneficiary: &Address) -> ! {
    backend::self_destruct(beneficiary.as_fixed_bytes())
}

/// `getReturnDataSize`: the size of the last call's output.
pub fn return_data_size() -> usize {
    size(backend::return_data_size())
}

/// The whole return-data buffer: the output of the last call or of a failed create. With the
/// `precompile-keccak` feature, [`crate::crypto::keccak256`] (and so every storage map access)
/// is itself a call to a precompile on wasm32 and replaces this buffer.
pub fn return_data() -> Vec<u8> {
    let mut out = vec![0u8; return_data_size()];
    if !out.is_empty() {
        backend::return_data_copy(&mut out, 0);
    }
    out
}

/// `returnDataCopy` of `out.len()` bytes at `offset`; false (and nothing copied) when the range
/// runs past the end of the buffer.
pub fn return_data_copy(offset: usize, out: &mut [u8]) -> bool {
    let fits = offset
        .checked_add(out.len())
        .is_some_and(|end| end <= return_data_size());
    if fits && !out.is_empty() {
        backend::return_data_copy(out, offset);
    }
    fits
}

/// `getCodeSize`: the size of this frame's code (the init code during a create).
pub fn code_size() -> usize {
    size(backend::code_size())
}

/// `codeCopy` of `out.len()` bytes of this frame's code at `offset`; false (and nothing copied)
/// when the range runs past the end of the code.
pub fn code_copy(offset: usize, out: &mut [u8]) -> bool {
    let fits = offset
        .checked_add(out.len())
        .is_some_and(|end| end <= code_size());
    if fits && !out.is_empty() {
        backend::code_copy(out, offset);
    }
    fits
}

/// `getExternalCodeSize`: the code size of `account` (0 for an account without code).
pub fn external_code_size(account: &Address) -> usize {
    size(backend::external_code_size(account.as_fixed_bytes()))
}

/// `externalCodeCopy` of `out.len()` bytes of `account`'s code at `offset`; false (and nothing
/// copied) when the range runs past the end of that code.
pub fn external_code_copy(account: &Address, offset: usize, out: &mut [u8]) -> bool {
    let fits = offset
        .checked_add(out.len())
        .is_some_and(|end| end <= external_code_size(account));
    if fits && !out.is_empty() {
        backend::external_code_copy(account.as_fixed_bytes(), out, offset);
    }
    fits
}

/// `call`: calls `to` with `value` wei and `data`, forwarding at most `gas` (use [`ALL_GAS`]).
/// The callee's output is copied out of the return-data buffer. A `value` of 2^128 or more
/// reverts (the EEI carries 128-bit values).
pub fn call(gas: u64, to: &Address, value: U256, data: &[u8]) -> CallResult {
    let value = value_bytes(value);
    call_result(backend::call(
        gas_arg(gas),
        to.as_fixed_bytes(),
        &value,
        data,
    ))
}

/// `callCode`: runs `to`'s code on this contract's storage, with `value`.
pub fn call_code(gas: u64, to: &Address, value: U256, data: &[u8]) -> CallResult {
    let value = value_bytes(value);
    call_result(backend::call_code(
        gas_arg(gas),
        to.as_fixed_bytes(),
        &value,
        data,
    ))
}

/// `callDelegate`: runs `to`'s code on this contract's storage, keeping this frame's caller and
/// value (what a proxy does).
pub fn call_delegate(gas: u64, to: &Address, data: &[u8]) -> CallResult {
    call_result(backend::call_delegate(
        gas_arg(gas),
        to.as_fixed_bytes(),
        data,
    ))
}

/// `callStatic`: calls `to` in static mode (it cannot write storage, log, create, self-destruct or
/// send value).
pub fn call_static(gas: u64, to: &Address, data: &[u8]) -> CallResult {
    call_result(backend::call_static(
        gas_arg(gas),
        to.as_fixed_bytes(),
        data,
    ))
}

/// `create`: deploys `init_code` with `value` wei (forwarding all but 1/64 of the gas left). On
/// success the new contract's address; otherwise how it ended, with the init code's output (its
/// revert data) when there is one.
pub fn create(value: U256, init_code: &[u8]) -> Result<Address, CallResult> {
    let value = value_bytes(value);
    let mut out = [0u8; 20];
    let code = backend::create(&value, init_code, &mut out);
    if code == 0 {
        Ok(Address::from(out))
    } else {
        Err(call_result(code))
    }
}
