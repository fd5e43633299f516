//! rewasm-executor: the state transition. Transactions become message calls and creates over
//! journaled state, each frame's code runs on the [`rewasm_vm`] machine with the EEI bound to it,
//! and precompiles run natively.
//!
//! - [`journal`]: the transaction's journaled view with nested checkpoints and EIP-158 cleanup;
//! - `world`: message calls, creates and the [`rewasm_eei::Host`] a frame sees;
//! - `binding`: the 33 EEI imports bound to a wasmer store (and module `debug` on dev chains);
//! - [`debug`]: what contracts printed, kept beside the receipt;
//! - [`transaction`]: intrinsic gas, checks, refunds, fees;
//! - [`threads`]: the long-lived executor threads everything runs on;
//! - [`trace`]: call traces (geth's `callTracer`), when asked;
//! - [`precompiles`]: ecrecover, sha256, ripemd160, identity, keccak256.
//!
//! The committed state it reads is [`rewasm_primitives::state::State`] (re-exported here): the
//! store implements it without linking a wasm engine.

mod binding;
mod code_loads;
pub mod debug;
pub mod journal;
pub mod precompiles;
pub mod threads;
pub mod trace;
pub mod transaction;
mod world;

pub use debug::{DebugLine, DebugOutput};
pub use journal::Accessed;
pub use rewasm_primitives::state::{
    Account, AccountChange, BasicAccount, Bytecode, InMemoryState, State, StateChanges, StateError,
    StateRead,
};
pub use threads::{
    EXECUTOR_STACK_BYTES, ExecutorPool, declare_executor_stack, is_executor_stack,
    on_executor_stack, request_slice,
};
pub use trace::{CallFrame, FrameKind, TracedLog};
pub use transaction::{
    Receipt, Transaction, TxError, execute_transaction, execute_transaction_with, intrinsic_gas,
};
pub use world::{
    BlockHashes, CONSTRUCTOR_ARGS_SECTION, ExecutionOptions, HostFailure, OUT_OF_GAS,
    create_address, split_init_code,
};
