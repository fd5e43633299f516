//! Pinned gas under the `v2` schedule: ink, rounding, host calls, calls by their parameters, and
//! memory priced per frame and per transaction. Every number here is consensus: a change to
//! `v2` must change this file (the first schedule's pins are in `metering.rs`).
#![allow(clippy::expect_used, clippy::unwrap_used)]

use rewasm_vm::wasmer::{
    Function, FunctionEnv, FunctionEnvMut, Imports, RuntimeError, Value, imports,
};
use rewasm_vm::{
    Engine, FrameStart, GasMeter, GasSchedule, MeteredInstance, Outcome, Rules, TxPages, VmConfig,
};

const GAS: u64 = 10_000_000;

/// `v2`'s prices, pinned here on purpose.
const INK_PER_GAS: u64 = 10_000;
const TRIVIAL: u64 = 60;
const CONTROL: u64 = 260;
const BRANCH: u64 = 2_550;
const ALU: u64 = 60;
const CALL: u64 = 6_800;
const CALL_PARAM: u64 = 420;
const CALL_INDIRECT: u64 = 9_350;
const HOST_CALL: u64 = 38_250;
const GROW_BASE: u64 = 85_000;
const PAGE: u64 = 2_600;
const FRAME_FREE_PAGES: u64 = 4;
const FRAME_MAX_PAGES: u64 = 8;
const TX_FREE_PAGES: u64 = 64;
const TX_QUADRATIC: u64 = 20;
const TX_MAX_PAGES: u64 = 1_024;

fn engine() -> Engine {
    let engine = Engine::new(VmConfig::default()).expect("engine");
    assert_eq!(
        engine.config().schedule,
        GasSchedule::v2(),
        "v2 is the default"
    );
    engine
}

/// Gas for `ink`: rounded up (the gas left is rounded down).
fn gas(ink: u64) -> u64 {
    ink.div_ceil(INK_PER_GAS)
}

fn instance(engine: &Engine, wat: &str) -> (rewasm_vm::wasmer::Store, MeteredInstance) {
    let code = wat::parse_str(wat).expect("wat");
    let module = engine.compile(&code, Rules::Determinism).expect("compile");
    let mut store = module.new_store();
    let instance = MeteredInstance::new(&mut store, &module, &Imports::new()).expect("instantiate");
    (store, instance)
}

/// Runs `export(args)` as a transaction's first frame: (outcome, gas used).
fn run(engine: &Engine, wat: &str, export: &str, args: &[Value], gas: u64) -> (Outcome, u64) {
    let (mut store, instance) = instance(engine, wat);
    let result = instance.call(&mut store, export, args, gas);
    let used = result.gas_used();
    (result.outcome, used)
}

use super::metering::LOOP;

/// block and loop (control) + per iteration local.get, i32.eqz, br_if, local.get, i32.const,
/// i32.sub, local.set, br + the exiting local.get, i32.eqz, br_if + the function's end. One page
/// is below the frame's free pages.
fn loop_ink(n: u64) -> u64 {
    let iteration = 4 * TRIVIAL + 2 * ALU + BRANCH + CONTROL;
    2 * CONTROL + n * iteration + (TRIVIAL + ALU + BRANCH) + CONTROL
}

#[test]
fn instructions_are_priced_in_ink_and_the_gas_used_rounds_up() {
    let engine = engine();
    for (n, pinned) in [(0u64, 1u64), (1, 1), (10, 4), (1000, 318)] {
        let (outcome, used) = run(&engine, LOOP, "run", &[Value::I32(n as i32)], GAS);
        assert!(matches!(outcome, Outcome::Returned(_)), "{outcome:?}");
        assert_eq!(used, gas(loop_ink(n)), "n = {n}");
        assert_eq!(used, pinned, "n = {n}");
    }
}

#[test]
fn a_gas_limit_equal_to_the_gas_used_is_exactly_enough() {
    let engine = engine();
    let needed = gas(loop_ink(1000));
    let (outcome, used) = run(&engine, LOOP, "run", &[Value::I32(1000)], needed);
    assert!(matches!(outcome, Outcome::Returned(_)), "{outcome:?}");
    assert_eq!(used, needed);
    let (outcome, used) = run(&engine, LOOP, "run", &[Value::I32(1000)], needed - 1);
    assert!(matches!(outcome, Outcome::OutOfGas), "{outcome:?}");
    assert_eq!(used, needed - 1, "out of gas uses everything");
}

#[test]
fn gas_beyond_what_the_counter_holds_is_kept() {
    let engine = engine();
    let (mut store, instance) = instance(&engine, LOOP);
    let result = instance.call(&mut store, "run", &[Value::I32(10)], u64::MAX);
    assert!(matches!(result.outcome, Outcome::Returned(_)));
    assert_eq!(result.gas_used(), gas(loop_ink(10)));
}

