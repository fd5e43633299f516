//! A warm instance after `reset` behaves as a fresh one, in both parts of its memory: the first
//! 256 KiB restored in place and the rest released to the system; and one whose memory grew or
//! that has a passive data segment is never reused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::sync::Arc;

use rewasm_vm::wasmer::{Imports, Value};
use rewasm_vm::{
    CompiledModule, Engine, GasSchedule, MeteredInstance, Outcome, Rules, VmConfig, WarmInstance,
};

/// 20 pages (1.25 MiB, past the part a reset keeps resident), a data segment on the first and
/// the last page, and a mutable global the module does not export.
const MODULE: &str = r#"
(module
  (memory (export "memory") 20)
  (global $g (mut i64) (i64.const 42))
  (data (i32.const 8) "first")
  (data (i32.const 1310000) "last")
  (func (export "fill") (param $len i32)
    (global.set $g (i64.const -1))
    (memory.fill (i32.const 0) (i32.const 0x5a) (local.get $len)))
  (func (export "grow") (drop (memory.grow (i32.const 1))))
  (func (export "observe") (result i64)
    (i64.add
      (i64.add (global.get $g) (i64.load (i32.const 8)))
      (i64.add (i64.load (i32.const 1310000)) (i64.load (i32.const 700000))))))
"#;

fn warm(engine: &Engine) -> (Arc<CompiledModule>, WarmInstance) {
    let module = engine
        .compile(&wat::parse_str(MODULE).unwrap(), Rules::Determinism)
        .unwrap();
    let mut store = module.new_store();
    let instance = MeteredInstance::new(&mut store, &module, &Imports::new()).unwrap();
    let warm = WarmInstance::new(store, instance, Box::new(()), module.clone());
    (module, warm)
}

fn observe(warm: &mut WarmInstance) -> i64 {
    let result = warm
        .instance
        .call(&mut warm.store, "observe", &[], 1_000_000);
    match result.outcome {
        Outcome::Returned(values) => match values.as_slice() {
            [Value::I64(value)] => *value,
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

fn fill(warm: &mut WarmInstance, len: i32) {
    let result = warm
        .instance
        .call(&mut warm.store, "fill", &[Value::I32(len)], 100_000_000);
    assert!(
        matches!(result.outcome, Outcome::Returned(_)),
        "{:?}",
        result.outcome
    );
}

/// The `default` schedule: these modules hold more than the 8 pages a `v2` frame may.
fn uncapped_engine() -> Engine {
    Engine::new(VmConfig {
        schedule: GasSchedule::default_schedule(),
        ..VmConfig::default()
    })
    .unwrap()
}

#[test]
fn a_reset_restores_memory_and_globals_whether_few_or_many_pages_were_touched() {
    let engine = uncapped_engine();
    let (_, mut warm) = warm(&engine);
    let fresh = observe(&mut warm);
    // Within the first 256 KiB (restored in place), across all 20 pages (the rest released),
    // nothing but the global.
    for len in [10_000, 20 * 65_536, 0, 65_536 * 3] {
        fill(&mut warm, len);
        assert_ne!(
            observe(&mut warm),
            fresh,
            "fill({len}) changed what is observed"
        );
        assert!(warm.reset());
        assert_eq!(observe(&mut warm), fresh, "after fill({len}) and a reset");
        assert!(warm.reset());
    }
}

#[test]
fn a_grown_memory_or_a_passive_segment_is_never_reused() {
    let engine = uncapped_engine();
    let (module, mut warm) = warm(&engine);
    let result = warm.instance.call(&mut warm.store, "grow", &[], 1_000_000);
    assert!(matches!(result.outcome, Outcome::Returned(_)));
    assert!(!warm.reset(), "a memory that grew cannot shrink back");
    engine.release_warm(warm);
    assert!(engine.take_warm(&module).is_none());

    let passive = wat::parse_str(
        r#"(module (memory (export "memory") 1) (data "x")
            (func (export "drop") (data.drop 0)))"#,
    )
    .unwrap();
    let module = engine.compile(&passive, Rules::Determinism).unwrap();
    assert!(module.summary.passive_data);
    let mut store = module.new_store();
    let instance = MeteredInstance::new(&mut store, &module, &Imports::new()).unwrap();
    engine.release_warm(WarmInstance::new(
        store,
        instance,
        Box::new(()),
        module.clone(),
    ));
    assert!(engine.take_warm(&module).is_none(), "never pooled");
}

#[test]
fn the_pool_is_bounded_per_module_and_in_total() {
    let engine = Engine::new(VmConfig {
        warm: rewasm_vm::WarmLimits {
            per_module: 2,
            total: 3,
            total_memory_bytes: u64::MAX,
        },
        ..VmConfig::default()
    })
    .unwrap();
    let modules: Vec<_> = (0..3)
        .map(|n| {
            let code = wat::parse_str(format!(
                r#"(module (memory (export "memory") 1) (func (export "f") (result i32) i32.const {n}))"#
            ))
            .unwrap();
            engine.compile(&code, Rules::Determinism).unwrap()
        })
        .collect();
    let instance = |module: &Arc<CompiledModule>| {
        let mut store = module.new_store();
        let instance = MeteredInstance::new(&mut store, module, &Imports::new()).unwrap();
        WarmInstance::new(store, instance, Box::new(()), module.clone())
    };
    for _ in 0..3 {
        engine.release_warm(instance(&modules[0]));
    }
    assert_eq!(engine.warm_stats().idle, 2, "two per module");
    engine.release_warm(instance(&modules[1]));
    engine.release_warm(instance(&modules[2]));
    assert_eq!(engine.warm_stats().idle, 3, "three in all");
    // The least recently used module (the first) gave one up.
    assert!(engine.take_warm(&modules[2]).is_some());
    assert!(engine.take_warm(&modules[1]).is_some());
    assert!(engine.take_warm(&modules[0]).is_some());
    assert!(engine.take_warm(&modules[0]).is_none());
}

#[test]
fn an_instance_of_a_retired_generation_is_not_kept() {
    let engine = Engine::new(VmConfig {
        modules_per_generation: Some(1),
        ..VmConfig::default()
    })
    .unwrap();
    let (module, warm) = warm(&engine);
    let other = wat::parse_str(r#"(module (memory (export "memory") 1))"#).unwrap();
    engine.compile(&other, Rules::Determinism).unwrap();
    assert_ne!(
        module.generation(),
        engine.generation(),
        "a new generation started"
    );
    engine.release_warm(warm);
    assert_eq!(engine.warm_stats().idle, 0);
}
