//! The gas-to-time calibration that sets the `v2` schedule and checks it (issue gas-v2).
//!
//! Every case is a loop whose body is written to be the slowest code per gas an attacker could
//! write for one price: dependent divisions, unpredictable branches, pointer chases through
//! 8 MiB that miss the caches, host calls with no data, calls into cold modules, `memory.grow`
//! by one page that is then touched. Each runs as a contract call on an in-memory state under
//! the schedule being checked, `n` and `2n` times; the slope (time and gas per iteration) is the
//! case's figure, so the call's fixed costs drop out.
//!
//! The exchange rate comes from revm on the same machine, from EVM microbenchmarks written the
//! same way (an opcode loop each): the time one EVM gas buys ranges from 0.02 ns (`SSTORE`) to
//! 13 ns (`KECCAK256` of 4 KiB), so the rate is the *most* time one EVM gas buys, the figure
//! that bounds an Ethereum block's worst-case time. One rewasm gas should buy at most that, so
//! a case's `ns/gas` divided by the rate says how its price compares: above 1 the case buys more
//! time per gas than any EVM code can. The safety figure is the worst case's ns/gas over the
//! median of all cases; `docs/GAS.md` explains how the `v2` prices were derived from a run.

use std::time::Instant;

use anyhow::{Context, bail, ensure};
use primitive_types::{H160, U256};
use rewasm_vm::GasSchedule;
use serde::{Deserialize, Serialize};

use crate::abi;
use crate::artifacts::Artifacts;
use crate::evm::Revm;
use crate::rewasm_run::RewasmChain;
use crate::vm_bench::{deployer, erc20_pair, recipient};
use crate::{KernelSizes, calibrate_cases as cases};

/// One case's figures.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CaseResult {
    /// Stable id (`rewasm/...`, `evm/...`, `kernel/...`).
    pub id: String,
    /// What it stresses.
    pub stresses: String,
    /// Nanoseconds per iteration (or per transaction for kernels).
    pub ns: f64,
    /// Gas per iteration (or per transaction).
    pub gas: f64,
}

impl CaseResult {
    /// A measured case, printed to stderr as it completes.
    fn new(id: String, stresses: &str, ns: f64, gas: f64) -> Self {
        let case = Self {
            id,
            stresses: stresses.to_string(),
            ns,
            gas,
        };
        eprintln!(
            "  {:<36} {:>12.1} ns {:>12.1} gas {:>8.3} ns/gas",
            case.id,
            case.ns,
            case.gas,
            case.ns_per_gas()
        );
        case
    }

    /// Nanoseconds per gas.
    pub fn ns_per_gas(&self) -> f64 {
        if self.gas > 0.0 {
            self.ns / self.gas
        } else {
            f64::INFINITY
        }
    }
}

/// A whole calibration run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Calibration {
    /// The schedule checked.
    pub schedule: String,
    /// rewasm's cases.
    pub rewasm: Vec<CaseResult>,
    /// revm's EVM microbenchmarks.
    pub evm: Vec<CaseResult>,
    /// Whole transactions of the benchmark kernels and the ERC-20, both sides.
    pub kernels: Vec<CaseResult>,
}

/// The summary figures of a run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Summary {
    /// Median ns per gas of revm's microbenchmarks.
    pub evm_median_ns_per_gas: f64,
    /// Median ns per gas over rewasm's cases.
    pub median_ns_per_gas: f64,
    /// The slowest rewasm case per gas.
    pub worst_id: String,
    /// Its ns per gas.
    pub worst_ns_per_gas: f64,
    /// Worst over median (the target is at most 2).
    pub safety: f64,
    /// revm's slowest microbenchmark per gas.
    pub evm_worst_id: String,
    /// Its ns per gas: the exchange rate, the most time one EVM gas buys.
    pub evm_worst_ns_per_gas: f64,
    /// Milliseconds for a 30 M gas block of rewasm's worst case.
    pub block_ms: f64,
    /// Milliseconds for a 30 M gas block of revm's worst case.
    pub evm_block_ms: f64,
}

/// Gas in the block the 30 M gas comparison uses.
pub const BLOCK_GAS: f64 = 30_000_000.0;

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    crate::timing::percentile(values, 0.5)
}

fn worst(cases: &[CaseResult]) -> Option<&CaseResult> {
    cases
        .iter()
        .max_by(|a, b| a.ns_per_gas().total_cmp(&b.ns_per_gas()))
}

