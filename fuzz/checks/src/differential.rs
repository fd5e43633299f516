//! `differential`: the same generated module and inputs through rewasm's engine (validator,
//! singlepass, metering, run-time gas, call-depth budget) and through wasmi running a
//! self-counting rewrite of the module ([`crate::reference`]).
//!
//! Per call, under the default schedule (`v2`: ink, transaction memory prices) and default
//! limits:
//! - instantiation succeeds in both or fails in both;
//! - the outcome agrees as [`crate::reference`] defines: identical return values and
//!   `gas_used == count / ink_per_gas` (rounded up: the gas left is rounded down) on success; the same trap kind (or stack exhaustion) with all gas used
//!   when the reference traps within the limit; no return when the reference runs out;
//! - after every call whose outcome matched exactly, every exported memory is byte-identical and
//!   every exported global equal;
//! - for the first call of a module that returned using `C` gas (its count rounded up to whole
//!   gas), a fresh rewasm instance given `C - 1` runs out of gas (the limit is exact).
//!
//! After an out-of-gas the two stop at different points (block versus instruction), so the
//! module's remaining calls are skipped.

use arbitrary::Unstructured;
use rewasm_vm::wasmer::{Imports, Value as WasmerValue};
use rewasm_vm::{
    CompileError, Engine, FrameResult, MeteredInstance, Outcome, Rules, TrapKind, WarmInstance,
};
use wasmi::TrapCode;

use crate::reference::{RefOutcome, RefStart, Reference, Value};
use crate::smith;

/// The most calls one input makes.
const MAX_CALLS: u32 = 6;

/// Runs one fuzz input.
pub fn check(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Some(code) = smith::module(&mut u) else {
        return;
    };
    crate::engine::with_engine(|engine| run(engine, &code, &mut u));
}

/// A gas limit above the initial-memory charge: mostly room for up to ~20 000 simple
/// instructions more (the reference counts every instruction in an interpreter, so long runs
/// cost the fuzzer most of its speed), sometimes ~300 000, sometimes right around the charge
/// itself, so every boundary gets hit. Under a schedule in ink (`rate` ink per gas) a simple
/// instruction costs about 100 ink, so the room in gas shrinks by `rate / 100`.
fn gas_limit(u: &mut Unstructured<'_>, initial: u64, rate: u64) -> u64 {
    let per_gas = (rate / 100).max(1);
    let pick = u.int_in_range(0u8..=7).unwrap_or(7);
    let extra = match pick {
        0 => return u.int_in_range(0..=initial.saturating_add(100)).unwrap_or(0),
        1 => u.int_in_range(0..=1_000 / per_gas).unwrap_or(0),
        2 => u.int_in_range(0..=300_000 / per_gas).unwrap_or(0),
        _ => u.int_in_range(0..=20_000 / per_gas).unwrap_or(0),
    };
    initial.saturating_add(extra)
}

fn to_wasmer(values: &[Value]) -> Vec<WasmerValue> {
    values
        .iter()
        .map(|value| match value {
            Value::I32(v) => WasmerValue::I32(*v),
            Value::I64(v) => WasmerValue::I64(*v),
        })
        .collect()
}

fn from_wasmer(value: &WasmerValue) -> Option<Value> {
    match value {
        WasmerValue::I32(v) => Some(Value::I32(*v)),
        WasmerValue::I64(v) => Some(Value::I64(*v)),
        _ => None,
    }
}

fn args(u: &mut Unstructured<'_>, params: &[smith::ValKind]) -> Option<Vec<Value>> {
    smith::args(u, params).map(|values| values.iter().filter_map(from_wasmer).collect())
}

/// rewasm's name for a wasmi trap code.
fn trap_kind(code: TrapCode) -> Option<TrapKind> {
    Some(match code {
        TrapCode::UnreachableCodeReached => TrapKind::Unreachable,
        TrapCode::MemoryOutOfBounds => TrapKind::MemoryOutOfBounds,
        TrapCode::TableOutOfBounds => TrapKind::TableOutOfBounds,
        TrapCode::IndirectCallToNull => TrapKind::IndirectCallToNull,
        TrapCode::IntegerDivisionByZero => TrapKind::IntegerDivisionByZero,
        TrapCode::IntegerOverflow => TrapKind::IntegerOverflow,
        TrapCode::BadSignature => TrapKind::BadSignature,
        _ => return None,
    })
}

