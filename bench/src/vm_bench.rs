//! The in-process benchmarks: warm caches, in-memory state, every peer measured in the same run.

use std::hint::black_box;
use std::time::Instant;

use anyhow::{Context, bail, ensure};
use primitive_types::{H160, U256};
use rewasm_executor::on_executor_stack;
use rewasm_primitives::consensus::MAX_CODE_SIZE;
use rewasm_vm::wasmer::Imports;
use rewasm_vm::{ArtifactPolicy, GasSchedule, MeteredInstance, Rules, WarmInstance};
use serde::{Deserialize, Serialize};

use crate::abi;
use crate::artifacts::Artifacts;
use crate::evm::Revm;
use crate::rewasm_run::{EMPTY_CONTRACT_WAT, LiveModule, RewasmChain, engine};
use crate::timing::{Budget, Stats, human, measure, summarize};
use crate::wasmi_run::Wasmi;
use crate::{Kernel, KernelSizes, native_kernel};

/// One measured thing.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Measurement {
    /// Stable id, e.g. `erc20/rewasm`.
    pub id: String,
    /// What ran, for the report.
    pub label: String,
    /// Timing.
    pub stats: Stats,
}

/// One line of the ratio table: rewasm's figure over a peer's.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Ratio {
    /// The section of the table.
    pub group: String,
    /// The benchmark.
    pub benchmark: String,
    /// What rewasm ran.
    pub rewasm: String,
    /// Its median, ns.
    pub rewasm_ns: f64,
    /// The peer.
    pub peer: String,
    /// Its median, ns.
    pub peer_ns: f64,
}

impl Ratio {
    /// rewasm / peer (above 1: rewasm is slower).
    pub fn ratio(&self) -> f64 {
        self.rewasm_ns / self.peer_ns
    }
}

/// Everything `rewasm-bench vm` found.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VmResults {
    /// The kernels' sizes.
    pub sizes: KernelSizes,
    /// The compiler of the Solidity side.
    pub solc: String,
    /// Every measurement.
    pub measurements: Vec<Measurement>,
    /// The ratio table.
    pub ratios: Vec<Ratio>,
    /// Facts worth printing with the table (gas used, code sizes).
    pub notes: Vec<String>,
}

struct Recorder {
    budget: Budget,
    measurements: Vec<Measurement>,
}

impl Recorder {
    fn run(&mut self, id: &str, label: &str, f: impl FnMut()) -> f64 {
        let stats = measure(self.budget, f);
        eprintln!("  {id:<40} {:>12}  {label}", human(stats.median_ns));
        self.measurements.push(Measurement {
            id: id.to_string(),
            label: label.to_string(),
            stats,
        });
        stats.median_ns
    }

    fn record(&mut self, id: &str, label: &str, stats: Stats) -> f64 {
        eprintln!("  {id:<40} {:>12}  {label}", human(stats.median_ns));
        self.measurements.push(Measurement {
            id: id.to_string(),
            label: label.to_string(),
            stats,
        });
        stats.median_ns
    }
}

fn ratio(group: &str, benchmark: &str, rewasm: (&str, f64), peer: (&str, f64)) -> Ratio {
    Ratio {
        group: group.to_string(),
        benchmark: benchmark.to_string(),
        rewasm: rewasm.0.to_string(),
        rewasm_ns: rewasm.1,
        peer: peer.0.to_string(),
        peer_ns: peer.1,
    }
}

/// The deployer, the only funded account in the in-process runs.
pub fn deployer() -> H160 {
    H160::repeat_byte(0xd0)
}

/// The `i`-th of 1000 recipients the transfers cycle through.
pub fn recipient(i: u64) -> H160 {
    H160::from_low_u64_be(0x1000_0000 + i % 1000)
}

/// Token supply minted to the deployer.
pub fn supply() -> U256 {
    U256::from(10u64).pow(U256::from(27))
}

