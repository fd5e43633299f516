//! rewasm-vm: untrusted wasm bytes → a validated, metered, stack-limited, compiled module →
//! one frame run, the same way on every machine.
//!
//! The pipeline, one module per determinism rule (see `docs/VM.md`):
//! - [`mod@validate`]: the determinism rules (features, floats, limits) and the contract shape;
//! - [`schedule`]: gas schedules (per-instruction and run-time prices);
//! - [`instrument`]: metering, run-time gas and the counted call-depth budget;
//! - [`tunables`]: the memory ceiling and the wasm stack size;
//! - [`engine`] and [`cache`]: singlepass compile, in-memory LRU and on-disk artifacts;
//! - [`frame`]: instantiate, set gas, run an export, classify the outcome;
//! - [`warm`]: warm instances, reset between calls and pooled per module.

pub mod cache;
pub mod engine;
pub mod frame;
pub mod host_failure;
pub mod instrument;
pub mod limits;
mod probestack;
pub mod schedule;
pub mod schedule_v2;
pub mod tunables;
pub mod validate;
pub mod warm;

pub use engine::{
    ArtifactPolicy, CacheSource, CompileError, CompiledModule, DEFAULT_MODULES_PER_GENERATION,
    Engine, EngineError, VmConfig,
};
pub use frame::{
    FramePrices, FrameResult, FrameStart, GasMeter, InstantiateError, MeteredInstance, OutOfGas,
    Outcome, TrapKind, TxPages, host_exit,
};
pub use limits::{CallDepthScope, ChainLimits};
pub use schedule::{GasSchedule, MemoryPrices, TransactionMemory};
pub use validate::{ModuleSummary, Rules, ValidationError, validate, validate_for};
pub use warm::{WarmInstance, WarmLimits, WarmStats};
pub use wasmer;
