//! The engine the checks share on a thread.
//!
//! It lives for the whole fuzzing run, as the node's does, with a short runtime-engine
//! generation so the fuzzers keep crossing rotations: modules loaded before a rotation must
//! still run, and run the same, while new ones load into the next generation.

use rewasm_vm::{Engine, VmConfig};

/// Modules per runtime-engine generation in the checks (the node's default is 256).
pub const MODULES_PER_GENERATION: usize = 64;

/// The VM configuration of every check: the node's defaults, with a small module cache.
pub fn config() -> VmConfig {
    VmConfig {
        memory_cache_capacity: 8,
        modules_per_generation: Some(MODULES_PER_GENERATION),
        ..VmConfig::default()
    }
}

/// A new engine under [`config`].
pub fn new_engine() -> Engine {
    match Engine::new(config()) {
        Ok(engine) => engine,
        Err(err) => panic!("engine: {err}"),
    }
}

thread_local! {
    static ENGINE: Engine = new_engine();
}

/// Runs `f` with this thread's engine.
pub fn with_engine<R>(f: impl FnOnce(&Engine) -> R) -> R {
    ENGINE.with(f)
}