/// The two ERC-20s, deployed, with the same `transfers` transfers done; checks both hold the same
/// balances afterwards. Returns them for more transfers.
pub fn erc20_pair(
    artifacts: &Artifacts,
    schedule: GasSchedule,
    transfers: u64,
) -> anyhow::Result<(RewasmChain, H160, Revm, H160)> {
    let me = deployer();
    let args = abi::erc20_constructor("Bench", "BNC", supply());
    let mut chain = RewasmChain::new(schedule, &[me])?;
    let mut init = artifacts.erc20_deploy.clone();
    init.extend_from_slice(&args);
    let token = chain
        .deploy(me, init)
        .context("deploying the rewasm ERC-20")?;
    let mut evm = Revm::new(&[me]);
    let mut init = artifacts.sol_erc20.clone();
    init.extend_from_slice(&args);
    let sol_token = evm
        .deploy(&me, init)
        .context("deploying the Solidity ERC-20")?;
    for i in 0..transfers {
        let data = abi::transfer(&recipient(i), U256::from(i + 1));
        chain.call(me, token, data.clone())?;
        evm.call(&me, &sol_token, data)?;
    }
    for owner in [
        me,
        recipient(0),
        recipient(1),
        recipient(transfers),
        H160::zero(),
    ] {
        let a = abi::u256_of_output(&chain.call(me, token, abi::balance_of(&owner))?);
        let b = abi::u256_of_output(&evm.call(&me, &sol_token, abi::balance_of(&owner))?);
        ensure!(
            a == b,
            "balances of {owner:?} differ: rewasm {a:?}, revm {b:?}"
        );
    }
    Ok((chain, token, evm, sol_token))
}

/// Each kernel's result from every runner, checked equal to the native one.
pub fn check_kernels(artifacts: &Artifacts, sizes: KernelSizes) -> anyhow::Result<()> {
    let me = deployer();
    let mut chain = RewasmChain::new(GasSchedule::v2(), &[me])?;
    let contract = chain.deploy(me, artifacts.kernels_deploy.clone())?;
    let mut evm = Revm::new(&[me]);
    let sol = evm.deploy(&me, artifacts.sol_kernels.clone())?;
    let metered = engine(GasSchedule::v2())?;
    let mut live = LiveModule::new(&metered, &artifacts.kernels_raw)?;
    let mut wasmi = Wasmi::new(&artifacts.kernels_raw)?;
    for k in sizes.kernels() {
        let Some(expected) = native_kernel(k.export, k.arg) else {
            bail!("no native kernel {}", k.export);
        };
        let data = kernel_call(&k);
        let uint64 = k.export == "fib";
        let results = [
            ("rewasm VM", Some(live.call_u64(k.export, k.arg)?)),
            ("wasmi", Some(wasmi.call_u64(k.export, k.arg)?)),
            (
                "rewasm contract",
                abi::head_of_output(&chain.call(me, contract, data.clone())?, uint64),
            ),
            (
                "revm",
                abi::head_of_output(&evm.call(&me, &sol, data)?, uint64),
            ),
        ];
        for (runner, got) in results {
            ensure!(
                got == Some(expected),
                "{} on {runner}: {got:x?}, native {expected:x}",
                k.label
            );
        }
    }
    Ok(())
}

fn kernel_call(k: &Kernel) -> Vec<u8> {
    abi::call(k.signature, &[abi::word_u256(U256::from(k.arg))])
}

