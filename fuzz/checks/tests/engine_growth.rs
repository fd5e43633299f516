//! Reproducer for a resource leak the fuzzers found (not a fuzz replay): a long-lived
//! `rewasm_vm::Engine` keeps the machine code of every module it ever compiled or loaded,
//! because wasmer 5.0.6's `EngineInner::code_memory` only grows, and each entry keeps the
//! module's unwind tables registered with the system unwinder until the engine is dropped. The
//! node holds one engine for its whole life, so memory grows with every distinct module loaded
//! (an LRU eviction followed by a reload adds another copy), and every trap gets slower,
//! because unwinding searches all registered tables (`_Unwind_Find_FDE` took 70% of the
//! differential fuzzer's time after a few thousand modules).
//!
//! Ignored until the engine frees or reuses code memory (e.g. recreating the runtime engine
//! when the cache turns over); run with `cargo test -p rewasm-fuzz-checks -- --ignored`.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use rewasm_vm::wasmer::Imports;
use rewasm_vm::{Engine, MeteredInstance, Rules, VmConfig};
use wasm_encoder::{
    CodeSection, ExportKind, ExportSection, Function, FunctionSection, Instruction, Module,
    TypeSection,
};

/// `(func (export "run") i64.const n drop unreachable)`: distinct code per `n`, traps.
fn trapping_module(n: i64) -> Vec<u8> {
    let mut types = TypeSection::new();
    types.ty().function([], []);
    let mut functions = FunctionSection::new();
    functions.function(0);
    let mut exports = ExportSection::new();
    exports.export("run", ExportKind::Func, 0);
    let mut body = Function::new([]);
    body.instruction(&Instruction::I64Const(n))
        .instruction(&Instruction::Drop)
        .instruction(&Instruction::Unreachable)
        .instruction(&Instruction::End);
    let mut code = CodeSection::new();
    code.function(&body);
    let mut module = Module::new();
    module
        .section(&types)
        .section(&functions)
        .section(&exports)
        .section(&code);
    module.finish()
}

/// Time for 200 traps of one module.
fn trap_time(engine: &Engine, n: i64) -> Duration {
    let module = engine
        .compile(&trapping_module(n), Rules::Determinism)
        .unwrap();
    let mut store = engine.new_store();
    let instance = MeteredInstance::new(&mut store, &module, &Imports::new()).unwrap();
    let start = Instant::now();
    for _ in 0..200 {
        instance.call(&mut store, "run", &[], 1_000_000);
    }
    start.elapsed()
}

#[test]
#[ignore = "wasmer 5.0.6 never frees an engine's module code; see the module docs"]
fn traps_stay_as_fast_after_many_modules_were_loaded() {
    let engine = Engine::new(VmConfig {
        memory_cache_capacity: 4,
        ..VmConfig::default()
    })
    .unwrap();
    let before = trap_time(&engine, -1);
    for n in 0..3_000 {
        engine
            .compile(&trapping_module(n), Rules::Determinism)
            .unwrap();
    }
    let after = trap_time(&engine, -2);
    assert!(
        after < before * 4,
        "200 traps took {before:?} on a fresh engine, {after:?} after 3000 modules were loaded \
         and evicted"
    );
}
