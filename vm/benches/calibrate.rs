//! Calibration of the first (`default`) gas schedule: one gas should be about one nanosecond;
//! and the compile time per byte of init code for slow-to-compile shapes. The `v2` schedule is
//! made and checked by `rewasm-bench calibrate` (`bench/src/calibrate.rs`, `docs/GAS.md`), which
//! needs the executor and revm.
//!
//! Each kernel is a loop whose body stresses one cost class. It runs with metering effectively
//! off (the `ewasm-conformance` schedule charges nothing, so the instrumentation emits no
//! checks) to measure the time of the wasm code itself, and under `default` to count the gas
//! that code is charged. The printed ratio ns/gas is what the schedule is tuned on: near 1 for
//! every class means gas tracks time. Run: `cargo bench -p rewasm-vm --bench calibrate`.

use std::time::Instant;

use rewasm_vm::wasmer::{Imports, Value};
use rewasm_vm::{
    ChainLimits, Engine, GasSchedule, MemoryPrices, MeteredInstance, Outcome, Rules, VmConfig,
};

/// Repetitions of the kernel body per loop iteration, to dilute the loop's own cost.
const UNROLL: usize = 16;

struct Kernel {
    name: &'static str,
    /// Extra module fields (memory, table, helper functions).
    prelude: &'static str,
    /// One unrolled step; may use locals $i (loop counter), $x, $y (i64) and $p (i32).
    step: &'static str,
    iterations: i32,
}

const KERNELS: &[Kernel] = &[
    Kernel {
        name: "empty loop",
        prelude: "",
        step: "",
        iterations: 2_000_000,
    },
    Kernel {
        name: "alu (add/xor/shl/rotl)",
        prelude: "",
        step: "(local.set $x (i64.rotl (i64.xor (i64.add (local.get $x) (local.get $y)) (i64.shl (local.get $x) (i64.const 3))) (i64.const 7)))",
        iterations: 200_000,
    },
    Kernel {
        name: "mul",
        prelude: "",
        step: "(local.set $x (i64.mul (local.get $x) (local.get $y)))",
        iterations: 200_000,
    },
    Kernel {
        name: "div/rem",
        prelude: "",
        step: "(local.set $x (i64.add (i64.div_u (local.get $y) (i64.or (local.get $x) (i64.const 1))) (i64.const 12345)))",
        iterations: 200_000,
    },
    Kernel {
        name: "load/store",
        prelude: "(memory 1)",
        step: "(i64.store (local.get $p) (i64.add (i64.load offset=8 (local.get $p)) (local.get $y)))",
        iterations: 200_000,
    },
    Kernel {
        name: "call",
        prelude: "(func $f (param i64) (result i64) (i64.add (local.get 0) (i64.const 1)))",
        step: "(local.set $x (call $f (local.get $x)))",
        iterations: 200_000,
    },
    Kernel {
        name: "call_indirect",
        prelude: "(type $t (func (param i64) (result i64))) (table 1 funcref) (elem (i32.const 0) $f) (func $f (param i64) (result i64) (i64.add (local.get 0) (i64.const 1)))",
        step: "(local.set $x (call_indirect (type $t) (local.get $x) (i32.const 0)))",
        iterations: 200_000,
    },
    Kernel {
        name: "br_table",
        prelude: "",
        step: "(block $a (block $b (block $c (br_table $a $b $c (i32.and (local.get $i) (i32.const 3))))) (local.set $x (i64.add (local.get $x) (i64.const 1))))",
        iterations: 200_000,
    },
    Kernel {
        name: "memory.fill 4 KiB",
        prelude: "(memory 1)",
        step: "(memory.fill (i32.const 0) (local.get $i) (i32.const 4096))",
        iterations: 20_000,
    },
    Kernel {
        name: "memory.copy 4 KiB",
        prelude: "(memory 1)",
        step: "(memory.copy (i32.const 4096) (i32.const 0) (i32.const 4096))",
        iterations: 20_000,
    },
];

fn module_for(kernel: &Kernel) -> String {
    let body = kernel.step.repeat(UNROLL);
    format!(
        r#"(module {prelude}
          (func (export "run") (param $n i32) (result i64)
            (local $i i32) (local $x i64) (local $y i64) (local $p i32)
            (local.set $y (i64.const 0x9e3779b97f4a7c15))
            (local.set $x (i64.const 1))
            (local.set $p (i32.const 64))
            (block $done (loop $top
              (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
              {body}
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $top)))
            (local.get $x)))"#,
        prelude = kernel.prelude
    )
}