/// Runs every in-process benchmark.
pub fn run(artifacts: &Artifacts, sizes: KernelSizes, budget: Budget) -> anyhow::Result<VmResults> {
    let mut r = Recorder {
        budget,
        measurements: Vec::new(),
    };
    let mut ratios = Vec::new();
    let mut notes = Vec::new();
    let me = deployer();

    eprintln!("ERC-20 transfer (full transaction, committed to in-memory state)");
    let (mut chain, token, mut evm, sol_token) = erc20_pair(artifacts, GasSchedule::v2(), 10)?;
    let (mut chain_off, token_off, _, _) =
        erc20_pair(artifacts, crate::rewasm_run::unmetered_schedule(), 1)?;
    let runtime = chain.code(&token).unwrap_or_default();
    let rewasm_gas = chain
        .transact(me, Some(token), abi::transfer(&recipient(500), U256::one()))?
        .gas_used;
    let revm_gas = evm.gas_of(&me, &sol_token, abi::transfer(&recipient(500), U256::one()))?;
    notes.push(format!(
        "ERC-20 transfer: rewasm {rewasm_gas} gas ({} B wasm runtime), Solidity {revm_gas} gas",
        runtime.len()
    ));
    let mut i = 0u64;
    let rewasm_erc20 = r.run("erc20/rewasm", "rewasm ERC-20 transfer tx", || {
        i += 1;
        let data = abi::transfer(&recipient(i), U256::one());
        black_box(chain.transact(me, Some(token), data).ok());
    });
    let mut i = 0u64;
    let rewasm_erc20_off = r.run(
        "erc20/rewasm-unmetered",
        "rewasm ERC-20 transfer tx, metering off",
        || {
            i += 1;
            let data = abi::transfer(&recipient(i), U256::one());
            black_box(chain_off.transact(me, Some(token_off), data).ok());
        },
    );
    let mut i = 0u64;
    let revm_erc20 = r.run("erc20/revm", "Solidity ERC-20 transfer tx on revm", || {
        i += 1;
        let data = abi::transfer(&recipient(i), U256::one());
        black_box(evm.call(&me, &sol_token, data).ok());
    });
    let holder = recipient(1);
    // The transfer loops ran different numbers of times, so the two tokens' balances differ
    // now; each side's call must answer what a committed transaction answers.
    let query = abi::balance_of(&holder);
    let ours = chain.view(me, token, query.clone())?;
    ensure!(
        ours == chain.call(me, token, query.clone())?,
        "rewasm balanceOf as a call differs from the transaction"
    );
    let theirs = evm.view(&me, &sol_token, query.clone())?;
    ensure!(
        theirs == evm.call(&me, &sol_token, query)?,
        "revm balanceOf as a call differs from the transaction"
    );
    let rewasm_view = r.run(
        "erc20/rewasm-balanceof-call",
        "rewasm ERC-20 balanceOf as an in-process eth_call (changes discarded)",
        || {
            black_box(chain.view(me, token, abi::balance_of(&holder)).ok());
        },
    );
    let revm_view = r.run(
        "erc20/revm-balanceof-call",
        "Solidity ERC-20 balanceOf on revm, transact without commit",
        || {
            black_box(evm.view(&me, &sol_token, abi::balance_of(&holder)).ok());
        },
    );
    let balance_of_ratio = ratio(
        "ERC-20",
        "balanceOf as an in-process eth_call",
        ("example ERC-20 (wasm)", rewasm_view),
        ("Solidity ERC-20 on revm", revm_view),
    );
    ratios.push(ratio(
        "ERC-20",
        "transfer transaction",
        ("example ERC-20 (wasm)", rewasm_erc20),
        ("Solidity ERC-20 on revm", revm_erc20),
    ));
    ratios.push(ratio(
        "Metering",
        "ERC-20 transfer transaction",
        ("`v2` schedule", rewasm_erc20),
        ("metering off", rewasm_erc20_off),
    ));

    eprintln!("compute kernels");
    check_kernels(artifacts, sizes)?;
    let metered = engine(GasSchedule::v2())?;
    let unmetered = engine(crate::rewasm_run::unmetered_schedule())?;
    let mut live = LiveModule::new(&metered, &artifacts.kernels_raw)?;
    let mut live_off = LiveModule::new(&unmetered, &artifacts.kernels_raw)?;
    let mut wasmi = Wasmi::new(&artifacts.kernels_raw)?;
    let mut kchain = RewasmChain::new(GasSchedule::v2(), &[me])?;
    let kcontract = kchain.deploy(me, artifacts.kernels_deploy.clone())?;
    let mut kevm = Revm::new(&[me]);
    let ksol = kevm.deploy(&me, artifacts.sol_kernels.clone())?;
    for k in sizes.kernels() {
        let name = format!("{} ×{}", k.label, k.arg);
        let id = k.export;
        let native = r.run(&format!("{id}/native"), "native Rust", || {
            black_box(native_kernel(k.export, black_box(k.arg)));
        });
        let vm = r.run(&format!("{id}/rewasm-vm"), "rewasm VM, metered", || {
            black_box(live.call_u64(k.export, k.arg).ok());
        });
        let vm_off = r.run(
            &format!("{id}/rewasm-vm-unmetered"),
            "rewasm VM, metering off",
            || {
                black_box(live_off.call_u64(k.export, k.arg).ok());
            },
        );
        let interp = r.run(&format!("{id}/wasmi"), "wasmi", || {
            black_box(wasmi.call_u64(k.export, k.arg).ok());
        });
        let data = kernel_call(&k);
        let contract = r.run(
            &format!("{id}/rewasm-contract"),
            "rewasm contract tx",
            || {
                black_box(kchain.call(me, kcontract, data.clone()).ok());
            },
        );
        let sol = r.run(&format!("{id}/revm"), "Solidity on revm tx", || {
            black_box(kevm.call(&me, &ksol, data.clone()).ok());
        });
        let gas = kchain.transact(me, Some(kcontract), data.clone())?.gas_used;
        let sol_gas = kevm.gas_of(&me, &ksol, data.clone())?;
        notes.push(format!(
            "{name}: rewasm contract {gas} gas, Solidity {sol_gas} gas"
        ));
        ratios.push(ratio(
            "Kernels: rewasm VM vs the physical limit",
            &name,
            ("rewasm VM (metered)", vm),
            ("native Rust", native),
        ));
        ratios.push(ratio(
            "Kernels: rewasm VM vs an interpreter",
            &name,
            ("rewasm VM (metered)", vm),
            ("wasmi", interp),
        ));
        ratios.push(ratio(
            "Kernels: contract transaction vs Solidity",
            &name,
            ("rewasm contract tx", contract),
            ("Solidity on revm tx", sol),
        ));
        ratios.push(ratio(
            "Metering",
            &name,
            ("`v2` schedule", vm),
            ("metering off", vm_off),
        ));
    }

    eprintln!("per-call overhead");
    // Full transactions calling an empty contract.
    let mut echain = RewasmChain::new(GasSchedule::v2(), &[me])?;
    let empty_address = H160::repeat_byte(0xee);
    let empty = wat::parse_str(EMPTY_CONTRACT_WAT)?;
    echain.install(empty_address, &empty);
    echain.call(me, empty_address, Vec::new())?;
    let mut eevm = Revm::new(&[me]);
    let sol_empty = eevm.deploy(&me, hex_stop_init())?;
    eevm.call(&me, &sol_empty, Vec::new())?;
    let empty_tx = r.run("empty/rewasm-tx", "rewasm tx to an empty contract", || {
        black_box(echain.call(me, empty_address, Vec::new()).ok());
    });
    let empty_revm = r.run("empty/revm-tx", "revm tx to `STOP`", || {
        black_box(eevm.call(&me, &sol_empty, Vec::new()).ok());
    });
    ratios.push(ratio(
        "Per-call overhead",
        "transaction to an empty contract",
        ("`main` returns at once", empty_tx),
        ("revm, code `STOP`", empty_revm),
    ));
    // A block's transactions share one executor thread (what block building does).
    let empty_in_block = on_executor_stack(|| {
        r.run(
            "empty/rewasm-tx-in-block",
            "rewasm tx to an empty contract on a block's shared executor thread",
            || {
                black_box(echain.call(me, empty_address, Vec::new()).ok());
            },
        )
    })?;
    ratios.push(ratio(
        "Per-call overhead",
        "transaction to an empty contract, inside a block (shared executor thread)",
        ("`main` returns at once", empty_in_block),
        ("revm, code `STOP`", empty_revm),
    ));
    let noop = abi::call("noop()", &[]);
    let noop_tx = r.run("noop/rewasm-tx", "rewasm kernels contract noop()", || {
        black_box(kchain.call(me, kcontract, noop.clone()).ok());
    });
    let noop_revm = r.run("noop/revm-tx", "Solidity kernels noop() on revm", || {
        black_box(kevm.call(&me, &ksol, noop.clone()).ok());
    });
    ratios.push(ratio(
        "Per-call overhead",
        "transaction calling noop() (ABI dispatch)",
        ("SDK contract", noop_tx),
        ("Solidity on revm", noop_revm),
    ));

    // The parts of a frame, on the plain module (no imports), vs wasmi.
    let iterations = (budget.measure.as_millis() as usize * 3).clamp(30, 3000);
    let (inst, run, teardown) = rewasm_phases(&metered, &artifacts.kernels_raw, iterations)?;
    let (w_inst, w_run, w_teardown) = wasmi_phases(&wasmi, iterations)?;
    let inst = r.record(
        "phase/rewasm-instantiate",
        "rewasm: cache lookup + new store + instance",
        inst,
    );
    let run = r.record(
        "phase/rewasm-run",
        "rewasm: call noop (meter reset, classify)",
        run,
    );
    let teardown = r.record(
        "phase/rewasm-teardown",
        "rewasm: drop instance + store",
        teardown,
    );
    let w_inst = r.record(
        "phase/wasmi-instantiate",
        "wasmi: new store + instance",
        w_inst,
    );
    let w_run = r.record("phase/wasmi-run", "wasmi: call noop", w_run);
    let w_teardown = r.record("phase/wasmi-teardown", "wasmi: drop store", w_teardown);
    ratios.push(ratio(
        "Per-call overhead",
        "instantiate (plain module)",
        ("rewasm", inst),
        ("wasmi", w_inst),
    ));
    ratios.push(ratio(
        "Per-call overhead",
        "run an empty export",
        ("rewasm", run),
        ("wasmi", w_run),
    ));
    ratios.push(ratio(
        "Per-call overhead",
        "teardown",
        ("rewasm", teardown),
        ("wasmi", w_teardown),
    ));
    // What else a transaction pays for.
    let lookup = r.run(
        "phase/rewasm-cache-lookup-erc20",
        "rewasm: compile-cache hit for the ERC-20 (keccak of the code + LRU)",
        || {
            black_box(metered.compile(&runtime, Rules::Contract).ok());
        },
    );
    let spawn = r.run(
        "phase/rewasm-tx-thread",
        "rewasm: starting an executor thread (256 MiB stack), spawn + join (threads are now long-lived)",
        || {
            std::thread::scope(|scope| {
                if let Ok(handle) = std::thread::Builder::new()
                    .stack_size(rewasm_executor::EXECUTOR_STACK_BYTES)
                    .spawn_scoped(scope, || black_box(1))
                {
                    black_box(handle.join().ok());
                }
            })
        },
    );
    let warm = warm_phases(&mut r, &metered, &runtime, &artifacts.kernels_raw)?;
    let host_call = host_call_overhead(&mut r, me)?;
    notes.push(many_contracts_resident(me, 10_000)?);
    notes.push(format!(
        "empty-contract transaction {} alone, {} inside a block (executor threads are long-lived; \
         starting one would cost {}). Phases measured apart (they overlap and do not add up): \
         a fresh instance of a plain module {}, run {}, teardown {}; compile-cache hit for the \
         {} B ERC-20 hashing the code {}, by the account's code hash {}; a warm instance taken \
         and given back (reset) {}, the reset alone {}; one EEI host call {}",
        human(empty_tx),
        human(empty_in_block),
        human(spawn),
        human(inst),
        human(run),
        human(teardown),
        runtime.len(),
        human(lookup),
        human(warm.lookup_by_hash),
        human(warm.cycle),
        human(warm.reset),
        human(host_call),
    ));
    notes.push(format!(
        "max code size {MAX_CODE_SIZE} B; kernels contract {} B, plain kernels module {} B",
        kchain.code(&kcontract).map_or(0, |c| c.len()),
        artifacts.kernels_raw.len()
    ));
    ratios.push(balance_of_ratio);
    Ok(VmResults {
        sizes,
        solc: artifacts.solc.clone(),
        measurements: r.measurements,
        ratios,
        notes,
    })
}

