//! Compile-time instrumentation: the middlewares that make a module deterministic to run.
//!
//! The chain, in order, for every compile (a fresh chain per compile, because each middleware
//! records the indexes of the globals it adds to *that* module):
//! 1. wasmer-middlewares `Metering`, with [`GasSchedule::operator_cost`] as its cost function:
//!    the static per-instruction cost in ink, charged per basic block.
//! 2. [`runtime_gas::RuntimeGas`]: the costs that depend on an operand (`memory.copy/fill/init`
//!    length, `memory.grow` pages, and under transaction memory prices the transaction's
//!    high-water mark), charged from Metering's own counter just before the operator.
//! 3. [`stack::StackLimit`]: the counted call-depth budget.
//! 4. [`globals::ExportMutableGlobals`]: exports every mutable global, so a warm instance can be
//!    reset (no code change).
//!
//! Every middleware adds its globals at the end of the module's global index space and exports
//! them under `wasmer_*` / `rewasm_*` names, so the frame runner can read and reset them. Those
//! exports are internal: contract validation runs on the original bytes.

use std::sync::Arc;

use wasmer::{CompilerConfig, Singlepass};
use wasmer_middlewares::Metering;

use crate::limits::ChainLimits;
use crate::schedule::{CallShapes, GasSchedule};

pub mod globals;
pub mod runtime_gas;
pub mod stack;

/// Export name of Metering's remaining-gas global (i64).
pub const REMAINING_GAS_EXPORT: &str = "wasmer_metering_remaining_points";
/// Export name of Metering's exhausted flag (i32, 1 once gas ran out).
pub const GAS_EXHAUSTED_EXPORT: &str = "wasmer_metering_points_exhausted";
/// Export name of the current call depth (i32).
pub const CALL_DEPTH_EXPORT: &str = "rewasm_call_depth";
/// Export name of the stack-exhausted flag (i32, 1 once the depth budget trapped).
pub const STACK_EXHAUSTED_EXPORT: &str = "rewasm_stack_exhausted";

/// Every export name the instrumentation adds. wasmer inserts these into the module's export map,
/// silently replacing a module export of the same name, so the validator reserves them
/// (rule `reserved-export`).
pub const RESERVED_EXPORTS: [&str; 4] = [
    REMAINING_GAS_EXPORT,
    GAS_EXHAUSTED_EXPORT,
    CALL_DEPTH_EXPORT,
    STACK_EXHAUSTED_EXPORT,
];

/// Prefix of the exports [`globals::ExportMutableGlobals`] adds (one per mutable global the
/// module does not export); reserved like [`RESERVED_EXPORTS`].
pub const GLOBAL_EXPORT_PREFIX: &str = "rewasm_global_";

/// Bumped whenever the instrumentation changes the code it emits; part of the cache key.
/// Version 2 exports every mutable global (the code is unchanged). Version 3 prices host calls
/// apart from calls and adds transaction-wide memory pricing.
pub const INSTRUMENTATION_VERSION: u32 = 3;

/// A singlepass compiler configured with a fresh instrumentation chain for one compile of a
/// module whose calls have `shapes` (what a call costs depends on its callee).
pub fn compiler_for(
    schedule: &GasSchedule,
    limits: &ChainLimits,
    shapes: CallShapes,
) -> Singlepass {
    let mut compiler = Singlepass::new();
    let static_costs = schedule.clone();
    // The initial limit is irrelevant: every frame sets the counter before it runs.
    let metering = Metering::new(0, move |operator: &wasmparser::Operator| {
        static_costs.operator_cost(operator, &shapes)
    });
    compiler.push_middleware(Arc::new(metering));
    compiler.push_middleware(Arc::new(runtime_gas::RuntimeGas::new(schedule)));
    compiler.push_middleware(Arc::new(stack::StackLimit::new(limits.max_call_depth)));
    compiler.push_middleware(Arc::new(globals::ExportMutableGlobals));
    compiler
}
