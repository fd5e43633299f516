//! The rewasm node as a library: the pieces the `rewasm` binary and the integration tests share.

pub mod chain;
pub mod genesis;
pub mod node;
pub mod pool;
pub mod rpc;
pub mod tx;