/// The warm path's phases.
struct WarmPhases {
    lookup_by_hash: f64,
    cycle: f64,
    reset: f64,
}

/// Module lookup by code hash, taking and giving back a warm instance, and its reset.
fn warm_phases(
    r: &mut Recorder,
    engine: &rewasm_vm::Engine,
    erc20: &[u8],
    plain: &[u8],
) -> anyhow::Result<WarmPhases> {
    let hash = rewasm_primitives::keccak256(erc20).0;
    let lookup_by_hash = r.run(
        "phase/rewasm-lookup-by-hash-erc20",
        "rewasm: compile-cache hit for the ERC-20 by its code hash (no hashing)",
        || {
            black_box(
                engine
                    .compile_hashed(erc20, hash, Rules::Contract, ArtifactPolicy::Persist)
                    .ok(),
            );
        },
    );
    let module = engine.compile(plain, Rules::Determinism)?;
    let mut store = module.new_store();
    let instance = MeteredInstance::new(&mut store, &module, &Imports::new())?;
    let mut held = WarmInstance::new(store, instance, Box::new(()), module.clone());
    let reset = r.run(
        "phase/rewasm-warm-reset",
        "rewasm: reset a warm instance (memory image, globals)",
        || {
            black_box(held.reset());
        },
    );
    engine.release_warm(held);
    let cycle = r.run(
        "phase/rewasm-warm-acquire-release",
        "rewasm: take a warm instance from the pool and give it back (reset)",
        || {
            if let Some(warm) = engine.take_warm(&module) {
                engine.release_warm(black_box(warm));
            }
        },
    );
    Ok(WarmPhases {
        lookup_by_hash,
        cycle,
        reset,
    })
}

