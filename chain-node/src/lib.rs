//! The rewasm node as a library: the pieces the `rewasm` binary and the integration tests share.
//!
//! Dependencies run one way: [`chain`] executes and stores blocks, [`pool`] orders pending
//! transactions, [`node`] wires the two (and the miner), [`rpc`] answers JSON-RPC over a
//! [`node::Node`], and [`service`] starts and stops all of them. Nothing below `service` knows
//! the RPC server exists.

pub mod chain;
pub mod genesis;
pub mod node;
pub mod pool;
pub mod rpc;
pub mod service;
pub mod tx;
