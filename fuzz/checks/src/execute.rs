//! `execute`: generated modules run under gas through rewasm's engine.
//!
//! For every module the validator accepts:
//! - it compiles (a validated module that singlepass cannot compile is a bug);
//! - a call sequence drawn from the input runs three times: on the first instance, on a second
//!   instance of the *cached* module (the compile must be a memory-cache hit), and on an
//!   instance compiled by a fresh engine. Outcome, gas used, gas left and the final memory and
//!   globals must be identical across the three;
//! - each call of the sequence gives the same outcome, gas and state on a fresh instance as on a
//!   warm instance reset after the calls before it (which may have trapped, run out of gas or
//!   grown the memory half-way): a reused instance is indistinguishable from a fresh one;
//! - no outcome is a host crash: no native stack overflow (the depth budget must trap first), no
//!   trap without a code, no host error (there are no imports), and gas used never exceeds the
//!   limit.

use arbitrary::Unstructured;
use rewasm_vm::wasmer::{Imports, Store, Value};
use std::sync::Arc;

use rewasm_vm::{
    CacheSource, CompileError, CompiledModule, Engine, MeteredInstance, Outcome, Rules, TrapKind,
    WarmInstance,
};

use crate::smith;

/// One call of the sequence.
#[derive(Clone, Debug)]
struct Call {
    export: String,
    args: Vec<Value>,
    gas: u64,
}

/// Runs one fuzz input.
pub fn check(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Some(code) = smith::module(&mut u) else {
        return;
    };
    crate::engine::with_engine(|engine| run(engine, &code, &mut u));
}

/// Gas limits reach further than the differential target's: long loops are the point here.
fn gas_limit(u: &mut Unstructured<'_>) -> u64 {
    match u.int_in_range(0u8..=3).unwrap_or(3) {
        0 => u.int_in_range(0..=200_000).unwrap_or(0),
        1 => u.int_in_range(0..=10_000_000).unwrap_or(0),
        _ => u.int_in_range(0..=2_000_000).unwrap_or(0),
    }
}

/// Compiles and runs `code` three ways; see the module docs.
pub fn run(engine: &Engine, code: &[u8], u: &mut Unstructured<'_>) {
    let first = match engine.compile_traced(code, Rules::Determinism) {
        Ok((module, _)) => module,
        Err(CompileError::Invalid(_)) => return,
        Err(CompileError::Compile(err)) => {
            panic!("a module the validator accepted failed to compile: {err}")
        }
    };
    let Some(exports) = smith::exports(code) else {
        panic!("an accepted module does not parse with the latest wasmparser");
    };
    let mut calls = Vec::new();
    for _ in 0..u.int_in_range(1..=6).unwrap_or(1) {
        let Ok(func) = u.choose(&exports.funcs) else {
            break;
        };
        if let Some(args) = smith::args(u, &func.params) {
            calls.push(Call {
                export: func.name.clone(),
                args,
                gas: gas_limit(u),
            });
        }
    }
    let transcript = run_calls(&first, &calls, &exports);
    let hit = match engine.compile_traced(code, Rules::Determinism) {
        Ok((module, CacheSource::Memory)) => module,
        Ok((_, source)) => panic!("second compile came from {source:?}, not the memory cache"),
        Err(err) => panic!("second compile of an accepted module failed: {err}"),
    };
    assert_eq!(
        transcript,
        run_calls(&hit, &calls, &exports),
        "a cache hit runs differently"
    );
    let fresh = crate::engine::new_engine();
    let miss = match fresh.compile_traced(code, Rules::Determinism) {
        Ok((module, CacheSource::Compiled)) => module,
        Ok((_, source)) => panic!("fresh engine compile came from {source:?}"),
        Err(err) => panic!("a fresh engine rejects an accepted module: {err}"),
    };
    assert_eq!(
        transcript,
        run_calls(&miss, &calls, &exports),
        "a fresh engine runs differently"
    );
    assert_eq!(
        each_on_a_fresh_instance(&first, &calls, &exports),
        each_on_a_reset_instance(&first, &calls, &exports),
        "a reset instance runs differently from a fresh one"
    );
}

