//! Turning a contract crate into what the chain deploys (`rewasm build`).
//!
//! A contract crate is a `cdylib` for `wasm32-unknown-unknown` that exports `main` (the runtime
//! entry, `[] -> []`), optionally `deploy` (the constructor, `[] -> []`), and `memory`, and imports
//! only EEI functions from module `ethereum`. The SDK's `#[contract]` macro also embeds the
//! contract's ABI (JSON) in a custom section named [`ABI_SECTION`].
//!
//! [`cargo`] compiles the crate with the profile the chain needs, without the crate configuring
//! anything; [`postprocess`] turns the linker's output into three files, shrinking the two modules
//! with binaryen's `wasm-opt` ([`WasmOpt`]); [`check()`] applies the chain's contract rules to
//! them.
//!
//! # The three outputs
//!
//! - `NAME.wasm`, the **runtime code**: the module with exactly two exports, `main` and
//!   `memory`; `deploy` and the linker's exports (`__data_end`, `__heap_base`, ...) removed;
//!   every function and imported function `main` cannot reach removed (the constructor and what
//!   only it uses), element segments too when no kept code reads a table (rustc's panic
//!   machinery lists `core::fmt` code there that nothing calls); all custom sections removed (`name`, `producers`, `target_features`,
//!   [`ABI_SECTION`]). This is what a create stores as the contract's code.
//! - `NAME.abi.json`: the payload of the [`ABI_SECTION`] custom section, byte for byte (`[]` and
//!   a warning when the module has none).
//! - `NAME.deploy.wasm`, the **init code** a create transaction carries. It is the same module
//!   (same memory layout, data and stack), stripped down to what `deploy` reaches, with a new
//!   exported `main` that
//!   1. calls the crate's `deploy` (skipped when the crate exports none), which reads the
//!      constructor arguments from its call data, runs the constructor and returns normally
//!      (a `revert` aborts the create);
//!   2. copies the runtime code — a passive data segment appended after the module's own
//!      segments — to address 0 with `memory.init`, then `data.drop`s the segment. Nothing reads
//!      memory after `deploy` returned, so overwriting it is safe, and it avoids a `memory.grow`
//!      (30,500 gas for a page in the default schedule); memory grows (`memory.size`,
//!      `memory.grow`, a trap if it cannot) only when it is smaller than the runtime code, which
//!      cannot happen for code within the 24 KiB deploy limit;
//!   3. calls `ethereum.finish(0, len)`: those bytes become the contract's code.
//!
//!   The import `ethereum.finish` is added when the module does not import it yet (imported
//!   functions come first in the index space, so every function index is renumbered). A
//!   DataCount section always precedes the code (`memory.init` needs it), counting the new segment.
//!
//!   The very last section is an **empty custom section named [`ARGS_SECTION`]** (14 bytes:
//!   `00 0c 0b "rewasm.args"`). Deploy tools (ethers' `ContractFactory`, web3.py, `rewasm deploy`)
//!   append the ABI-encoded constructor arguments to the init code, as for Solidity; the executor
//!   splits a create's data at the end of that section and gives the bytes after it to the init
//!   frame as call data, which `deploy` reads with `getCallDataSize`/`callDataCopy`.

pub mod cargo;
mod check;
mod wasm;
mod wasm_opt;

pub use check::{Checked, check};
pub use wasm::postprocess;
pub use wasm_opt::{FEATURES as WASM_OPT_FEATURES, WasmOpt, WasmOptError};

/// The custom section the SDK's `#[contract]` macro writes the ABI (JSON) into.
pub const ABI_SECTION: &str = "rewasm.abi";

/// The empty custom section that ends every init code; constructor arguments follow it.
pub const ARGS_SECTION: &str = rewasm_executor::CONSTRUCTOR_ARGS_SECTION;
