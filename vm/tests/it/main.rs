//! The deterministic wasm machine: validation rules, metering, stack limits, cache and engine generations.
//!
//! One integration-test binary per crate (each links the crate once); one module per subject.

mod cache;
mod determinism;
mod generations;
mod metering;
mod metering_v2;
mod stack;
mod validate;
mod warm;
