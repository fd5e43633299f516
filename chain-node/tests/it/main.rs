//! The node library in process: chain, JSON-RPC, transaction vectors, the pool under spam.
//!
//! One integration-test binary per crate (each links the crate once); one module per subject.

mod chain;
mod pool_spam;
mod rpc;
mod transaction_tests;
