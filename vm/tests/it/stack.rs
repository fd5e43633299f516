//! The deterministic stack: the counted call-depth budget traps at the same depth with the same
//! gas whatever the native stack size, and the native stack sized from the limits never
//! overflows first, even for the largest frames validation allows.
//!
//! wasmer keeps a process-wide pool of wasm stacks and reuses them whatever size a later engine
//! asks for, so each native stack size is tried in its own child process: the parent re-runs this
//! test binary with `--ignored --exact stack::probe_child` and an environment variable that says which
//! probe to run on how large a stack.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use rewasm_test_support as common;

use rewasm_vm::wasmer::{Imports, Value};
use rewasm_vm::{
    ChainLimits, Engine, EngineError, GasSchedule, MeteredInstance, Outcome, Rules, VmConfig,
};

const PROBE_ENV: &str = "REWASM_STACK_PROBE";
const GAS: u64 = 1_000_000_000;

const RECURSION: &str = r#"(module
  (memory 1)
  (global $deepest (export "deepest") (mut i32) (i32.const 0))
  (func $rec (export "rec") (param $d i32)
    (global.set $deepest (local.get $d))
    (call $rec (i32.add (local.get $d) (i32.const 1)))))"#;

/// A function whose frame is as large as validation allows: `max_params` i64 parameters,
/// locals up to `max_locals`, an operand stack close to `max_operand_stack_height` at the
/// recursive call, which passes every parameter on.
fn worst_case_frames(limits: &ChainLimits) -> String {
    let params = limits.max_params;
    let locals = limits.max_locals - params;
    let held = limits.max_operand_stack_height - params - 8;
    let mut body = String::new();
    for i in 0..locals {
        body.push_str(&format!("(local.set {} (i64.const {i}))", params + i));
    }
    for i in 0..held {
        body.push_str(&format!("(i64.const {i})"));
    }
    for i in 0..params {
        body.push_str(&format!("(local.get {i})"));
    }
    body.push_str("(call $f)");
    for _ in 0..held {
        body.push_str("(drop)");
    }
    let param_list = " i64".repeat(params as usize);
    let local_list = " i64".repeat(locals as usize);
    let args = "(i64.const 1)".repeat(params as usize);
    format!(
        r#"(module (memory 1)
          (func $f (param{param_list}) (local{local_list}) {body})
          (func (export "run") (call $f {args})))"#
    )
}

/// Runs a probe in this process and prints its result for the parent to parse.
fn run_probe(kind: &str, stack_size: usize) -> String {
    let config = VmConfig {
        wasm_stack_size: Some(stack_size),
        schedule: GasSchedule::default_schedule(),
        ..VmConfig::default()
    };
    let engine = Engine::new(config).expect("engine");
    let (wat, export, args) = match kind {
        "recursion" => (RECURSION.to_string(), "rec", vec![Value::I32(0)]),
        "worst-case" => (worst_case_frames(&engine.config().limits), "run", vec![]),
        other => panic!("unknown probe {other}"),
    };
    let code = wat::parse_str(&wat).expect("wat");
    let module = engine.compile(&code, Rules::Determinism).expect("compile");
    let mut store = module.new_store();
    let instance = MeteredInstance::new(&mut store, &module, &Imports::new()).expect("instantiate");
    let result = instance.call(&mut store, export, &args, GAS);
    let deepest = match instance.instance().exports.get_global("deepest") {
        Ok(global) => format!("{:?}", global.get(&mut store)),
        Err(_) => "-".to_string(),
    };
    format!(
        "outcome={:?} gas_left={} deepest={deepest}",
        result.outcome, result.gas_left
    )
}

/// Entry point of the child processes; does nothing unless the parent set the variable.
#[test]
#[ignore = "run by the other tests in a child process"]
fn probe_child() {
    if let Ok(spec) = std::env::var(PROBE_ENV) {
        let (kind, size) = spec.split_once(':').expect("kind:size");
        let size: usize = size.parse().expect("size");
        println!("PROBE {}", run_probe(kind, size));
    }
}

