//! # rewasm-sdk: write rewasm contracts in Rust
//!
//! A rewasm contract is a wasm32 module that exports `main: [] -> []` and `memory`, and imports only
//! functions of module `ethereum` (the eWASM EEI). This crate gives a Rust contract everything it
//! needs to be used from the Ethereum tools people already have (ethers, web3.py, viem, cast):
//!
//! - [`eei`]: the 33 host functions, raw ([`eei::sys`]) and wrapped in safe functions;
//! - [`abi`]: Solidity ABI encoding and decoding, so calldata, return data and events look exactly
//!   like a Solidity contract's;
//! - [`storage`]: the Solidity storage layout (`StorageValue`, `StorageMap`, `StorageVec`,
//!   `StorageString`), so `eth_getStorageAt` shows what a Solidity developer expects;
//! - [`Event`] and [`emit_event`]: Solidity-ABI logs (topic0 = keccak256 of the signature);
//! - [`revert_with`]: reverts with Solidity's `Error(string)`, so clients show the reason;
//! - [`crypto`]: keccak256 (through the precompile at 0x09), sha256, ripemd160, ecrecover;
//! - [`macro@contract`] / [`macro@event`]: turn an `impl` block into an ABI dispatcher with the
//!   standard ABI JSON embedded in the module, and a struct into an event;
//! - [`testing`] (host only): a mock EEI to unit-test contracts with `cargo test`.
//!
//! ## A contract
//!
//! ```
//! #![cfg_attr(target_arch = "wasm32", no_std)]
//! use rewasm_sdk::prelude::*;
//!
//! const COUNT: StorageValue<U256> = StorageValue::new(0);
//!
//! #[event]
//! #[derive(Debug)]
//! pub struct Incremented {
//!     #[indexed]
//!     pub by: Address,
//!     pub count: U256,
//! }
//!
//! #[derive(Debug)]
//! pub struct Counter;
//!
//! #[contract(events(Incremented))]
//! impl Counter {
//!     #[constructor]
//!     pub fn new(&mut self, start: U256) {
//!         COUNT.set(start);
//!     }
//!
//!     /// `count()`, view.
//!     pub fn count(&self) -> U256 {
//!         COUNT.get()
//!     }
//!
//!     /// `increment()`, nonpayable: reverts if called with value.
//!     pub fn increment(&mut self) -> U256 {
//!         let count = COUNT.get() + 1; // U256 arithmetic reverts on overflow
//!         COUNT.set(count);
//!         Incremented { by: eei::caller(), count }.emit();
//!         count
//!     }
//! }
//!
//! // On the host, `testing` runs it against a mock chain:
//! # fn main() {
//! use rewasm_sdk::testing;
//! testing::reset();
//! assert!(testing::deploy::<Counter>(&abi::encode(&U256::from(41))).is_success());
//! let out = testing::call::<Counter>(&selector!("increment()"));
//! assert_eq!(out.decode::<U256>(), Ok(U256::from(42)));
//! # }
//! ```
//!
//! Build it as a `cdylib` for `wasm32-unknown-unknown` (`rewasm build` does it and trims the module
//! to the eWASM shape). On wasm32 the crate must be `no_std` (this crate brings the panic handler
//! and the allocator, see the features below); on the host it should use std
//! (`#![cfg_attr(target_arch = "wasm32", no_std)]`), so that `cargo test` can build it and run its
//! tests against [`testing`]. Add `"rlib"` to its `crate-type` for integration tests in `tests/`.
//! The macros name this crate `::rewasm_sdk`: depend on it under that name.
//!
//! ## Size and gas
//!
//! Measured with `rewasm build` and `rewasm run` (default gas schedule): a counter is 4.5 KB of
//! runtime code and `increment()` costs 52,133 gas; the ERC-20 of this crate's tests is 12.4 KB,
//! `transfer` costs 65,916 gas and `balanceOf` 34,075. Of every call, 30,000 gas is the one
//! initial memory page (32 KiB stack + data + heap), and each keccak256 (each map access) about
//! 870. To stay small and cheap:
//! - avoid `format!` and `{}` formatting, above all of `U256` (it links `core::fmt` and 256-bit
//!   division: the ERC-20 grows from 12.4 KB to 20.9 KB with one formatted revert message);
//!   revert with static strings;
//! - for a read-modify-write of a map entry use [`storage::StorageMap::entry`] (one hash);
//! - keep heap data under the ~28 KiB left in the first page (each further page is 30,000 gas).
//!
//! U256 arithmetic (`+`, `-`, `*`) panics on overflow, and a panic reverts (see the features):
//! Solidity 0.8's checked arithmetic. Use `checked_add`/`overflowing_add` to handle it yourself.
//!
//! ## Features
//! - `panic-handler` (default): on wasm32, a `#[panic_handler]` that reverts with `Error(string)`
//!   carrying the panic message when it is static (`panic!("text")`, `expect("text")`, U256
//!   overflow); a message with arguments (an index out of bounds, `unwrap` on `Err`) reverts
//!   with `"panic"`.
//! - `panic-fmt`: also format messages with arguments (links `core::fmt`, several KiB). The host
//!   mock of [`testing`] always shows the full message.
//! - `allocator` (default): on wasm32, a bump `#[global_allocator]`: it never frees except the
//!   last allocation, which is right for a frame that lives for one call. Memory grows by whole
//!   64 KiB pages, which the default gas schedule prices (30,000 gas each), so keep data small.
//! - `precompile-keccak`: keccak256 through the precompile at 0x09, for chains whose schedule
//!   does not offer module `rewasm`.
//! - `debug`: [`debug!`] prints (module `debug`, dev chains only; see [`mod@debug`]); without it
//!   `debug!` does nothing (its arguments are not even evaluated) and costs nothing.
//!
//! ## Entry points (what `rewasm build` relies on)
//! [`macro@contract`] exports two functions `[] -> []` on wasm32:
//! - `main`, the dispatcher ([`Contract::dispatch`]);
//! - `deploy`, the constructor entry ([`Contract::deploy`]): it checks the call value (unless the
//!   constructor is `#[payable]`), decodes the constructor arguments from the call data (deploy
//!   tools append them to the init code after its empty `rewasm.args` section and the node passes
//!   them to the init frame as call data), runs the `#[constructor]` and **returns normally**; an
//!   error reverts the create.
//!
//! `rewasm build` keeps `main` (and what it reaches) as the runtime code, and makes the init code
//! from `deploy`: its `main` calls `deploy`, then `finish`es with the runtime code.
//!
//! ## The ABI JSON (custom section `rewasm.abi`)
//! [`macro@contract`] embeds the contract's ABI — a standard Solidity ABI JSON array (functions
//! with inputs, outputs and stateMutability, the constructor, fallback/receive, and the events
//! listed in `#[contract(events(...))]`) — as the custom section `rewasm.abi` on wasm32. The same
//! text is [`Contract::abi_json`] on every target.

