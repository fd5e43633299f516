//! The engine the checks share on a thread, recycled every [`RECYCLE_AFTER`] uses.
//!
//! Why recycle: a wasmer 5.0.6 `Engine` never frees the code of a module it loaded (its
//! `EngineInner::code_memory` only grows, and each entry keeps the module's unwind tables
//! registered with the system unwinder until the engine drops). Over a fuzzing run of millions of
//! distinct modules that is both a memory leak and a slowdown: every trap walks the registered
//! unwind tables (`_Unwind_Find_FDE`), which came to 70% of the differential target's time
//! after a few thousand modules. A fresh engine every few hundred inputs keeps both flat. (The
//! node keeps one engine for its whole life, so there the growth is real; see the report in
//! `fuzz/README.md`.)

use std::cell::RefCell;

use rewasm_vm::{Engine, VmConfig};

/// Inputs served by one engine before it is replaced.
pub const RECYCLE_AFTER: u32 = 256;

/// The VM configuration of every check: the node's defaults, with a small module cache.
pub fn config() -> VmConfig {
    VmConfig {
        memory_cache_capacity: 8,
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
    static ENGINE: RefCell<(Engine, u32)> = RefCell::new((new_engine(), 0));
}

/// Runs `f` with this thread's engine.
pub fn with_engine<R>(f: impl FnOnce(&Engine) -> R) -> R {
    ENGINE.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.1 >= RECYCLE_AFTER {
            *slot = (new_engine(), 0);
        }
        slot.1 += 1;
        f(&slot.0)
    })
}