/// One line per call, each on a new instance.
fn each_on_a_fresh_instance(
    module: &CompiledModule,
    calls: &[Call],
    exports: &smith::Exports,
) -> Vec<String> {
    calls
        .iter()
        .map(|call| run_calls(module, std::slice::from_ref(call), exports).join(""))
        .collect()
}

/// One line per call, all on one warm instance reset before each; a new instance only where a
/// reset refuses (a grown memory).
fn each_on_a_reset_instance(
    module: &Arc<CompiledModule>,
    calls: &[Call],
    exports: &smith::Exports,
) -> Vec<String> {
    let mut warm: Option<WarmInstance> = None;
    let mut lines = Vec::new();
    for call in calls {
        let reused = warm.take().and_then(|mut w| w.reset().then_some(w));
        let mut instance = match reused {
            Some(instance) => instance,
            None => {
                let mut store = module.new_store();
                match MeteredInstance::new(&mut store, module, &Imports::new()) {
                    Ok(instance) => {
                        WarmInstance::new(store, instance, Box::new(()), module.clone())
                    }
                    Err(err) => {
                        lines.push(format!("instantiation failed: {err}"));
                        continue;
                    }
                }
            }
        };
        let result =
            instance
                .instance
                .call(&mut instance.store, &call.export, &call.args, call.gas);
        lines.push(format!(
            "{:?} used {} left {} state {}",
            result.outcome,
            result.gas_used(),
            result.gas_left,
            digest(&instance.instance, &mut instance.store, exports)
        ));
        warm = Some(instance);
    }
    lines
}

/// Runs `calls` on a new instance of `module`; one line per call (outcome, gas, state digest),
/// or one line saying instantiation failed.
fn run_calls(module: &CompiledModule, calls: &[Call], exports: &smith::Exports) -> Vec<String> {
    let mut store = module.new_store();
    let instance = match MeteredInstance::new(&mut store, module, &Imports::new()) {
        Ok(instance) => instance,
        Err(err) => return vec![format!("instantiation failed: {err}")],
    };
    calls
        .iter()
        .map(|call| {
            let result = instance.call(&mut store, &call.export, &call.args, call.gas);
            check_outcome(&result.outcome, call);
            assert!(
                result.gas_used() <= call.gas,
                "{call:?}: used {} > limit",
                result.gas_used()
            );
            format!(
                "{:?} used {} left {} state {}",
                result.outcome,
                result.gas_used(),
                result.gas_left,
                digest(&instance, &mut store, exports)
            )
        })
        .collect()
}

/// No outcome may be a host-level failure.
fn check_outcome(outcome: &Outcome, call: &Call) {
    match outcome {
        Outcome::Returned(_) | Outcome::OutOfGas | Outcome::StackExhausted => {}
        Outcome::Trap(kind) => assert!(
            !matches!(
                kind,
                TrapKind::NativeStackOverflow | TrapKind::Other(_) | TrapKind::UnalignedAtomic
            ),
            "{call:?}: host-level trap {kind:?}"
        ),
        Outcome::Host(err) => panic!("{call:?}: host error without imports: {err}"),
        Outcome::BadExport(err) => panic!("{call:?}: export not callable: {err}"),
        Outcome::HostFailure(failure) => panic!("{call:?}: the host failed: {failure}"),
    }
}

/// FNV-1a over every exported memory and global: cheap, and any difference shows.
fn digest(instance: &MeteredInstance, store: &mut Store, exports: &smith::Exports) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for name in &exports.memories {
        if let Ok(memory) = instance.instance().exports.get_memory(name) {
            feed(&memory.view(&*store).copy_to_vec().unwrap_or_default());
        }
    }
    for name in &exports.globals {
        if let Ok(global) = instance.instance().exports.get_global(name) {
            feed(format!("{:?}", global.get(&mut *store)).as_bytes());
        }
    }
    hash
}
