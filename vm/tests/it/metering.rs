//! Pinned gas for small modules under the `default` schedule, run-time charges, host charges,
//! out of gas. Every number here is consensus: a change to metering must change these tests.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use rewasm_vm::wasmer::{
    Function, FunctionEnv, FunctionEnvMut, Imports, RuntimeError, Value, imports,
};
use rewasm_vm::{Engine, GasMeter, GasSchedule, MeteredInstance, Outcome, Rules, VmConfig};

const GAS: u64 = 10_000_000;

/// Prices of the `default` schedule, pinned here on purpose: changing the schedule is a
/// consensus change and must change this file.
const PAGE: u64 = 30_000;
const CALL: u64 = 5;
const GROW_BASE: u64 = 500;
const BULK_BASE: u64 = 10;

fn engine() -> Engine {
    let config = VmConfig {
        schedule: GasSchedule::default_schedule(),
        ..VmConfig::default()
    };
    Engine::new(config).expect("engine")
}

/// Runs `export(args)` of `wat` in a fresh store and returns (outcome, gas used).
fn run(engine: &Engine, wat: &str, export: &str, args: &[Value], gas: u64) -> (Outcome, u64) {
    let code = wat::parse_str(wat).expect("wat");
    let module = engine.compile(&code, Rules::Determinism).expect("compile");
    let mut store = module.new_store();
    let instance = MeteredInstance::new(&mut store, &module, &Imports::new()).expect("instantiate");
    let result = instance.call(&mut store, export, args, gas);
    let used = result.gas_used();
    (result.outcome, used)
}

pub(crate) const LOOP: &str = r#"(module
  (memory 1)
  (func (export "run") (param $n i32)
    (block $done
      (loop $top
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $top)))))"#;

/// 1 initial page + block and loop on entry (2) + 8 per iteration
/// (get, eqz, br_if; get, const, sub, set, br) + the exiting get, eqz, br_if (3) + the function's
/// end (1). The `end` of the block is charged inside the block and skipped by the branch out.
fn loop_gas(n: u64) -> u64 {
    PAGE + 2 + 8 * n + 3 + 1
}

#[test]
fn loop_of_n_iterations_costs_exactly() {
    let engine = engine();
    for n in [0u32, 1, 10, 1000] {
        let (outcome, used) = run(&engine, LOOP, "run", &[Value::I32(n as i32)], GAS);
        assert!(matches!(outcome, Outcome::Returned(_)), "{outcome:?}");
        assert_eq!(used, loop_gas(n.into()), "n = {n}");
    }
}

#[test]
fn conformance_schedule_charges_no_instruction_gas() {
    let config = VmConfig {
        schedule: GasSchedule::ewasm_conformance(),
        ..VmConfig::default()
    };
    let engine = Engine::new(config).expect("engine");
    let (outcome, used) = run(&engine, LOOP, "run", &[Value::I32(1000)], GAS);
    assert!(matches!(outcome, Outcome::Returned(_)));
    assert_eq!(used, 0);
}

#[test]
fn running_out_of_gas_is_distinct_and_consumes_everything() {
    let engine = engine();
    let limit = loop_gas(100) - 1;
    let (outcome, used) = run(&engine, LOOP, "run", &[Value::I32(100)], limit);
    assert!(matches!(outcome, Outcome::OutOfGas), "{outcome:?}");
    assert_eq!(used, limit);
    // Exactly enough gas succeeds.
    let (outcome, used) = run(&engine, LOOP, "run", &[Value::I32(100)], loop_gas(100));
    assert!(matches!(outcome, Outcome::Returned(_)), "{outcome:?}");
    assert_eq!(used, loop_gas(100));
}

#[test]
fn initial_pages_are_charged_before_anything_runs() {
    let engine = engine();
    let wat = r#"(module (memory 3) (func (export "run")))"#;
    let (outcome, used) = run(&engine, wat, "run", &[], GAS);
    assert!(matches!(outcome, Outcome::Returned(_)));
    assert_eq!(used, 3 * PAGE + 1);
    let (outcome, _) = run(&engine, wat, "run", &[], 3 * PAGE - 1);
    assert!(matches!(outcome, Outcome::OutOfGas), "{outcome:?}");
}

const BULK: &str = r#"(module
  (memory 2)
  (data "hello")
  (func (export "copy") (param $n i32) (memory.copy (i32.const 0) (i32.const 100) (local.get $n)))
  (func (export "fill") (param $n i32) (memory.fill (i32.const 0) (i32.const 7) (local.get $n)))
  (func (export "init") (param $n i32) (memory.init 0 (i32.const 0) (i32.const 0) (local.get $n))))"#;

/// 2 initial pages + const, const, local.get (3) + the bulk op's base cost (10) + end (1) +
/// one gas per 32-byte word of the length, rounded up.
fn bulk_gas(n: u64) -> u64 {
    2 * PAGE + 3 + BULK_BASE + 1 + n.div_ceil(32)
}

