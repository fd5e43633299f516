//! Runtime-engine generations (see `rewasm_vm::engine`): after a fixed number of module loads the
//! engine starts a new wasmer engine so the old one's code memory can be freed. A rotation must
//! change nothing a contract can observe: a module loaded before it keeps running, traps are
//! still caught and classified, and the same code reloaded afterwards gives the same outcome and
//! gas.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use rewasm_vm::wasmer::{Imports, Value};
use rewasm_vm::{
    CacheSource, CompiledModule, DEFAULT_MODULES_PER_GENERATION, Engine, MeteredInstance, Outcome,
    Rules, TrapKind, VmConfig,
};

/// Distinct code per `n`: `add` returns a + b + n, `trap` hits `unreachable` after some work.
fn module(n: i64) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(module
          (func (export "add") (param i64 i64) (result i64)
            (i64.add (i64.add (local.get 0) (local.get 1)) (i64.const {n})))
          (func (export "trap") (local i32)
            (loop (local.set 0 (i32.add (local.get 0) (i32.const 1)))
                  (br_if 0 (i32.lt_u (local.get 0) (i32.const 10))))
            unreachable))"#
    ))
    .expect("wat")
}

fn engine(modules_per_generation: Option<usize>, dir: Option<&std::path::Path>) -> Engine {
    Engine::new(VmConfig {
        modules_per_generation,
        cache_dir: dir.map(std::path::Path::to_path_buf),
        ..VmConfig::default()
    })
    .expect("engine")
}

/// Outcome (as `Debug` text: `Outcome` holds wasmer values, which have no `Eq`) and gas used of
/// `add(2, 40)` and of `trap`, each in a new store of the module's generation.
fn run(module: &CompiledModule) -> Vec<(String, u64)> {
    let calls: [(&str, Vec<Value>); 2] = [
        ("add", vec![Value::I64(2), Value::I64(40)]),
        ("trap", vec![]),
    ];
    calls
        .iter()
        .map(|(name, args)| {
            let mut store = module.new_store();
            let instance =
                MeteredInstance::new(&mut store, module, &Imports::new()).expect("instantiate");
            let result = instance.call(&mut store, name, args, 1_000_000);
            let used = result.gas_used();
            (format!("{:?}", result.outcome), used)
        })
        .collect()
}

#[test]
fn the_default_rotates_after_256_loads() {
    assert_eq!(VmConfig::default().modules_per_generation, Some(256));
    assert_eq!(DEFAULT_MODULES_PER_GENERATION, 256);
}

#[test]
fn a_full_generation_starts_the_next() {
    let engine = engine(Some(3), None);
    let generations: Vec<u64> = (0..7)
        .map(|n| {
            let module = engine.compile(&module(n), Rules::Determinism).unwrap();
            module.generation()
        })
        .collect();
    assert_eq!(generations, [0, 0, 0, 1, 1, 1, 2]);
    assert_eq!(engine.generation(), 2);
}

#[test]
fn cache_hits_do_not_count_as_loads() {
    let engine = engine(Some(2), None);
    let code = module(1);
    for _ in 0..10 {
        engine.compile(&code, Rules::Determinism).unwrap();
    }
    assert_eq!(engine.generation(), 0);
}

#[test]
fn without_a_limit_one_engine_serves_every_module() {
    let engine = engine(None, None);
    for n in 0..50 {
        let module = engine.compile(&module(n), Rules::Determinism).unwrap();
        assert_eq!(module.generation(), 0);
    }
}

#[test]
fn a_module_of_a_retired_generation_runs_and_traps_as_before() {
    let engine = engine(Some(2), None);
    let old = engine.compile(&module(7), Rules::Determinism).unwrap();
    let before = run(&old);
    let returned = format!("{:?}", Outcome::Returned(vec![Value::I64(49)]));
    let trapped = format!("{:?}", Outcome::Trap(TrapKind::Unreachable));
    assert_eq!(before[0].0, returned);
    assert_eq!(before[1].0, trapped);
    for n in 100..110 {
        engine.compile(&module(n), Rules::Determinism).unwrap();
    }
    assert!(engine.generation() >= 4, "the loads rotated the engine");
    assert_eq!(run(&old), before, "a live module of a retired generation");
    let reloaded = engine.compile(&module(7), Rules::Determinism).unwrap();
    assert!(reloaded.generation() > old.generation());
    assert_eq!(
        run(&reloaded),
        before,
        "the same code in a newer generation"
    );
}

#[test]
fn a_rotation_empties_the_memory_cache_and_the_disk_serves_the_reload() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(Some(2), Some(dir.path()));
    let code = module(3);
    let (first, source) = engine.compile_traced(&code, Rules::Determinism).unwrap();
    assert_eq!(source, CacheSource::Compiled);
    let expected = run(&first);
    drop(first);
    engine.compile(&module(4), Rules::Determinism).unwrap();
    assert_eq!(engine.cached_modules(), 2);
    engine.compile(&module(5), Rules::Determinism).unwrap();
    assert_eq!(engine.generation(), 1);
    assert_eq!(
        engine.cached_modules(),
        1,
        "only the module loaded after the rotation"
    );
    let (again, source) = engine.compile_traced(&code, Rules::Determinism).unwrap();
    assert_eq!(source, CacheSource::Disk);
    assert_eq!(again.generation(), 1);
    assert_eq!(run(&again), expected);
}

/// The node compiles on several threads at once (block building, `eth_call`s): rotations
/// racing with loads, cache hits and runs on other threads must leave every module runnable in
/// its own generation with its own results.
#[test]
fn threads_loading_across_rotations_each_get_their_own_results() {
    let engine = Engine::new(VmConfig {
        modules_per_generation: Some(3),
        memory_cache_capacity: 2,
        ..VmConfig::default()
    })
    .expect("engine");
    let reference = run(&engine.compile(&module(0), Rules::Determinism).unwrap());
    std::thread::scope(|scope| {
        for thread in 0..4i64 {
            let engine = &engine;
            let reference = &reference;
            scope.spawn(move || {
                for i in 0..40 {
                    // Every thread also reloads a few shared modules, so hits and loads mix.
                    let n = if i % 4 == 0 {
                        i % 8
                    } else {
                        1_000 * (thread + 1) + i
                    };
                    let compiled = engine.compile(&module(n), Rules::Determinism).unwrap();
                    let outcome = run(&compiled);
                    let sum = format!("{:?}", Outcome::Returned(vec![Value::I64(42 + n)]));
                    assert_eq!(outcome[0].0, sum, "module {n}");
                    assert_eq!(outcome[0].1, reference[0].1, "same code shape, same gas");
                    assert_eq!(outcome[1], reference[1], "module {n}: trap and its gas");
                }
            });
        }
    });
    assert!(
        engine.generation() >= 40,
        "the loads rotated the engine many times"
    );
}