/// Compiles `code` in both engines and runs a call sequence drawn from `u`.
pub fn run(engine: &Engine, code: &[u8], u: &mut Unstructured<'_>) {
    let compiled = match engine.compile(code, Rules::Determinism) {
        Ok(module) => module,
        Err(CompileError::Invalid(_)) => return,
        Err(CompileError::Compile(err)) => {
            panic!("a module the validator accepted failed to compile: {err}")
        }
    };
    let Some(exports) = smith::exports(code) else {
        panic!("an accepted module does not parse with the latest wasmparser");
    };
    // The generator can learn any string the harness compares with, the reference's export
    // names included; such a module cannot be rewritten without a clash, so it is skipped.
    // Any kind of export counts: a table named like the reference's counter clashes too.
    if exports
        .names
        .iter()
        .any(|name| name.starts_with(crate::reference::EXPORT_PREFIX))
    {
        return;
    }
    let schedule = &engine.config().schedule;
    let limits = &engine.config().limits;
    let instrumented = match crate::reference::instrument(code, schedule, limits.max_call_depth) {
        Ok(bytes) => bytes,
        Err(err) => panic!("rewriting an accepted module for the reference failed: {err}"),
    };
    let reference = match Reference::new(&instrumented) {
        Ok(reference) => reference,
        Err(err) => panic!("wasmi rejects (the rewrite of) a module rewasm accepted: {err}"),
    };
    let mut store = compiled.new_store();
    let ours = MeteredInstance::new(&mut store, &compiled, &Imports::new());
    let (instance, mut reference) = match (ours, reference) {
        (Ok(instance), Some(reference)) => (
            WarmInstance::new(store, instance, Box::new(()), compiled.clone()),
            reference,
        ),
        (Err(_), None) => return,
        (Ok(_), None) => panic!("rewasm instantiates a module wasmi does not"),
        (Err(err), Some(_)) => panic!("wasmi instantiates a module rewasm does not: {err}"),
    };
    let Some(initial) = crate::reference::initial_memory_gas(schedule, exports.initial_pages)
    else {
        return;
    };
    assert_eq!(
        compiled
            .frame_prices
            .initial_memory(rewasm_vm::TxPages::default())
            .map(|(gas, _)| gas),
        Some(initial),
        "initial memory gas differs from the schedule's specification"
    );
    let meter = Meter {
        rate: schedule.ink_per_gas.max(1),
        initial,
        initial_pages: exports.initial_pages,
    };
    let mut warm = instance;
    let calls = u.int_in_range(1..=MAX_CALLS).unwrap_or(1);
    let mut first = None;
    for call in 0..calls {
        let Ok(func) = u.choose(&exports.funcs) else {
            break;
        };
        let Some(args) = args(u, &func.params) else {
            continue;
        };
        let limit = gas_limit(u, initial, meter.rate);
        first.get_or_insert_with(|| (func.name.clone(), args.clone(), limit));
        let ours = warm
            .instance
            .call(&mut warm.store, &func.name, &to_wasmer(&args), limit);
        let theirs = reference.call(&func.name, &args, meter.start(limit));
        let context = || format!("call {call}: {}({args:?}) with {limit} gas", func.name);
        let comparable = compare(&ours, &theirs, limit, meter.rate, &context);
        if !comparable {
            break;
        }
        compare_state(
            &warm.instance,
            &mut warm.store,
            &reference,
            &exports,
            &context,
        );
        if call == 0
            && let RefOutcome::Returned(_) = theirs.outcome
            && theirs.gas > 0
        {
            let needed = theirs.gas.div_ceil(meter.rate);
            exact_limit(&compiled, &func.name, &args, needed, &context);
        }
    }
    if let Some((name, args, limit)) = first {
        again_on_a_reset_instance(warm, &instrumented, &exports, (&name, &args, limit), meter);
    }
}

/// The reference's view of the schedule: its rate and a frame's start.
#[derive(Clone, Copy, Debug)]
struct Meter {
    rate: u64,
    /// Gas for the initial memory.
    initial: u64,
    initial_pages: u64,
}

impl Meter {
    /// A frame with `limit` gas, in ink (every call of the target starts a transaction).
    fn start(&self, limit: u64) -> RefStart {
        RefStart {
            initial: self.initial.saturating_mul(self.rate),
            limit: limit.saturating_mul(self.rate),
            high_water: self.initial_pages,
        }
    }
}

/// The sequence's first call once more, on the same instance reset (after calls that may have
/// trapped, run out of gas or grown the memory) and on a fresh reference instance: a reused
/// instance must behave as a fresh one.
fn again_on_a_reset_instance(
    mut warm: WarmInstance,
    instrumented: &[u8],
    exports: &smith::Exports,
    (name, args, limit): (&str, &[Value], u64),
    meter: Meter,
) {
    if !warm.reset() {
        return;
    }
    let Ok(Some(mut reference)) = Reference::new(instrumented) else {
        panic!("wasmi no longer instantiates the module");
    };
    let ours = warm
        .instance
        .call(&mut warm.store, name, &to_wasmer(args), limit);
    let theirs = reference.call(name, args, meter.start(limit));
    let context = || format!("{name}({args:?}) with {limit} gas on a reset instance");
    if compare(&ours, &theirs, limit, meter.rate, &context) {
        compare_state(
            &warm.instance,
            &mut warm.store,
            &reference,
            exports,
            &context,
        );
    }
}