/// Resident memory after calling `count` distinct contracts once each: what the module cache,
/// the engine generations and the warm pools keep.
fn many_contracts_resident(me: H160, count: u64) -> anyhow::Result<String> {
    let mut chain = RewasmChain::new(GasSchedule::v2(), &[me])?;
    let contract = |n: u64| {
        wat::parse_str(format!(
            r#"(module (memory (export "memory") 1) (global $g (mut i64) (i64.const {n}))
                (func (export "main") (global.set $g (i64.add (global.get $g) (i64.const 1)))))"#
        ))
    };
    let before = resident_kib();
    let started = Instant::now();
    for n in 0..count {
        let address = H160::from_low_u64_be(0x5000_0000 + n);
        chain.install(address, &contract(n)?);
        chain.call(me, address, Vec::new())?;
    }
    let after = resident_kib();
    Ok(format!(
        "{count} distinct contracts called once each ({:.1} s, compiles included): resident memory \
         {} MiB before, {} MiB after",
        started.elapsed().as_secs_f64(),
        before / 1024,
        after / 1024
    ))
}

/// This process's resident set (`VmRSS`), in KiB (0 where /proc is not there).
fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

/// A contract that makes `calls` EEI calls (`getGasLeft`) and stops.
fn host_loop_contract(calls: u32) -> anyhow::Result<Vec<u8>> {
    Ok(wat::parse_str(format!(
        r#"(module
  (import "ethereum" "getGasLeft" (func $gas (result i64)))
  (memory (export "memory") 1)
  (func (export "main") (local $i i32)
    (loop $again
      (drop (call $gas))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const {calls}))))))"#
    ))?)
}

