//! The 33 EEI functions (and module `rewasm`'s `keccak256`, and the dev chains' module `debug`) over [`crate::Host`], [`crate::Memory`] and [`crate::Gas`].
//!
//! [`Eei`] borrows one frame's host, linear memory, gas counter and return-data buffer, and has
//! one method per import of module `ethereum`, named in snake_case (`callDataCopy` →
//! [`Eei::call_data_copy`]). Each method takes exactly the import's wasm parameters (`i32` /
//! `i64`, as in [`crate::EEI_FUNCTIONS`]) and returns the wasm result (or `()`) or a
//! [`HostExit`] that ends the frame. The engine only converts values and binds names; every
//! decision a node must agree on is made here.
//!
//! # Why the order of every step is consensus
//!
//! A host function can end in three ways that the chain sees differently:
//!
//! - a **trap** (out of gas, an out-of-bounds pointer, a static-mode violation, a bad argument):
//!   the frame fails and *all* of its gas is consumed;
//! - a **result** (`call` returning 1 because the call stack is full, `getBlockHash` returning 1):
//!   the contract keeps running, with whatever gas was charged so far gone;
//! - a **side effect** (a storage write, a log, a nested call).
//!
//! Two traps are interchangeable (both consume everything), so the order between, say, an
//! out-of-bounds read and an out-of-gas charge does not matter. But whether a trap comes before
//! or after a result, and whether gas is charged before or after a side effect, decides the
//! receipt's gas, the state root and the contract's next steps. A call at depth 1024 with
//! 600 gas left traps (700 is charged first); with 800 left it returns 1 and the contract goes
//! on with 100. A `storageStore` must charge 20000 before it writes, or a contract that runs out
//! of gas would leave a write behind. So every function here follows Hera, the eWASM reference
//! VM the state tests were filled with, step by step; the order is written down at each function
//! and pinned by the tests in `eei/tests/it/functions.rs`.
//!
//! # Conventions
//!
//! - An `i32` pointer or length is the *bits* of the argument read as `u32` (wasm has no
//!   unsigned type; `-1` is offset 4294967295). An `i64` gas amount is signed: negative traps.
//! - Every memory access goes through [`crate::Memory`], which bounds-checks it. For Hera parity
//!   an implementation must trap when `offset + len` exceeds the memory size **even when `len` is
//!   0** (as wasm's own bulk-memory instructions do): `finish`, `revert`, `log` data and the
//!   destination of every copy are checked that way in Hera. `call` and `create` skip reading
//!   their input entirely when its length is 0 (Hera does), so a garbage offset is fine there.
//! - u128 values (call value, balance, gas price) and the u256 difficulty are little-endian;
//!   addresses, storage keys and values, hashes and topics are raw bytes.
//! - Gas is charged through [`crate::Gas::charge`], which fails with [`HostExit::OutOfGas`]
//!   without going below zero. All arithmetic is checked or saturating; nothing here panics.

mod call;
mod copy;
mod crypto;
mod debug;
mod environment;
mod state;

use std::fmt;

use primitive_types::{H256, U256};

use crate::host::{Address, Gas, Host, HostExit, Memory};

pub use rewasm_primitives::consensus::MAX_CALL_DEPTH;

/// One frame's view of the EEI: the host, the contract's linear memory, the gas counter and the
/// return-data buffer (the output of the last nested call or create).
pub struct Eei<'a, H: Host + ?Sized, M: Memory + ?Sized, G: Gas + ?Sized> {
    /// State, calls, creates and logs.
    pub host: &'a mut H,
    /// The contract's linear memory.
    pub memory: &'a mut M,
    /// The frame's gas counter.
    pub gas: &'a mut G,
    /// The frame's return-data buffer (`getReturnDataSize`, `returnDataCopy`).
    pub return_data: &'a mut Vec<u8>,
}

impl<H: Host + ?Sized, M: Memory + ?Sized, G: Gas + ?Sized> fmt::Debug for Eei<'_, H, M, G> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Eei")
            .field("return_data_len", &self.return_data.len())
            .finish_non_exhaustive()
    }
}

impl<'a, H: Host + ?Sized, M: Memory + ?Sized, G: Gas + ?Sized> Eei<'a, H, M, G> {
    /// Borrows one frame's host, memory, gas counter and return-data buffer.
    pub fn new(
        host: &'a mut H,
        memory: &'a mut M,
        gas: &'a mut G,
        return_data: &'a mut Vec<u8>,
    ) -> Self {
        Self {
            host,
            memory,
            gas,
            return_data,
        }
    }

    /// Fails with a [`HostExit::StaticViolation`] when the frame runs in static mode.
    fn ensure_not_static(&self, what: &'static str) -> Result<(), HostExit> {
        if self.host.frame().is_static {
            Err(HostExit::StaticViolation(what))
        } else {
            Ok(())
        }
    }

    /// `N` raw bytes at `offset`.
    fn read_array<const N: usize>(&self, offset: i32) -> Result<[u8; N], HostExit> {
        let len = u32::try_from(N).map_err(|_| memory_contract_broken())?;
        let bytes = self.memory.read(ptr(offset), len)?;
        <[u8; N]>::try_from(bytes.as_slice()).map_err(|_| memory_contract_broken())
    }

