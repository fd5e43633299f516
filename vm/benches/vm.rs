//! VM benchmarks: compile throughput, instantiation from the memory and disk caches, the cost
//! of metering on a compute kernel, and what a trap costs once many modules have been loaded. Figures go to `docs/PERFORMANCE.md`.
//! Run: `cargo bench -p rewasm-vm --bench vm`.

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rewasm_vm::wasmer::{Imports, Value};
use rewasm_vm::{ChainLimits, Engine, GasSchedule, MeteredInstance, Rules, VmConfig};

/// A module of `functions` integer functions, each a small loop with arithmetic and memory
/// traffic, so compile time is dominated by ordinary code.
fn synthetic_module(functions: usize) -> Vec<u8> {
    let mut wat = String::from("(module (memory 1)");
    for f in 0..functions {
        wat.push_str(&format!(
            r#"(func $f{f} (export "f{f}") (param $n i32) (result i32) (local $acc i32)
              (block $done (loop $top
                (br_if $done (i32.eqz (local.get $n)))
                (local.set $acc (i32.add (local.get $acc) (i32.mul (local.get $n) (i32.const {f}))))
                (i32.store (i32.and (local.get $acc) (i32.const 0xfffc)) (local.get $acc))
                (local.set $acc (i32.xor (local.get $acc) (i32.load offset=4 (i32.const 0))))
                (local.set $acc (i32.rotl (local.get $acc) (i32.const 5)))
                (local.set $acc (i32.sub (local.get $acc) (i32.shr_u (local.get $acc) (i32.const 3))))
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (br $top)))
              (local.get $acc))"#
        ));
    }
    wat.push(')');
    wat::parse_str(&wat).unwrap_or_else(|e| panic!("wat: {e}"))
}

/// Limits raised so the ~1 MB module is accepted; compile cost does not depend on them.
fn roomy_config(schedule: GasSchedule) -> VmConfig {
    let limits = ChainLimits {
        max_code_size: 4 << 20,
        max_functions: 20_000,
        max_exports: 20_000,
        ..ChainLimits::default()
    };
    VmConfig {
        limits,
        schedule,
        memory_cache_capacity: 1,
        ..VmConfig::default()
    }
}