impl Calibration {
    /// The summary figures.
    pub fn summary(&self) -> Summary {
        let mut evm: Vec<f64> = self.evm.iter().map(CaseResult::ns_per_gas).collect();
        let mut ours: Vec<f64> = self.rewasm.iter().map(CaseResult::ns_per_gas).collect();
        let evm_median = median(&mut evm);
        let median_ns = median(&mut ours);
        let (worst_id, worst_ns) = worst(&self.rewasm)
            .map(|c| (c.id.clone(), c.ns_per_gas()))
            .unwrap_or_default();
        let (evm_worst_id, evm_worst_ns) = worst(&self.evm)
            .map(|c| (c.id.clone(), c.ns_per_gas()))
            .unwrap_or_default();
        Summary {
            evm_median_ns_per_gas: evm_median,
            median_ns_per_gas: median_ns,
            worst_id,
            worst_ns_per_gas: worst_ns,
            safety: worst_ns / median_ns,
            evm_worst_id,
            evm_worst_ns_per_gas: evm_worst_ns,
            block_ms: worst_ns * BLOCK_GAS / 1e6,
            evm_block_ms: evm_worst_ns * BLOCK_GAS / 1e6,
        }
    }
}

/// How many times each measurement repeats (the best is kept).
const REPEATS: usize = 5;
/// Rounds of [`REPEATS`] runs at each size.
const ROUNDS: usize = 3;
/// A measured run should take at least this long.
const MIN_RUN_NS: f64 = 4e6;

/// Time and gas of `run(n)`, best of [`REPEATS`].
fn timed(run: &mut dyn FnMut(u32) -> anyhow::Result<u64>, n: u32) -> anyhow::Result<(f64, u64)> {
    let mut best = f64::INFINITY;
    let mut gas = 0;
    for _ in 0..REPEATS {
        let start = Instant::now();
        gas = run(n)?;
        best = best.min(start.elapsed().as_nanos() as f64);
    }
    Ok((best, gas))
}

/// The per-iteration slope of `run` between `n` and `2n`, `n` grown from `min_n` until the
/// iterations take [`MIN_RUN_NS`] beyond the call's fixed part (at most `max_n / 2`).
fn slope(
    run: &mut dyn FnMut(u32) -> anyhow::Result<u64>,
    (min_n, max_n): (u32, u32),
) -> anyhow::Result<(f64, f64)> {
    let (fixed, _) = timed(run, 1)?;
    let mut n = min_n.max(1);
    loop {
        let start = Instant::now();
        run(n)?;
        let variable = start.elapsed().as_nanos() as f64 - fixed;
        if variable >= MIN_RUN_NS || n.saturating_mul(2) > max_n / 2 {
            break;
        }
        n *= 2;
    }
    // The fastest of many runs at each size (noise only adds time), then the difference: a
    // difference of two fastest times, not the fastest difference, which would favour rounds
    // where noise hit the short run.
    let (mut t1, mut t2) = (f64::INFINITY, f64::INFINITY);
    let (mut g1, mut g2) = (0, 0);
    for _ in 0..ROUNDS {
        let (t, g) = timed(run, n)?;
        (t1, g1) = (t1.min(t), g);
        let (t, g) = timed(run, 2 * n)?;
        (t2, g2) = (t2.min(t), g);
    }
    let iterations = f64::from(n);
    let ns = (t2 - t1) / iterations;
    ensure!(
        ns > 0.0,
        "no positive slope: {t1} ns for {n}, {t2} ns for {}",
        2 * n
    );
    Ok((ns, g2.saturating_sub(g1) as f64 / iterations))
}

/// Runs every case under `schedule` whose id contains `only` (all when empty).
pub fn run(
    artifacts: &Artifacts,
    schedule: GasSchedule,
    only: &str,
) -> anyhow::Result<Calibration> {
    let name = schedule.name.to_string();
    let mut rewasm = rewasm_cases(&schedule, only)?;
    rewasm.extend(uncached_call_cases(artifacts, &schedule, only)?);
    rewasm.extend(compile_cases(artifacts, &schedule, only)?);
    let evm = evm_cases(only)?;
    let kernels = if only.is_empty() {
        kernel_cases(artifacts, schedule)?
    } else {
        Vec::new()
    };
    Ok(Calibration {
        schedule: name,
        rewasm,
        evm,
        kernels,
    })
}

fn rewasm_cases(schedule: &GasSchedule, only: &str) -> anyhow::Result<Vec<CaseResult>> {
    let me = deployer();
    let mut chain = RewasmChain::new(schedule.clone(), &[me])?;
    cases::install_helpers(&mut chain);
    let mut results = Vec::new();
    for case in cases::wasm_cases() {
        if !case.id.contains(only) {
            continue;
        }
        let code = wat::parse_str(case.wat())
            .with_context(|| format!("assembling calibration case {}", case.id))?;
        let address = H160::from_low_u64_be(0xca11_0000 + results.len() as u64);
        results.push(measure(&mut chain, address, &case, &code)?);
    }
    Ok(results)
}