#[test]
fn bulk_memory_costs_per_word_of_length() {
    let engine = engine();
    for export in ["copy", "fill"] {
        for n in [0u32, 1, 32, 33, 65536, 2 * 65536 - 100] {
            let (outcome, used) = run(&engine, BULK, export, &[Value::I32(n as i32)], GAS);
            assert!(
                matches!(outcome, Outcome::Returned(_)),
                "{export} {n}: {outcome:?}"
            );
            assert_eq!(used, bulk_gas(n.into()), "{export} n = {n}");
        }
    }
    for n in [0u32, 5] {
        let (outcome, used) = run(&engine, BULK, "init", &[Value::I32(n as i32)], GAS);
        assert!(
            matches!(outcome, Outcome::Returned(_)),
            "init {n}: {outcome:?}"
        );
        assert_eq!(used, bulk_gas(n.into()), "init n = {n}");
    }
}

#[test]
fn huge_bulk_length_runs_out_of_gas_before_copying() {
    let engine = engine();
    // 2^31 bytes need 2^26 gas for the words alone.
    let (outcome, used) = run(&engine, BULK, "fill", &[Value::I32(i32::MAX)], 1_000_000);
    assert!(matches!(outcome, Outcome::OutOfGas), "{outcome:?}");
    assert_eq!(used, 1_000_000);
}

#[test]
fn out_of_bounds_bulk_copy_still_pays_then_traps() {
    let engine = engine();
    let (outcome, used) = run(&engine, BULK, "fill", &[Value::I32(3 * 65536)], GAS);
    assert!(
        matches!(
            outcome,
            Outcome::Trap(rewasm_vm::TrapKind::MemoryOutOfBounds)
        ),
        "{outcome:?}"
    );
    assert_eq!(used, GAS, "a trap consumes all gas");
}

const GROW: &str = r#"(module
  (memory 1 4)
  (func (export "grow") (param $n i32) (result i32) (memory.grow (local.get $n))))"#;

/// 1 initial page + local.get (1) + grow base + end (1) + a page's price per page requested.
fn grow_gas(n: u64) -> u64 {
    PAGE + 1 + GROW_BASE + 1 + PAGE * n
}

#[test]
fn memory_grow_costs_per_page_requested() {
    let engine = engine();
    for (n, expect) in [(0, 1), (1, 1), (3, 1), (4, -1), (100, -1)] {
        let (outcome, used) = run(&engine, GROW, "grow", &[Value::I32(n)], GAS);
        match outcome {
            Outcome::Returned(values) => assert_eq!(values, vec![Value::I32(expect)], "n = {n}"),
            other => panic!("n = {n}: {other:?}"),
        }
        assert_eq!(used, grow_gas(n as u64), "n = {n}");
    }
}

#[test]
fn memory_grow_past_the_chain_maximum_returns_minus_one() {
    let engine = engine();
    let max = engine.config().limits.max_memory_pages;
    let wat = r#"(module (memory 1)
      (func (export "grow") (param $n i32) (result i32) (memory.grow (local.get $n))))"#;
    let (outcome, _) = run(
        &engine,
        wat,
        "grow",
        &[Value::I32(max as i32)],
        u64::MAX / 2,
    );
    assert!(
        matches!(outcome, Outcome::Returned(ref v) if v == &vec![Value::I32(-1)]),
        "{outcome:?}"
    );
    let (outcome, _) = run(
        &engine,
        wat,
        "grow",
        &[Value::I32(max as i32 - 1)],
        u64::MAX / 2,
    );
    assert!(
        matches!(outcome, Outcome::Returned(ref v) if v == &vec![Value::I32(1)]),
        "{outcome:?}"
    );
}

/// Host state: the meter is filled in once the instance exists.
#[derive(Default)]
struct HostEnv {
    meter: Option<GasMeter>,
    calls: u32,
}

fn charge_100(mut env: FunctionEnvMut<HostEnv>) -> Result<(), RuntimeError> {
    let (host, mut store) = env.data_and_store_mut();
    host.calls += 1;
    let meter = host
        .meter
        .clone()
        .ok_or_else(|| RuntimeError::new("no meter"))?;
    meter.charge(&mut store, 100).map_err(rewasm_vm::host_exit)
}

#[test]
fn host_functions_charge_the_same_counter() {
    let engine = engine();
    let code = wat::parse_str(
        r#"(module (import "env" "charge" (func $charge))
           (func (export "run") (call $charge) (call $charge) (call $charge)))"#,
    )
    .expect("wat");
    let module = engine.compile(&code, Rules::Determinism).expect("compile");
    let mut store = module.new_store();
    let env = FunctionEnv::new(&mut store, HostEnv::default());
    let imports = imports! { "env" => { "charge" => Function::new_typed_with_env(&mut store, &env, charge_100) } };
    let instance = MeteredInstance::new(&mut store, &module, &imports).expect("instantiate");
    env.as_mut(&mut store).meter = Some(instance.meter().clone());

    // 3 × (call + host 100) + end 1.
    let result = instance.call(&mut store, "run", &[], GAS);
    assert!(
        matches!(result.outcome, Outcome::Returned(_)),
        "{:?}",
        result.outcome
    );
    assert_eq!(result.gas_used(), 3 * (CALL + 100) + 1);

    // Enough for two host charges only: the third runs out inside the host function.
    let result = instance.call(&mut store, "run", &[], 2 * (CALL + 100) + CALL + 50);
    assert!(
        matches!(result.outcome, Outcome::OutOfGas),
        "{:?}",
        result.outcome
    );
    assert_eq!(result.gas_used(), 2 * (CALL + 100) + CALL + 50);
    assert_eq!(env.as_ref(&store).calls, 6);
}
