//! Correctness of the benchmarks, never their speed: the two ERC-20s end with the same balances,
//! every kernel runner returns the native result, a quick in-process run, a tiny scaling point
//! and a two-validator network run complete, and the report renders. Builds the contracts as scripts/bench.sh does:
//! `rewasm build` (the binary from `$REWASM_BIN`, else the debug one `cargo test --workspace`
//! builds for rewasm-node's tests, else built here) and cargo for the plain kernel module.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use rewasm_bench::artifacts::{Artifacts, repo_root};
use rewasm_bench::machine::Machine;
use rewasm_bench::network_bench;
use rewasm_bench::node_bench::{self, Load, NodeProcess, NodeResult};
use rewasm_bench::report::{RunResults, markdown};
use rewasm_bench::timing::Budget;
use rewasm_bench::{KernelSizes, calibrate, calibrate_cases, scaling, vm_bench};
use rewasm_vm::GasSchedule;

fn cargo() -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(repo_root());
    command
}

pub(crate) fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    let out = cargo()
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    PathBuf::from(json["target_directory"].as_str().unwrap())
}

fn run(command: &mut Command) {
    let status = command.status().unwrap();
    assert!(status.success(), "{command:?} failed");
}

/// A `rewasm` binary. Building it here with `-p rewasm-node` alone would unify features
/// differently from the test's own build and compile a second RocksDB, so an existing one is
/// preferred.
pub(crate) fn rewasm_binary(target: &Path) -> PathBuf {
    if let Some(bin) = std::env::var_os("REWASM_BIN") {
        return PathBuf::from(bin);
    }
    let debug = target.join("debug").join("rewasm");
    if !debug.exists() {
        run(cargo().args(["build", "-p", "rewasm-node", "--bin", "rewasm"]));
    }
    debug
}

/// Taken by the tests that load the machine (nodes, networks, the soak) or time something, so
/// that no two of them run at once.
pub(crate) fn heavy() -> std::sync::MutexGuard<'static, ()> {
    static HEAVY: std::sync::Mutex<()> = std::sync::Mutex::new(());
    HEAVY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Builds the wasm inputs once per test binary.
pub(crate) fn artifacts() -> &'static Artifacts {
    static ARTIFACTS: OnceLock<Artifacts> = OnceLock::new();
    ARTIFACTS.get_or_init(|| {
        let root = repo_root();
        let target = target_dir();
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-wasm");
        std::fs::create_dir_all(&out).unwrap();
        let rewasm = rewasm_binary(&target);
        // As scripts/bench.sh builds them.
        for (krate, goal) in [
            ("contracts/examples/erc20", "size"),
            ("bench/contracts/kernels-contract", "speed"),
        ] {
            run(Command::new(&rewasm)
                .current_dir(&root)
                .args(["build", krate, "--optimize", goal, "--out"])
                .arg(&out));
        }
        let raw_target = target.join("bench-contracts");
        run(cargo()
            .env(
                "RUSTFLAGS",
                "-C link-arg=-zstack-size=32768 -C target-feature=-multivalue",
            )
            .args([
                "build",
                "--release",
                "--target",
                "wasm32-unknown-unknown",
                "--manifest-path",
                "bench/contracts/Cargo.toml",
                "-p",
                "kernels-raw",
                "--target-dir",
            ])
            .arg(&raw_target));
        std::fs::copy(
            raw_target.join("wasm32-unknown-unknown/release/kernels_raw.wasm"),
            out.join("kernels_raw.wasm"),
        )
        .unwrap();
        Artifacts::load(&out, &root.join("bench/solidity/out")).unwrap()
    })
}

#[test]
fn both_erc20s_end_with_the_same_balances() {
    // erc20_pair checks the balances of the deployer, several recipients and zero.
    vm_bench::erc20_pair(artifacts(), GasSchedule::v2(), 25).unwrap();
    vm_bench::erc20_pair(
        artifacts(),
        rewasm_bench::rewasm_run::unmetered_schedule(),
        3,
    )
    .unwrap();
}

#[test]
fn every_kernel_runner_agrees_with_native() {
    vm_bench::check_kernels(
        artifacts(),
        KernelSizes {
            hash_rounds: 3,
            u256_iterations: 100,
            fib_n: 12,
        },
    )
    .unwrap();
}

