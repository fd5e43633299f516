//! The contract SDK: ABI codec, the contract macro, EEI wrappers, storage.
//!
//! One integration-test binary per crate (each links the crate once); one module per subject.
// `#[contract]` exports a contract's `pub` methods: there `pub` is the ABI, not a scope.
#![allow(unreachable_pub)]

mod abi;
mod contract;
mod eei;
mod imports;
mod interface;
mod storage;