fn probe_in_child(kind: &str, stack_size: u64) -> String {
    common::run_in_child(
        "stack::probe_child",
        PROBE_ENV,
        &format!("{kind}:{stack_size}"),
        "PROBE ",
    )
}

#[test]
fn recursion_traps_at_the_same_depth_and_gas_on_two_native_stack_sizes() {
    let bound = ChainLimits::default().native_stack_bound();
    let small = probe_in_child("recursion", bound);
    let large = probe_in_child("recursion", bound * 4);
    assert_eq!(small, large);
    let depth = ChainLimits::default().max_call_depth;
    assert!(small.starts_with("outcome=StackExhausted"), "{small}");
    assert!(small.ends_with(&format!("deepest=I32({depth})")), "{small}");
    assert!(
        small.contains(&format!("gas_left={}", GAS - recursion_gas(depth))),
        "{small}"
    );
}

/// Gas spent before the trap under the `default` schedule: the initial page (30 000), then every
/// frame runs local.get, global.set, local.get, i32.const, i32.add (5 × 1) and is charged with
/// the `call` (5) at the call site; the call that would go one deeper is charged before the depth
/// check traps.
fn recursion_gas(depth: u32) -> u64 {
    30_000 + (u64::from(depth) + 1) * 10
}

#[test]
fn the_worst_case_module_has_the_largest_frames_validation_allows() {
    let limits = ChainLimits::default();
    let code = wat::parse_str(worst_case_frames(&limits)).expect("wat");
    let summary = rewasm_vm::validate(&code, &limits, Rules::Determinism).expect("valid");
    let frame = summary
        .function_frames
        .first()
        .expect("the recursive function");
    assert_eq!(frame.locals, limits.max_locals);
    assert!(
        frame.max_operand_height + 8 >= limits.max_operand_stack_height,
        "{frame:?}"
    );
}

#[test]
fn largest_frames_exhaust_the_budget_before_the_native_stack() {
    let bound = ChainLimits::default().native_stack_bound();
    let result = probe_in_child("worst-case", bound);
    assert!(result.starts_with("outcome=StackExhausted"), "{result}");
}

#[test]
fn a_stack_below_the_bound_is_refused() {
    let bound = ChainLimits::default().native_stack_bound();
    let config = VmConfig {
        wasm_stack_size: Some((bound - 1) as usize),
        ..VmConfig::default()
    };
    match Engine::new(config) {
        Err(EngineError::StackTooSmall {
            configured,
            required,
        }) => {
            assert_eq!((configured, required), (bound - 1, bound));
        }
        other => panic!("expected StackTooSmall, got {other:?}"),
    }
}

#[test]
fn depth_budget_is_a_chain_limit() {
    let limits = ChainLimits {
        max_call_depth: 10,
        ..ChainLimits::default()
    };
    let engine = Engine::new(VmConfig {
        limits,
        ..VmConfig::default()
    })
    .expect("engine");
    let module = engine
        .compile(&wat::parse_str(RECURSION).expect("wat"), Rules::Determinism)
        .expect("compile");
    let mut store = module.new_store();
    let instance = MeteredInstance::new(&mut store, &module, &Imports::new()).expect("instantiate");
    let result = instance.call(&mut store, "rec", &[Value::I32(0)], GAS);
    assert!(
        matches!(result.outcome, Outcome::StackExhausted),
        "{:?}",
        result.outcome
    );
    assert_eq!(result.gas_used(), GAS);
    let deepest = instance
        .instance()
        .exports
        .get_global("deepest")
        .expect("global")
        .get(&mut store);
    assert_eq!(deepest, Value::I32(10));
    // The counter is reset per frame: a second frame reaches the same depth.
    let again = instance.call(&mut store, "rec", &[Value::I32(0)], GAS);
    assert!(matches!(again.outcome, Outcome::StackExhausted));
    assert_eq!(again.gas_left, result.gas_left);
}