/// A function of three parameters and one of none, each called 100 times by an export.
fn calls() -> String {
    let direct = "(call $three (i32.const 1) (i64.const 2) (i32.const 3))".repeat(100);
    let plain = "(call $none)".repeat(100);
    let indirect =
        "(call_indirect (type $t) (i32.const 1) (i64.const 2) (i32.const 3) (i32.const 0))"
            .repeat(100);
    format!(
        r#"(module
  (func $three (param i32 i64 i32))
  (func $none)
  (type $t (func (param i32 i64 i32)))
  (table 1 funcref)
  (elem (i32.const 0) $three)
  (func (export "direct") {direct})
  (func (export "plain") {plain})
  (func (export "indirect") {indirect}))"#
    )
}

#[test]
fn calls_cost_per_parameter_of_the_callee() {
    let engine = engine();
    let calls = calls();
    // Per call: its arguments, the call, the callee's end; then the caller's end.
    let direct = 100 * (3 * TRIVIAL + CALL + 3 * CALL_PARAM + CONTROL) + CONTROL;
    let (outcome, used) = run(&engine, &calls, "direct", &[], GAS);
    assert!(matches!(outcome, Outcome::Returned(_)), "{outcome:?}");
    assert_eq!(used, gas(direct));
    assert_eq!(used, 86, "pinned");
    let (_, used) = run(&engine, &calls, "plain", &[], GAS);
    assert_eq!(used, gas(100 * (CALL + CONTROL) + CONTROL));
    let indirect = 100 * (4 * TRIVIAL + CALL_INDIRECT + 3 * CALL_PARAM + CONTROL) + CONTROL;
    let (outcome, used) = run(&engine, &calls, "indirect", &[], GAS);
    assert!(matches!(outcome, Outcome::Returned(_)), "{outcome:?}");
    assert_eq!(used, gas(indirect));
}

/// Host state: the meter is filled in once the instance exists.
#[derive(Default)]
struct HostEnv {
    meter: Option<GasMeter>,
}

fn charge_100(mut env: FunctionEnvMut<HostEnv>) -> Result<i64, RuntimeError> {
    let (host, mut store) = env.data_and_store_mut();
    let meter = host
        .meter
        .clone()
        .ok_or_else(|| RuntimeError::new("no meter"))?;
    meter
        .charge(&mut store, 100)
        .map_err(rewasm_vm::host_exit)?;
    Ok(meter.remaining(&mut store) as i64)
}

#[test]
fn host_functions_charge_gas_times_the_rate_and_see_whole_gas() {
    let engine = engine();
    let code = wat::parse_str(
        r#"(module (import "env" "charge" (func $charge (result i64)))
           (global $left (export "left") (mut i64) (i64.const 0))
           (func (export "run") (global.set $left (call $charge))))"#,
    )
    .expect("wat");
    let module = engine.compile(&code, Rules::Determinism).expect("compile");
    let mut store = module.new_store();
    let env = FunctionEnv::new(&mut store, HostEnv::default());
    let imports = imports! { "env" => { "charge" => Function::new_typed_with_env(&mut store, &env, charge_100) } };
    let instance = MeteredInstance::new(&mut store, &module, &imports).expect("instantiate");
    env.as_mut(&mut store).meter = Some(instance.meter().clone());

    // The host call is charged with its block before the host runs; the host charges 100 gas
    // and reads the whole gas left; then global.set and the end.
    let result = instance.call(&mut store, "run", &[], 1_000);
    assert!(matches!(result.outcome, Outcome::Returned(_)));
    let before_host = 1_000 * INK_PER_GAS - HOST_CALL;
    let seen = (before_host - 100 * INK_PER_GAS) / INK_PER_GAS;
    let left = instance.instance().exports.get_global("left").unwrap();
    assert_eq!(left.get(&mut store), Value::I64(seen as i64));
    assert_eq!(seen, 896);
    assert_eq!(
        result.gas_used(),
        gas(HOST_CALL + 100 * INK_PER_GAS + 2 * CONTROL)
    );
}

/// A frame of `pages` initial pages that grows by its argument and returns the result.
fn grower(pages: u32) -> String {
    format!(
        r#"(module (memory {pages})
             (func (export "grow") (param $n i32) (result i32) (memory.grow (local.get $n))))"#
    )
}

#[test]
fn a_frames_pages_beyond_the_free_ones_cost_a_page_each() {
    let engine = engine();
    // local.get, memory.grow, end.
    let code = TRIVIAL + GROW_BASE + CONTROL;
    for (initial, grow, start_pages) in [(1u32, 0u32, 0u64), (1, 3, 0), (2, 4, 0), (6, 1, 2)] {
        let (outcome, used) = run(
            &engine,
            &grower(initial),
            "grow",
            &[Value::I32(grow as i32)],
            GAS,
        );
        assert!(matches!(outcome, Outcome::Returned(_)), "{outcome:?}");
        let held = u64::from(initial + grow);
        let grown = held.saturating_sub(FRAME_FREE_PAGES) - start_pages;
        let expected = start_pages * PAGE + gas(code + grown * PAGE * INK_PER_GAS);
        assert_eq!(used, expected, "{initial} pages grown by {grow}");
    }
    let (_, used) = run(&engine, &grower(6), "grow", &[Value::I32(2)], GAS);
    assert_eq!(used, 4 * PAGE + gas(code), "6 pages grown to 8");
    assert_eq!(used, 10_409, "pinned");
}

