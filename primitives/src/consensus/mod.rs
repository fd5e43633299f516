//! Every consensus constant of the chain, each in one home (one file per EIP, as revm keeps
//! them), with the small rules built on them.
//!
//! Changing a value here changes which blocks are valid: it is a hard fork, and the tests that
//! pin gas used and state roots (`executor/tests/it/`, `chain-node/tests/it/chain.rs`) move with
//! it.
//!
//! | rule | file | applied by |
//! |---|---|---|
//! | intrinsic gas of a transaction (21000 / 53000, and the data's price) | [`intrinsic`] | executor, pool, `eth_estimateGas` |
//! | data bytes: 4 / 68 (Byzantium) or 4 / 16 (EIP-2028), the schedule's choice | [`eip2028`] | through [`intrinsic`] |
//! | access-list intrinsic gas (2400 per address, 1900 per key) | [`eip2930`] | executor (through [`intrinsic`]) |
//! | largest deposited code, and its price per byte or per compressed byte | [`eip170`] | executor, pool, `rewasm build` |
//! | base fee: initial value, elasticity, change per block; the effective gas price | [`eip1559`] | node (headers, block building, pool) |
//! | refund cap (half the gas used) | [`refund`] | executor |
//! | call depth (1024 frames) | [`call_depth`] | EEI (`call*`, `create`) |
//!
//! Prices of the 33 host functions are the EEI's (`rewasm_eei::gas`), and per-instruction
//! prices the gas schedule's (`rewasm_vm::schedule`): those are the VM's cost model, versioned by
//! the schedule a chain names in its genesis.

pub mod call_depth;
pub mod eip1559;
pub mod eip170;
pub mod eip2028;
pub mod eip2930;
pub mod intrinsic;
pub mod refund;

pub use call_depth::MAX_CALL_DEPTH;
pub use eip170::{CODE_DEPOSIT_PER_BYTE, CodeDeposit, MAX_CODE_SIZE};
pub use eip2028::CalldataPrices;
pub use intrinsic::intrinsic_gas;