    /// A 20-byte address at `offset`.
    fn read_address(&self, offset: i32) -> Result<Address, HostExit> {
        self.read_array::<20>(offset).map(Address::from)
    }

    /// A 32-byte word (storage key or value, topic) at `offset`, raw bytes.
    fn read_bytes32(&self, offset: i32) -> Result<H256, HostExit> {
        self.read_array::<32>(offset).map(H256::from)
    }

    /// A u128 value, little-endian, at `offset`.
    fn read_u128(&self, offset: i32) -> Result<U256, HostExit> {
        self.read_array::<16>(offset)
            .map(|bytes| U256::from(u128::from_le_bytes(bytes)))
    }

    /// `len` bytes at `offset`, bounds-checked even when `len` is 0.
    fn read_bytes(&self, offset: i32, len: i32) -> Result<Vec<u8>, HostExit> {
        let bytes = self.memory.read(ptr(offset), ptr(len))?;
        if bytes.len() == usize_from(ptr(len)) {
            Ok(bytes)
        } else {
            Err(memory_contract_broken())
        }
    }

    /// Call data or init code: not read at all (and so not bounds-checked) when `len` is 0, as
    /// Hera does for `call*` and `create`.
    fn read_input(&self, offset: i32, len: i32) -> Result<Vec<u8>, HostExit> {
        if len == 0 {
            Ok(Vec::new())
        } else {
            self.read_bytes(offset, len)
        }
    }

    /// Writes raw bytes at `offset`.
    fn write(&mut self, offset: i32, bytes: &[u8]) -> Result<(), HostExit> {
        self.memory.write(ptr(offset), bytes)
    }

    /// Writes `value` as a little-endian u128; a value of 2^128 or more traps.
    fn write_u128(
        &mut self,
        function: &'static str,
        value: U256,
        offset: i32,
    ) -> Result<(), HostExit> {
        let value = to_u128(function, value)?;
        self.write(offset, &value.to_le_bytes())
    }

    /// Reads the address at `address_offset` and charges for reading that account: `flat`
    /// before the address is read (Hera's order) under a schedule without
    /// [`crate::gas::StateAccess`], else its warm or cold price (EIP-2929), marking it warm.
    /// `extra` (a copy's words) is charged with it.
    fn charge_account(
        &mut self,
        flat: u64,
        extra: u64,
        address_offset: i32,
    ) -> Result<Address, HostExit> {
        let Some(access) = self.host.prices().state_access else {
            self.gas
                .charge(flat.checked_add(extra).ok_or(HostExit::OutOfGas)?)?;
            return self.read_address(address_offset);
        };
        let address = self.read_address(address_offset)?;
        let price = access.account(self.host.access_account(&address));
        self.gas
            .charge(price.checked_add(extra).ok_or(HostExit::OutOfGas)?)?;
        Ok(address)
    }

    /// `address`'s balance as a u128; a balance of 2^128 or more traps, as Hera's
    /// `safeLoadUint128` does.
    fn balance_u128(
        &mut self,
        function: &'static str,
        address: &Address,
    ) -> Result<u128, HostExit> {
        let balance = self.host.balance(address);
        to_u128(function, balance)
    }
}

/// The `u32` an `i32` pointer or length stands for: its bits, read unsigned.
#[allow(clippy::cast_sign_loss)]
const fn ptr(value: i32) -> u32 {
    value as u32
}

/// A `u32` as `usize` (lossless on every target rewasm supports; saturates otherwise).
fn usize_from(value: u32) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

/// A size or count returned as wasm `i32`: the bits of the `u32` (saturated) it fits in.
#[allow(clippy::cast_possible_wrap)]
fn i32_result(value: usize) -> i32 {
    u32::try_from(value).unwrap_or(u32::MAX) as i32
}

/// A `u64` returned as wasm `i64`: its bits, as Hera's `int64_t` block fields.
#[allow(clippy::cast_possible_wrap)]
const fn i64_result(value: u64) -> i64 {
    value as i64
}

/// `value` as a u128, or an [`HostExit::InvalidArgument`] trap when it does not fit.
fn to_u128(function: &'static str, value: U256) -> Result<u128, HostExit> {
    if value > U256::from(u128::MAX) {
        Err(HostExit::InvalidArgument {
            function,
            reason: "value exceeds 128 bits",
        })
    } else {
        Ok(value.low_u128())
    }
}

/// Charges `base` + W(`length`) (the copy rule of the EEI).
fn charge_copy<G: Gas + ?Sized>(gas: &mut G, base: u64, length: u32) -> Result<(), HostExit> {
    let cost = base
        .checked_add(crate::gas::copy_words(u64::from(length)))
        .ok_or(HostExit::OutOfGas)?;
    gas.charge(cost)
}

/// All but one 64th of `left` (EIP-150): the most a nested call or create may receive.
const fn all_but_one_64th(left: u64) -> u64 {
    left - left / 64
}

/// A [`crate::Memory`] returned a different number of bytes than asked for: a bug in the
/// engine's memory, turned into a trap rather than a panic.
fn memory_contract_broken() -> HostExit {
    HostExit::InvalidArgument {
        function: "memory",
        reason: "the memory returned a different number of bytes than requested",
    }
}