fn compile(c: &mut Criterion) {
    let mut group = c.benchmark_group("compile");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));
    for functions in [10usize, 6_000] {
        let code = synthetic_module(functions);
        group.throughput(Throughput::Bytes(code.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("validate+instrument+singlepass", code.len()),
            &code,
            |b, code| {
                b.iter(|| {
                    // A fresh engine per iteration: no cache hit.
                    let engine = Engine::new(roomy_config(GasSchedule::default_schedule()))
                        .unwrap_or_else(|e| panic!("{e}"));
                    engine
                        .compile(code, Rules::Determinism)
                        .unwrap_or_else(|e| panic!("{e}"))
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("validate only", code.len()),
            &code,
            |b, code| {
                let limits = roomy_config(GasSchedule::default_schedule()).limits;
                b.iter(|| {
                    rewasm_vm::validate(code, &limits, Rules::Determinism)
                        .unwrap_or_else(|e| panic!("{e}"))
                })
            },
        );
    }
    group.finish();
}

fn instantiate(c: &mut Criterion) {
    let mut group = c.benchmark_group("instantiate");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(4));
    let code = synthetic_module(10);
    let engine = Engine::new(roomy_config(GasSchedule::default_schedule()))
        .unwrap_or_else(|e| panic!("{e}"));
    let module = engine
        .compile(&code, Rules::Determinism)
        .unwrap_or_else(|e| panic!("{e}"));
    group.bench_function("from memory cache (store + instance)", |b| {
        b.iter(|| {
            let module = engine
                .compile(&code, Rules::Determinism)
                .unwrap_or_else(|e| panic!("{e}"));
            let mut store = module.new_store();
            MeteredInstance::new(&mut store, &module, &Imports::new())
                .unwrap_or_else(|e| panic!("{e}"))
        })
    });
    group.bench_function("empty call on a live instance", |b| {
        let mut store = module.new_store();
        let instance = MeteredInstance::new(&mut store, &module, &Imports::new())
            .unwrap_or_else(|e| panic!("{e}"));
        b.iter(|| instance.call(&mut store, "f0", &[Value::I32(0)], 1_000_000))
    });
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let disk_config = VmConfig {
        cache_dir: Some(dir.path().to_path_buf()),
        ..roomy_config(GasSchedule::default_schedule())
    };
    let warm = Engine::new(disk_config.clone()).unwrap_or_else(|e| panic!("{e}"));
    warm.compile(&code, Rules::Determinism)
        .unwrap_or_else(|e| panic!("{e}"));
    group.bench_function(
        "from disk cache (engine + verify + deserialize + instance)",
        |b| {
            b.iter(|| {
                let engine = Engine::new(disk_config.clone()).unwrap_or_else(|e| panic!("{e}"));
                let module = engine
                    .compile(&code, Rules::Determinism)
                    .unwrap_or_else(|e| panic!("{e}"));
                let mut store = module.new_store();
                MeteredInstance::new(&mut store, &module, &Imports::new())
                    .unwrap_or_else(|e| panic!("{e}"))
            })
        },
    );
    group.finish();
}

fn metering_overhead(c: &mut Criterion) {
    let mut group = c.benchmark_group("kernel: 10k-iteration loop");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(4));
    let code = synthetic_module(1);
    for schedule in [
        GasSchedule::ewasm_conformance(),
        GasSchedule::default_schedule(),
    ] {
        let label = if schedule.name == "default" {
            "metered (default)"
        } else {
            "metering off (ewasm-conformance)"
        };
        let engine = Engine::new(roomy_config(schedule)).unwrap_or_else(|e| panic!("{e}"));
        let module = engine
            .compile(&code, Rules::Determinism)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut store = module.new_store();
        let instance = MeteredInstance::new(&mut store, &module, &Imports::new())
            .unwrap_or_else(|e| panic!("{e}"));
        group.bench_function(label, |b| {
            b.iter(|| instance.call(&mut store, "f0", &[Value::I32(10_000)], u64::MAX / 2))
        });
    }
    group.finish();
}

/// `(func (export "run") i64.const n drop unreachable)`: distinct code per `n`, traps.
fn trapping_module(n: i64) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(module (func (export "run") i64.const {n} drop unreachable))"#
    ))
    .unwrap_or_else(|e| panic!("wat: {e}"))
}

/// A trap unwinds through the system unwinder, which searches the unwind tables of every module
/// loaded into a live wasmer engine; runtime-engine generations bound that number.
fn trap_after_loads(c: &mut Criterion) {
    let mut group = c.benchmark_group("trap after 3000 modules loaded");
    for per_generation in [None, Some(1024), Some(256), Some(64)] {
        let engine = Engine::new(VmConfig {
            memory_cache_capacity: 4,
            modules_per_generation: per_generation,
            ..VmConfig::default()
        })
        .unwrap_or_else(|e| panic!("{e}"));
        for n in 0..3_000 {
            engine
                .compile(&trapping_module(n), Rules::Determinism)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let module = engine
            .compile(&trapping_module(-1), Rules::Determinism)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut store = module.new_store();
        let instance = MeteredInstance::new(&mut store, &module, &Imports::new())
            .unwrap_or_else(|e| panic!("{e}"));
        let label =
            per_generation.map_or("one engine".to_string(), |n| format!("{n} per generation"));
        group.bench_function(label, |b| {
            b.iter(|| instance.call(&mut store, "run", &[], 1_000_000))
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    compile,
    instantiate,
    metering_overhead,
    trap_after_loads
);
criterion_main!(benches);