/// Time per EEI host call: a transaction making 1000 calls less one making 1, per call.
fn host_call_overhead(r: &mut Recorder, me: H160) -> anyhow::Result<f64> {
    let mut chain = RewasmChain::new(GasSchedule::v2(), &[me])?;
    let (one, many) = (H160::repeat_byte(0xa1), H160::repeat_byte(0xa2));
    chain.install(one, &host_loop_contract(1)?);
    chain.install(many, &host_loop_contract(1000)?);
    chain.call(me, one, Vec::new())?;
    chain.call(me, many, Vec::new())?;
    let single = r.run(
        "phase/rewasm-host-loop-1",
        "rewasm tx making 1 EEI call",
        || {
            black_box(chain.call(me, one, Vec::new()).ok());
        },
    );
    let thousand = r.run(
        "phase/rewasm-host-loop-1000",
        "rewasm tx making 1000 EEI calls",
        || {
            black_box(chain.call(me, many, Vec::new()).ok());
        },
    );
    Ok(((thousand - single) / 999.0).max(0.0))
}

/// Creation code deploying the one-byte runtime `STOP`.
fn hex_stop_init() -> Vec<u8> {
    // PUSH1 1 PUSH1 12 PUSH1 0 CODECOPY PUSH1 1 PUSH1 0 RETURN STOP
    vec![
        0x60, 0x01, 0x60, 0x0c, 0x60, 0x00, 0x39, 0x60, 0x01, 0x60, 0x00, 0xf3, 0x00,
    ]
}