#![no_std]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(not(target_arch = "wasm32"))]
extern crate std;

pub mod abi;
mod alloc_impl;
pub mod crypto;
pub mod debug;
pub mod eei;
mod error;
mod event;
pub mod interface;
mod panic;
pub mod storage;
#[cfg(not(target_arch = "wasm32"))]
pub mod testing;
mod utf8;

#[doc(hidden)]
pub mod __private;

pub use error::{
    ERROR_SELECTOR, MAX_REASON_LEN, RevertData, RevertReason, encode_error_string, revert_with,
};
pub use event::{Event, emit_event};
pub use primitive_types::{H160, H256, U256};
pub use rewasm_sdk_macros::{contract, event, interface, keccak, selector};

/// A 20-byte account address (`address` in Solidity). The same type as the node's `Address`.
pub type Address = H160;

/// What [`macro@contract`] implements for the contract type.
pub trait Contract {
    /// The contract's ABI as standard Solidity ABI JSON (an array of function, constructor,
    /// fallback, receive and event entries). On wasm32 the same bytes are the `rewasm.abi` custom
    /// section.
    fn abi_json() -> &'static str;
    /// The `main` entry: reads the call data, picks the function by its selector, checks the call
    /// value, decodes the arguments, runs the function, and `finish`es with the ABI-encoded result.
    /// Reverts with `Error(string)` on an unknown selector, a value sent to a non-payable function,
    /// or arguments that do not decode.
    fn dispatch();
    /// The `deploy` entry: checks the call value (unless the constructor is `#[payable]`),
    /// decodes the constructor arguments from the call data, runs the `#[constructor]` (if any)
    /// and returns; the init code made by `rewasm build` then finishes with the runtime code.
    fn deploy();
}

/// Everything a contract usually needs: `use rewasm_sdk::prelude::*;`.
pub mod prelude {
    pub use crate::abi::{self, AbiType, Decode, Encode};
    pub use crate::storage::{StorageBytes, StorageMap, StorageString, StorageValue, StorageVec};
    pub use crate::{
        Address, Contract, Event, H160, H256, RevertData, U256, contract, event, keccak,
        revert_with, selector,
    };
    pub use crate::{crypto, eei};
    pub use alloc::borrow::ToOwned;
    pub use alloc::boxed::Box;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec::Vec;
    pub use alloc::{format, vec};
}