fn engine(schedule: GasSchedule) -> Engine {
    let config = VmConfig {
        schedule,
        limits: ChainLimits::default(),
        ..VmConfig::default()
    };
    Engine::new(config).unwrap_or_else(|e| panic!("engine: {e}"))
}

/// Best-of-5 wall time in ns and gas used for `iterations` loop iterations.
fn measure(engine: &Engine, code: &[u8], iterations: i32) -> (f64, u64) {
    let module = engine
        .compile(code, Rules::Determinism)
        .unwrap_or_else(|e| panic!("compile: {e}"));
    let mut store = module.new_store();
    let instance = MeteredInstance::new(&mut store, &module, &Imports::new())
        .unwrap_or_else(|e| panic!("instantiate: {e}"));
    let mut best = f64::MAX;
    let mut gas = 0;
    for _ in 0..5 {
        let start = Instant::now();
        let result = instance.call(&mut store, "run", &[Value::I32(iterations)], u64::MAX / 2);
        best = best.min(start.elapsed().as_nanos() as f64);
        assert!(
            matches!(result.outcome, Outcome::Returned(_)),
            "{:?}",
            result.outcome
        );
        gas = result.gas_used();
    }
    (best, gas)
}

fn main() {
    let unmetered = engine(GasSchedule::ewasm_conformance());
    let metered = engine(GasSchedule::default_schedule());
    let steps = |kernel: &Kernel| f64::from(kernel.iterations) * UNROLL as f64;
    let empty = KERNELS.first().map(|k| {
        let code = wat::parse_str(module_for(k)).unwrap_or_else(|e| panic!("wat: {e}"));
        let (ns, gas) = measure(&unmetered, &code, k.iterations);
        let (_, metered_gas) = measure(&metered, &code, k.iterations);
        (
            ns / f64::from(k.iterations),
            (metered_gas - gas) as f64 / f64::from(k.iterations),
        )
    });
    let (loop_ns, loop_gas) = empty.unwrap_or((0.0, 0.0));
    println!("loop overhead per iteration: {loop_ns:.2} ns, {loop_gas:.1} gas");
    println!(
        "{:<24} {:>12} {:>12} {:>10} {:>14}",
        "kernel (per step)", "ns", "gas", "ns/gas", "metered/raw"
    );
    for kernel in KERNELS.iter().skip(1) {
        let code = wat::parse_str(module_for(kernel)).unwrap_or_else(|e| panic!("wat: {e}"));
        let (raw_ns, _) = measure(&unmetered, &code, kernel.iterations);
        let (metered_ns, gas) = measure(&metered, &code, kernel.iterations);
        let iterations = f64::from(kernel.iterations);
        let ns = (raw_ns - loop_ns * iterations) / steps(kernel);
        let gas = (gas as f64 - loop_gas * iterations) / steps(kernel);
        println!(
            "{:<24} {:>12.2} {:>12.1} {:>10.2} {:>14.2}",
            kernel.name,
            ns,
            gas,
            ns / gas,
            metered_ns / raw_ns
        );
    }
    memory_grow_and_pages(&unmetered, &metered);
    compile_per_byte(&metered);
}

/// Generates the functions of a module of one shape; the argument varies the code so every
/// compile misses the cache.
type CodeShape = fn(u32) -> String;

