//! The rewasm node as a library: the pieces the `rewasm` binary and the integration tests share.

pub mod genesis;
pub mod store;
pub mod tx;
