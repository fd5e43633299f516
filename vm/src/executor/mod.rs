//! The executor: transactions → message calls and creates over journaled state, with the EEI
//! bound to each frame and precompiles run natively.
//!
//! - [`state`]: the `State` trait and the in-memory state;
//! - [`journal`]: the transaction's journaled view with nested checkpoints and EIP-158 cleanup;
//! - `world`: message calls, creates and the [`rewasm_eei::Host`] a frame sees;
//! - `binding`: the 33 EEI imports bound to a wasmer store;
//! - [`transaction`]: intrinsic gas, checks, refunds, fees.

mod binding;
pub mod journal;
pub mod state;
pub mod transaction;
mod world;

pub use state::{
    Account, AccountChange, BasicAccount, InMemoryState, State, StateChanges, StateError, StateRead,
};
pub use transaction::{
    Receipt, Transaction, TxError, execute_transaction, execute_transaction_with, intrinsic_gas,
    on_executor_stack,
};
pub use world::{
    BlockHashes, CODE_DEPOSIT_PER_BYTE, CONSTRUCTOR_ARGS_SECTION, ExecutionOptions, HostFailure,
    MAX_CODE_SIZE, OUT_OF_GAS, create_address, split_init_code,
};