/// Validation + instrumentation + singlepass compile + artifact load per byte of code, for
/// code shapes that compile slowly per byte: many tiny functions, one long straight-line body,
/// deep blocks with branches, and wide `br_table`s. The `default` schedule's
/// `host.code_per_byte` must cover the worst of them at one gas per nanosecond.
fn compile_per_byte(metered: &Engine) {
    let shapes: [(&str, CodeShape); 4] = [
        ("tiny functions", |salt| {
            let mut funcs = String::new();
            for i in 0..3000 {
                funcs.push_str(&format!(
                    "(func (param i32) (result i32) (i32.add (local.get 0) (i32.const {})))",
                    i + salt
                ));
            }
            funcs
        }),
        ("straight line", |salt| {
            let mut body = format!("(local $x i64) (local.set $x (i64.const {salt}))");
            for i in 0..20_000 {
                body.push_str(&format!(
                    "(local.set $x (i64.xor (i64.mul (local.get $x) (i64.const {i})) (i64.const 7)))"
                ));
            }
            format!("(func {body})")
        }),
        ("branches", |salt| {
            let mut body = format!("(local $x i32) (local.set $x (i32.const {salt}))");
            for i in 0..8_000 {
                body.push_str(&format!(
                    "(block (br_if 0 (i32.eq (local.get $x) (i32.const {i}))) (local.set $x (i32.add (local.get $x) (i32.const 1))))"
                ));
            }
            format!("(func {body})")
        }),
        ("br_table", |salt| {
            let targets = "0 ".repeat(1000);
            let mut body = format!("(local $x i32) (local.set $x (i32.const {salt}))");
            for _ in 0..100 {
                body.push_str(&format!("(block (br_table {targets} (local.get $x)))"));
            }
            format!("(func {body})")
        }),
    ];
    println!(
        "{:<24} {:>12} {:>12}",
        "compile (fresh)", "bytes", "ns/byte"
    );
    for (name, shape) in shapes {
        let mut best = f64::MAX;
        let mut bytes = 0;
        for salt in 0..3 {
            let code = wat::parse_str(format!("(module (memory 1) {})", shape(salt)))
                .unwrap_or_else(|e| panic!("wat: {e}"));
            let start = Instant::now();
            metered
                .compile(&code, Rules::Determinism)
                .unwrap_or_else(|e| panic!("compile {name}: {e}"));
            best = best.min(start.elapsed().as_nanos() as f64 / code.len() as f64);
            bytes = code.len();
        }
        println!("{name:<24} {bytes:>12} {best:>12.1}");
    }
    // Real contracts to compare with, e.g. the output of `rewasm build` for the examples.
    let files = std::env::var("REWASM_CALIBRATE_WASM").unwrap_or_default();
    for path in files.split(':').filter(|path| !path.is_empty()) {
        let code = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let fresh = engine(GasSchedule::default_schedule());
        let start = Instant::now();
        fresh
            .compile(&code, Rules::Determinism)
            .unwrap_or_else(|e| panic!("compile {path}: {e}"));
        let ns = start.elapsed().as_nanos() as f64;
        println!(
            "{path:<24} {:>12} {:>12.1}",
            code.len(),
            ns / code.len() as f64
        );
    }
    println!(
        "host.code_per_byte in the default schedule: {}",
        metered.config().schedule.host.code_per_byte
    );
}

/// `memory.grow` per page and initial pages per page, measured as whole frames.
fn memory_grow_and_pages(unmetered: &Engine, metered: &Engine) {
    let page_gas = match metered.config().schedule.memory {
        MemoryPrices::PerFrame { grow_per_page, .. } => grow_per_page,
        MemoryPrices::Transaction(memory) => memory.page,
    };
    let pages = 64;
    let grow = format!(
        r#"(module (memory 1)
          (func (export "run") (param $n i32) (result i64)
            (drop (memory.grow (i32.const {pages})))
            (i64.const 0)))"#
    );
    let touch = format!(
        r#"(module (memory 1)
          (func (export "run") (param $n i32) (result i64) (local $a i32)
            (drop (memory.grow (i32.const {pages})))
            (block $done (loop $top
              (br_if $done (i32.ge_u (local.get $a) (i32.const {bytes})))
              (i32.store8 (local.get $a) (i32.const 1))
              (local.set $a (i32.add (local.get $a) (i32.const 4096)))
              (br $top)))
            (i64.const 0)))"#,
        bytes = (pages + 1) * 65536
    );
    for (name, wat) in [
        ("memory.grow (untouched)", grow),
        ("memory.grow + touch every 4 KiB", touch),
    ] {
        let code = wat::parse_str(&wat).unwrap_or_else(|e| panic!("wat: {e}"));
        // A fresh instance per measurement: the memory must start at one page.
        let mut best = f64::MAX;
        for _ in 0..5 {
            let module = unmetered
                .compile(&code, Rules::Determinism)
                .unwrap_or_else(|e| panic!("compile: {e}"));
            let mut store = module.new_store();
            let instance = MeteredInstance::new(&mut store, &module, &Imports::new())
                .unwrap_or_else(|e| panic!("instantiate: {e}"));
            let start = Instant::now();
            instance.call(&mut store, "run", &[Value::I32(0)], u64::MAX / 2);
            best = best.min(start.elapsed().as_nanos() as f64);
        }
        let per_page = best / f64::from(pages);
        println!(
            "{:<32} {:>10.0} ns/page vs {} gas/page: ns/gas {:.2}",
            name,
            per_page,
            page_gas,
            per_page / page_gas as f64
        );
    }
}
