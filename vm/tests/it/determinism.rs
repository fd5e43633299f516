//! Property tests: the same module and input give the same outcome and gas on repeat, on a
//! cache hit and on a cache miss; gas is monotone in the work done.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use proptest::prelude::*;
use rewasm_vm::wasmer::{Imports, Value};
use rewasm_vm::{Engine, Rules, VmConfig};

/// Modules whose behaviour depends on one i32 input: loops, bulk memory, grow, traps, recursion.
const MODULES: [&str; 4] = [
    r#"(module (memory 1)
      (func (export "run") (param $n i32) (result i32) (local $acc i32)
        (block $done (loop $top
          (br_if $done (i32.eqz (local.get $n)))
          (local.set $acc (i32.add (local.get $acc) (i32.mul (local.get $n) (local.get $n))))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $top)))
        (local.get $acc)))"#,
    r#"(module (memory 1 3)
      (func (export "run") (param $n i32) (result i32)
        (memory.fill (i32.const 0) (i32.const 9) (local.get $n))
        (memory.copy (i32.const 7) (i32.const 0) (local.get $n))
        (i32.add (memory.grow (i32.rem_u (local.get $n) (i32.const 4))) (i32.load8_u (i32.const 7)))))"#,
    r#"(module (memory 1)
      (func (export "run") (param $n i32) (result i32)
        (i32.div_u (i32.const 1000) (i32.rem_u (local.get $n) (i32.const 3)))))"#,
    r#"(module (memory 1)
      (func $down (param $n i32) (result i32)
        (if (result i32) (i32.eqz (local.get $n))
          (then (i32.const 0))
          (else (i32.add (i32.const 1) (call $down (i32.sub (local.get $n) (i32.const 1)))))))
      (func (export "run") (param $n i32) (result i32) (call $down (local.get $n))))"#,
];

/// Outcome and gas of `run(input)` with `gas` on `engine`, as comparable text.
fn run(engine: &Engine, wat: &str, input: i32, gas: u64) -> (String, u64, u64) {
    let code = wat::parse_str(wat).expect("wat");
    let module = engine.compile(&code, Rules::Determinism).expect("compile");
    let mut store = module.new_store();
    let instance =
        rewasm_vm::MeteredInstance::new(&mut store, &module, &Imports::new()).expect("instantiate");
    let result = instance.call(&mut store, "run", &[Value::I32(input)], gas);
    (
        format!("{:?}", result.outcome),
        result.gas_used(),
        result.gas_left,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn same_input_same_outcome_on_repeat_hit_and_miss(
        which in 0..MODULES.len(),
        input in 0i32..3000,
        gas in 20_000u64..2_000_000,
    ) {
        let wat = MODULES[which];
        let cached = Engine::new(VmConfig::default()).expect("engine");
        let miss = run(&cached, wat, input, gas);
        let hit = run(&cached, wat, input, gas);
        let fresh = run(&Engine::new(VmConfig::default()).expect("engine"), wat, input, gas);
        prop_assert_eq!(&miss, &hit);
        prop_assert_eq!(&miss, &fresh);
    }

    #[test]
    fn gas_is_monotone_in_loop_count(a in 0i32..5000, b in 0i32..5000) {
        let engine = Engine::new(VmConfig::default()).expect("engine");
        let (low, high) = (a.min(b), a.max(b));
        let (_, gas_low, _) = run(&engine, MODULES[0], low, u64::MAX / 4);
        let (_, gas_high, _) = run(&engine, MODULES[0], high, u64::MAX / 4);
        prop_assert!(gas_low <= gas_high, "gas({low}) = {gas_low} > gas({high}) = {gas_high}");
    }
}