/// Installs `code`, the contract of `case`, at `address` and measures it.
fn measure(
    chain: &mut RewasmChain,
    address: H160,
    case: &cases::WasmCase,
    code: &[u8],
) -> anyhow::Result<CaseResult> {
    let me = deployer();
    chain.install(address, code);
    let mut run = |n: u32| -> anyhow::Result<u64> {
        let receipt = chain.view_receipt(me, address, n.to_le_bytes().to_vec())?;
        if receipt.status != rewasm_eei::CallStatus::Success {
            bail!("{} failed: {:?}", case.id, receipt.failure);
        }
        Ok(receipt.gas_used)
    };
    let (ns, gas) = slope(&mut run, (case.min_n, case.max_n))?;
    Ok(CaseResult::new(
        format!("rewasm/{}", case.id),
        case.stresses,
        ns,
        gas,
    ))
}

/// Calls of more distinct contracts than an engine keeps in memory, on an engine with an artifact
/// folder as a node's: every call loads its module from disk.
fn uncached_call_cases(
    artifacts: &Artifacts,
    schedule: &GasSchedule,
    only: &str,
) -> anyhow::Result<Vec<CaseResult>> {
    let mut results = Vec::new();
    for (index, (id, stresses, tiny)) in cases::UNCACHED_CASES.into_iter().enumerate() {
        if !id.contains(only) {
            continue;
        }
        let case = cases::uncached_call_case(id, stresses);
        let me = deployer();
        let folder = tempfile::tempdir().context("an artifact folder")?;
        let config = rewasm_vm::VmConfig {
            schedule: schedule.clone(),
            cache_dir: Some(folder.path().to_path_buf()),
            memory_cache_capacity: 1,
            ..rewasm_vm::VmConfig::default()
        };
        let mut chain = RewasmChain::with_config(config, &[me])?;
        let runtime = if tiny {
            cases::tiny_functions_runtime()
        } else {
            let mut init = artifacts.erc20_deploy.clone();
            init.extend(abi::erc20_constructor("Bench", "BNC", U256::one()));
            let token = chain.deploy(me, init)?;
            chain
                .code(&token)
                .map(|code| code.to_vec())
                .unwrap_or_default()
        };
        cases::install_uncached_targets(&mut chain, &runtime);
        let code = wat::parse_str(case.wat()).context("assembling an uncached-call case")?;
        let address = H160::from_low_u64_be(0xca12_0000 + index as u64);
        results.push(measure(&mut chain, address, &case, &code)?);
    }
    Ok(results)
}

fn evm_cases(only: &str) -> anyhow::Result<Vec<CaseResult>> {
    let me = deployer();
    let mut evm = Revm::new(&[me]);
    let mut results = Vec::new();
    for (index, case) in cases::evm_cases().into_iter().enumerate() {
        if !case.id.contains(only) {
            continue;
        }
        let address = H160::from_low_u64_be(0xe7e0_0000 + index as u64);
        evm.install(&address, case.code());
        let mut run = |n: u32| -> anyhow::Result<u64> {
            let mut word = [0u8; 32];
            word[28..].copy_from_slice(&n.to_be_bytes());
            evm.view_gas(&me, &address, word.to_vec())
        };
        // Stay well inside the transaction's gas: SSTOREs cost 22 146 gas an iteration.
        let per_iteration = run(2)?.saturating_sub(run(1)?).max(1);
        let max_n = u32::try_from(crate::evm::TX_GAS / 4 / per_iteration).unwrap_or(u32::MAX);
        let (ns, gas) = slope(&mut run, (1, max_n.min(1 << 20)))?;
        results.push(CaseResult::new(
            format!("evm/{}", case.id),
            case.stresses,
            ns,
            gas,
        ));
    }
    Ok(results)
}

/// Validating and compiling init code, which a create pays per byte before it happens: fresh
/// compiles (a salt in a custom section defeats the caches) of the shapes that compile slowest
/// per byte, and of the example ERC-20's init code.
fn compile_cases(
    artifacts: &Artifacts,
    schedule: &GasSchedule,
    only: &str,
) -> anyhow::Result<Vec<CaseResult>> {
    let engine = crate::rewasm_run::engine(schedule.clone())?;
    let mut results = Vec::new();
    for (id, stresses, code) in cases::compile_cases(&artifacts.erc20_deploy) {
        if !id.contains(only) {
            continue;
        }
        let mut best = f64::INFINITY;
        for salt in 0..(REPEATS as u32 * 2) {
            let salted = cases::salted(&code, salt);
            let start = Instant::now();
            engine
                .compile(&salted, rewasm_vm::Rules::Determinism)
                .with_context(|| format!("compiling {id}"))?;
            best = best.min(start.elapsed().as_nanos() as f64);
        }
        let gas = schedule.init_code_gas(&code) as f64;
        results.push(CaseResult::new(format!("rewasm/{id}"), stresses, best, gas));
    }
    Ok(results)
}