#[test]
fn a_frame_never_holds_more_than_its_cap() {
    let engine = engine();
    let max = FRAME_MAX_PAGES as i32;
    let (outcome, used) = run(&engine, &grower(1), "grow", &[Value::I32(max - 1)], GAS);
    assert!(
        matches!(outcome, Outcome::Returned(ref v) if v == &vec![Value::I32(1)]),
        "{outcome:?}"
    );
    assert!(used < GAS);
    let (outcome, used) = run(&engine, &grower(1), "grow", &[Value::I32(max)], GAS);
    assert!(matches!(outcome, Outcome::OutOfGas), "{outcome:?}");
    assert_eq!(used, GAS);
    // A huge request is out of gas too, before any page is priced.
    let (outcome, _) = run(&engine, &grower(1), "grow", &[Value::I32(-1)], GAS);
    assert!(matches!(outcome, Outcome::OutOfGas), "{outcome:?}");
    let (outcome, _) = run(&engine, &grower(9), "grow", &[Value::I32(0)], GAS);
    assert!(
        matches!(outcome, Outcome::OutOfGas),
        "9 initial pages: {outcome:?}"
    );
}

/// Runs `grow(n)` of a `pages`-page frame whose callers hold `base` pages, the transaction's
/// mark at `mark`: (outcome, gas used, the mark after).
fn nested(engine: &Engine, pages: u32, n: i32, base: u64, mark: u64) -> (Outcome, u64, u64) {
    nested_with(
        engine,
        pages,
        n,
        TxPages {
            base,
            high_water: mark,
        },
        GAS,
    )
}

fn nested_with(engine: &Engine, pages: u32, n: i32, tx: TxPages, gas: u64) -> (Outcome, u64, u64) {
    let (mut store, instance) = instance(engine, &grower(pages));
    let function = instance
        .instance()
        .exports
        .get_function("grow")
        .unwrap()
        .clone();
    let start = FrameStart {
        gas,
        depth: 0,
        pages: tx,
    };
    let result = instance.call_function(&mut store, &function, &[Value::I32(n)], start);
    let used = result.gas_used();
    (result.outcome, used, result.high_water)
}

fn quadratic(pages: u64) -> u64 {
    let above = pages.saturating_sub(TX_FREE_PAGES);
    TX_QUADRATIC * above * above
}

#[test]
fn the_transactions_high_water_mark_costs_quadratically() {
    let engine = engine();
    let code = gas(TRIVIAL + GROW_BASE + CONTROL);
    // Below the transaction's free pages nothing but the frame's own pages is charged.
    let (_, used, mark) = nested(&engine, 2, 0, 60, 60);
    assert_eq!((used, mark), (code, 62));
    // Callers hold 70 pages: the frame's 2 raise the mark from 70 to 72.
    let (_, used, mark) = nested(&engine, 2, 0, 70, 70);
    assert_eq!(mark, 72);
    assert_eq!(used, code + quadratic(72) - quadratic(70));
    // A mark already above what the frame holds costs nothing more.
    let (_, used, mark) = nested(&engine, 2, 0, 70, 100);
    assert_eq!((used, mark), (code, 100));
    // A grow raises it again: 70 + 2 + 3 = 75 pages, one of the frame's pages above its free 4.
    let (_, used, mark) = nested(&engine, 2, 3, 70, 70);
    assert_eq!(mark, 75);
    let grow_ink = TRIVIAL + GROW_BASE + CONTROL + PAGE * INK_PER_GAS;
    assert_eq!(
        used,
        gas(grow_ink + (quadratic(75) - quadratic(72)) * INK_PER_GAS) + quadratic(72)
            - quadratic(70)
    );
    assert_eq!(used, 4_309, "pinned");
}

#[test]
fn the_transaction_never_holds_more_than_its_cap() {
    let engine = engine();
    let cap = TX_MAX_PAGES;
    let plenty = u64::MAX / INK_PER_GAS;
    let below = |base| TxPages {
        base,
        high_water: base,
    };
    let (outcome, used, mark) = nested_with(&engine, 2, 0, below(cap - 2), plenty);
    assert!(matches!(outcome, Outcome::Returned(_)), "{outcome:?}");
    assert_eq!(mark, cap);
    assert_eq!(
        used,
        gas(TRIVIAL + GROW_BASE + CONTROL) + quadratic(cap) - quadratic(cap - 2)
    );
    let (outcome, used, _) = nested_with(&engine, 2, 0, below(cap - 1), plenty);
    assert!(matches!(outcome, Outcome::OutOfGas), "{outcome:?}");
    assert_eq!(used, plenty);
    let (outcome, _, _) = nested_with(&engine, 2, 1, below(cap - 2), plenty);
    assert!(matches!(outcome, Outcome::OutOfGas), "{outcome:?}");
}