/// Asserts the outcomes agree; returns whether the two states are comparable afterwards.
fn compare(
    ours: &FrameResult,
    theirs: &crate::reference::RefResult,
    limit: u64,
    rate: u64,
    context: &dyn Fn() -> String,
) -> bool {
    let used = ours.gas_used();
    assert!(used <= limit, "{}: used {used} > limit", context());
    match &theirs.outcome {
        RefOutcome::Returned(values) => {
            let Outcome::Returned(returned) = &ours.outcome else {
                panic!(
                    "{}: reference returned {values:?} using {}, rewasm {:?}",
                    context(),
                    theirs.gas,
                    ours.outcome
                );
            };
            let returned: Vec<Option<Value>> = returned.iter().map(from_wasmer).collect();
            let expected: Vec<Option<Value>> = values.iter().copied().map(Some).collect();
            assert_eq!(returned, expected, "{}: return values differ", context());
            assert_eq!(
                used,
                theirs.gas.div_ceil(rate),
                "{}: rewasm used {used} gas, the independent count is {} ink",
                context(),
                theirs.gas
            );
            true
        }
        RefOutcome::Trap(code) => {
            let expected = trap_kind(*code);
            match &ours.outcome {
                Outcome::Trap(kind) if Some(kind) == expected.as_ref() => {}
                other => panic!(
                    "{}: reference trapped {code:?} at count {}, rewasm {other:?}",
                    context(),
                    theirs.gas
                ),
            }
            assert_eq!(used, limit, "{}: a trap must use all gas", context());
            true
        }
        RefOutcome::StackExhausted => {
            assert!(
                matches!(ours.outcome, Outcome::StackExhausted),
                "{}: reference exhausted the depth budget, rewasm {:?}",
                context(),
                ours.outcome
            );
            assert_eq!(used, limit, "{}: stack exhaustion uses all gas", context());
            true
        }
        RefOutcome::OutOfGas => {
            assert!(
                matches!(
                    ours.outcome,
                    Outcome::OutOfGas | Outcome::Trap(_) | Outcome::StackExhausted
                ),
                "{}: the independent count passes the limit, rewasm {:?}",
                context(),
                ours.outcome
            );
            assert_eq!(used, limit, "{}: out of gas uses all gas", context());
            false
        }
    }
}

/// Exported memories and globals of the module (not the instrumentation's) are equal.
fn compare_state(
    instance: &MeteredInstance,
    store: &mut rewasm_vm::wasmer::Store,
    reference: &Reference,
    exports: &smith::Exports,
    context: &dyn Fn() -> String,
) {
    for name in &exports.memories {
        let Ok(memory) = instance.instance().exports.get_memory(name) else {
            panic!("{}: rewasm lacks memory export {name}", context());
        };
        let ours = memory.view(&*store).copy_to_vec().unwrap_or_default();
        let Some(theirs) = reference.memory(name) else {
            panic!("{}: reference lacks memory export {name}", context());
        };
        assert_eq!(
            ours.len(),
            theirs.len(),
            "{}: memory {name} sizes differ",
            context()
        );
        if ours != theirs {
            let first = ours
                .iter()
                .zip(&theirs)
                .position(|(a, b)| a != b)
                .unwrap_or_default();
            panic!("{}: memory {name} differs first at byte {first}", context());
        }
    }
    for name in &exports.globals {
        let Ok(global) = instance.instance().exports.get_global(name) else {
            panic!("{}: rewasm lacks global export {name}", context());
        };
        let ours = from_wasmer(&global.get(&mut *store));
        assert_eq!(
            ours,
            reference.global(name),
            "{}: global {name} differs",
            context()
        );
    }
}

/// A fresh instance given one gas less than a successful first call `needed` runs out of gas.
fn exact_limit(
    compiled: &rewasm_vm::CompiledModule,
    name: &str,
    args: &[Value],
    needed: u64,
    context: &dyn Fn() -> String,
) {
    let mut store = compiled.new_store();
    let Ok(instance) = MeteredInstance::new(&mut store, compiled, &Imports::new()) else {
        panic!("{}: a second instance failed", context());
    };
    let result = instance.call(&mut store, name, &to_wasmer(args), needed - 1);
    assert!(
        matches!(result.outcome, Outcome::OutOfGas),
        "{}: with {} gas (one less than it needed) rewasm gives {:?}",
        context(),
        needed - 1,
        result.outcome
    );
}