/// Whole transactions: each benchmark kernel and the ERC-20 transfer, rewasm and Solidity.
fn kernel_cases(artifacts: &Artifacts, schedule: GasSchedule) -> anyhow::Result<Vec<CaseResult>> {
    let me = deployer();
    let mut results = Vec::new();
    let mut chain = RewasmChain::new(schedule.clone(), &[me])?;
    let contract = chain.deploy(me, artifacts.kernels_deploy.clone())?;
    let mut evm = Revm::new(&[me]);
    let sol = evm.deploy(&me, artifacts.sol_kernels.clone())?;
    let mut kernels = KernelSizes::default().kernels().to_vec();
    kernels.push(crate::Kernel {
        label: "keccak256 of 1 KiB through rewasm.keccak256",
        signature: "keccakHostRounds(uint32)",
        export: "keccak_host_rounds",
        arg: KernelSizes::default().hash_rounds,
    });
    for k in kernels {
        let data = abi::call(k.signature, &[abi::word_u256(U256::from(k.arg))]);
        let sol_data = if k.export == "keccak_host_rounds" {
            abi::call("keccakRounds(uint32)", &[abi::word_u256(U256::from(k.arg))])
        } else {
            data.clone()
        };
        let mut ours = || -> anyhow::Result<u64> {
            let receipt = chain.view_receipt(me, contract, data.clone())?;
            ensure!(
                receipt.status == rewasm_eei::CallStatus::Success,
                "{}: {:?}",
                k.label,
                receipt.failure
            );
            Ok(receipt.gas_used)
        };
        results.push(whole(
            &format!("kernel/rewasm-{}", k.export),
            k.label,
            &mut ours,
        )?);
        let mut theirs = || evm.view_gas(&me, &sol, sol_data.clone());
        results.push(whole(
            &format!("kernel/revm-{}", k.export),
            k.label,
            &mut theirs,
        )?);
    }
    results.extend(deploys(artifacts, &schedule)?);
    let (mut chain, token, mut evm, sol_token) = erc20_pair(artifacts, schedule, 2)?;
    let transfer = abi::transfer(&recipient(900), U256::one());
    let mut ours =
        || -> anyhow::Result<u64> { Ok(chain.view_receipt(me, token, transfer.clone())?.gas_used) };
    results.push(whole(
        "kernel/rewasm-erc20-transfer",
        "ERC-20 transfer",
        &mut ours,
    )?);
    let mut theirs = || evm.view_gas(&me, &sol_token, transfer.clone());
    results.push(whole(
        "kernel/revm-erc20-transfer",
        "ERC-20 transfer",
        &mut theirs,
    )?);
    Ok(results)
}

/// Deploying the ERC-20 on both sides: gas, and the time of one deploy (the compile cache warm
/// after the first).
fn deploys(artifacts: &Artifacts, schedule: &GasSchedule) -> anyhow::Result<Vec<CaseResult>> {
    let me = deployer();
    let args = abi::erc20_constructor("Bench", "BNC", crate::vm_bench::supply());
    let init = [artifacts.erc20_deploy.as_slice(), &args].concat();
    let sol_init = [artifacts.sol_erc20.as_slice(), &args].concat();
    let mut chain = RewasmChain::new(schedule.clone(), &[me])?;
    let mut ours = || -> anyhow::Result<u64> {
        let receipt = chain.transact(me, None, init.clone())?;
        ensure!(
            receipt.status == rewasm_eei::CallStatus::Success,
            "deploy: {:?}",
            receipt.failure
        );
        Ok(receipt.gas_used)
    };
    let mut evm = Revm::new(&[me]);
    let mut theirs = || -> anyhow::Result<u64> {
        let result = evm.transact(&me, revm::primitives::TxKind::Create, sol_init.clone())?;
        ensure!(result.is_success(), "Solidity deploy: {result:?}");
        Ok(result.tx_gas_used())
    };
    Ok(vec![
        whole(
            "kernel/rewasm-erc20-deploy",
            "deploying the ERC-20",
            &mut ours,
        )?,
        whole(
            "kernel/revm-erc20-deploy",
            "deploying the ERC-20",
            &mut theirs,
        )?,
    ])
}

/// Time (best of [`REPEATS`] batches of 20) and gas of one whole transaction.
fn whole(
    id: &str,
    stresses: &str,
    run: &mut dyn FnMut() -> anyhow::Result<u64>,
) -> anyhow::Result<CaseResult> {
    let gas = run()?;
    let mut best = f64::INFINITY;
    for _ in 0..REPEATS {
        let start = Instant::now();
        for _ in 0..20 {
            run()?;
        }
        best = best.min(start.elapsed().as_nanos() as f64 / 20.0);
    }
    Ok(CaseResult::new(id.to_string(), stresses, best, gas as f64))
}
