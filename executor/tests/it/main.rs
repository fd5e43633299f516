//! The state transition: transactions, journal, precompiles, and the attacks it must survive.
//!
//! One integration-test binary per crate (each links the crate once); one module per subject.

mod attacks;
mod concurrency;
mod executor;
mod gas_v2;
mod journal_memory;
mod precompiles;
mod warm;