#[test]
fn a_quick_run_completes_and_renders() {
    // Timed: the calibration fits a slope, which a node under load next to it can flatten.
    let _alone = heavy();
    let sizes = KernelSizes {
        hash_rounds: 2,
        u256_iterations: 50,
        fib_n: 10,
    };
    let vm = vm_bench::run(artifacts(), sizes, Budget::quick()).unwrap();
    assert!(
        vm.ratios
            .iter()
            .all(|r| r.rewasm_ns > 0.0 && r.peer_ns > 0.0)
    );
    let dir = tempfile::tempdir().unwrap();
    let point = scaling::measure_point(dir.path(), 1_000, 400, 2).unwrap();
    assert_eq!(point.accounts, 1_000);
    // The calibration's loop cases only: one rewasm and one EVM microbenchmark.
    let calibration = calibrate::run(artifacts(), GasSchedule::v2(), "loop").unwrap();
    assert_eq!(calibration.rewasm.len(), 1);
    assert_eq!(calibration.evm.len(), 1);
    assert!(
        calibration
            .rewasm
            .iter()
            .chain(&calibration.evm)
            .all(|case| case.ns > 0.0 && case.gas > 0.0),
        "{calibration:?}"
    );
    let md = markdown(&RunResults {
        machine: Machine::detect(),
        command: "test".into(),
        seconds: None,
        vm: Some(vm),
        nodes: vec![],
        node_loads: vec![],
        scaling: vec![point],
        calibration: Some(calibration),
        network: None,
    });
    assert!(md.contains("| ERC-20 | transfer transaction |"), "{md}");
    assert!(md.contains("bench/scaling.png"));
    assert!(md.contains("| `rewasm/loop` |"), "{md}");
    assert!(md.contains("worst / median"), "{md}");
}

/// More senders than the dev chain funds (they get ether first), and calls timed under write
/// load; the rows render beside the 4-sender ones.
#[test]
fn a_tiny_node_load_with_eleven_senders_completes_and_renders() {
    let _alone = heavy();
    let rewasm = rewasm_binary(&target_dir());
    let work = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let result = runtime
        .block_on(async {
            let node = NodeProcess::start_dev(&rewasm, work.path()).await?;
            let load = Load {
                senders: 11,
                transfers_per_sender: 2,
                calls: 3,
                busy_calls: 3,
            };
            node_bench::run("rewasm", &node.url, &artifacts().erc20_deploy, load).await
        })
        .unwrap();
    assert_eq!(result.send_latency_us.len(), 22);
    assert_eq!(result.call_latency_us.len(), 3);
    assert_eq!(result.busy_call_latency_us.len(), 3);
    let idle = RunResults {
        machine: Machine::detect(),
        command: "test".into(),
        seconds: None,
        vm: None,
        nodes: vec![
            result.clone(),
            NodeResult {
                node: "anvil".into(),
                ..result.clone()
            },
        ],
        node_loads: vec![
            result.clone(),
            NodeResult {
                node: "anvil".into(),
                ..result
            },
        ],
        scaling: vec![],
        calibration: None,
        network: None,
    };
    let md = markdown(&idle);
    assert!(
        md.contains("JSON-RPC, 11 senders (time per transfer)"),
        "{md}"
    );
    assert!(
        md.contains("`eth_call` p99 while 11 senders saturate the node"),
        "{md}"
    );
}

#[test]
fn a_tiny_network_run_completes_agrees_and_renders() {
    let _alone = heavy();
    let rewasm = rewasm_binary(&target_dir());
    let load = Load {
        senders: 1,
        transfers_per_sender: 3,
        calls: 2,
        busy_calls: 0,
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let network = runtime
        .block_on(network_bench::run(
            &rewasm,
            &artifacts().erc20_deploy,
            2,
            1,
            load,
            2,
        ))
        .unwrap();
    assert_eq!(network.finality_ms.len(), 2);
    assert!(network.finality_ms.iter().all(|ms| *ms > 0.0));
    assert!(network.agreed_height >= 1);
    let md = markdown(&RunResults {
        machine: Machine::detect(),
        command: "test".into(),
        seconds: None,
        vm: None,
        nodes: vec![],
        node_loads: vec![],
        scaling: vec![],
        calibration: None,
        network: Some(network),
    });
    assert!(md.contains("## Network: 2 validators"), "{md}");
    assert!(
        md.contains("`rewasm testnet --validators 2` (1 s blocks)"),
        "{md}"
    );
}

#[test]
fn every_calibration_case_assembles_and_runs_under_v2() {
    for case in calibrate_cases::wasm_cases() {
        let code = wat::parse_str(case.wat()).unwrap_or_else(|e| panic!("{}: {e}", case.id));
        let summary = rewasm_vm::validate(
            &code,
            &rewasm_vm::ChainLimits::default(),
            rewasm_vm::Rules::Contract,
        );
        assert!(summary.is_ok(), "{}: {summary:?}", case.id);
    }
    for case in calibrate_cases::evm_cases() {
        assert_eq!(
            case.code().last(),
            Some(&0x00),
            "{} ends with STOP",
            case.id
        );
    }
}
