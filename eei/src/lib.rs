//! rewasm-eei: the contract ↔ host boundary.
//!
//! A contract is a wasm module that talks to the chain only through the 33 functions it imports
//! from module `ethereum` (the Ethereum Environment Interface, EEI). This crate describes that
//! boundary as data — each function's name, wasm signature and gas — so that every side of it
//! agrees on one table:
//!
//! - the validator (`rewasm-vm`) rejects a contract whose imports are not exactly in the table;
//! - the executor binds exactly these names to host implementations;
//! - the gas accounting charges the same base cost everywhere.
//!
//! The crate deliberately has no wasm engine dependency. The boundary is a consensus contract
//! between untrusted code and the node, and it must not change when the engine (wasmer, pinned
//! for licensing and determinism reasons) changes or is upgraded; keeping it engine-free also lets
//! tooling (the SDK build tool, the CLI's `validate`) use it without pulling in a compiler.
//! Signatures are therefore written in this crate's own [`WasmType`]; the VM converts.

pub mod functions;
pub mod gas;
pub mod host;
mod table;

pub use host::{
    Address, BlockInfo, CallKind, CallMessage, CallOutcome, CallStatus, CodeAccess, CreateOutcome,
    FrameInfo, Gas, Host, HostExit, Memory, Refusal, RefusedFrame, TxInfo,
};
pub use table::{
    DEBUG_FUNCTIONS, DEBUG_MODULE, EEI_FUNCTIONS, ETHEREUM_MODULE, HostFunction, HostModules,
    REWASM_FUNCTIONS, REWASM_MODULE, WasmType, lookup,
};