/// Runs `once` `iterations` times; each run returns its four time marks (start, instantiated,
/// ran, torn down), summarised per phase.
fn time_phases(
    iterations: usize,
    mut once: impl FnMut() -> anyhow::Result<[Instant; 4]>,
) -> anyhow::Result<(Stats, Stats, Stats)> {
    let mut phases = [Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..iterations {
        let [t0, t1, t2, t3] = once()?;
        for (phase, d) in phases.iter_mut().zip([t1 - t0, t2 - t1, t3 - t2]) {
            phase.push(d.as_secs_f64() * 1e9);
        }
    }
    let [a, b, c] = &mut phases;
    let n = iterations as u64;
    Ok((summarize(a, n), summarize(b, n), summarize(c, n)))
}

fn rewasm_phases(
    engine: &rewasm_vm::Engine,
    code: &[u8],
    iterations: usize,
) -> anyhow::Result<(Stats, Stats, Stats)> {
    time_phases(iterations, || {
        let t0 = Instant::now();
        let module = engine.compile(code, Rules::Determinism)?;
        let mut store = module.new_store();
        let instance = MeteredInstance::new(&mut store, &module, &Imports::new())?;
        let t1 = Instant::now();
        let result = instance.call(&mut store, "noop", &[], 1_000_000);
        let t2 = Instant::now();
        black_box(&result);
        drop(instance);
        drop(store);
        drop(module);
        Ok([t0, t1, t2, Instant::now()])
    })
}

fn wasmi_phases(wasmi: &Wasmi, iterations: usize) -> anyhow::Result<(Stats, Stats, Stats)> {
    time_phases(iterations, || {
        let t0 = Instant::now();
        let (mut store, instance) = wasmi.instantiate()?;
        let t1 = Instant::now();
        let f = instance
            .get_typed_func::<(), ()>(&store, "noop")
            .map_err(|e| anyhow::anyhow!("wasmi: {e}"))?;
        black_box(f.call(&mut store, ()).ok());
        let t2 = Instant::now();
        drop(store);
        Ok([t0, t1, t2, Instant::now()])
    })
}
