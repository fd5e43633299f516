//! Attacks on the executor that used to work, each shown failing safely (issue 13):
//!
//! - a failure of the host (a refused `mprotect` in `memory.grow`, an instantiation the address
//!   space cannot hold, a store error reading a block hash) aborts the transaction instead of
//!   becoming a result another machine would not reproduce (finding 1);
//! - the host's bulk work — copying call input and output, validating and compiling init code —
//!   is charged per byte, and unpaid init code is never compiled (finding 3);
//! - calls do not write compiled artifacts to disk (finding 4);
//! - deep recursion in many nested frames does not leave its stack pages resident (finding 5).
//!
//! Resource limits (`setrlimit`) and resident-memory readings are per process, so those tests
//! run their attack in a child process: the parent re-runs this binary with `--ignored --exact
//! attacks::attack_child` and an environment variable naming the attack.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use rewasm_test_support as common;

use primitive_types::{H160, H256, U256};
use rewasm_eei::{BlockInfo, CallStatus};
use rewasm_executor::{
    Account, BasicAccount, Bytecode, ExecutionOptions, HostFailure, InMemoryState, Receipt, State,
    StateError, StateRead, Transaction, TxError, execute_transaction, execute_transaction_with,
    intrinsic_gas, on_executor_stack,
};
use rewasm_vm::schedule::DEFAULT_HOST_PRICES;
use rewasm_vm::{ArtifactPolicy, Engine, GasSchedule, VmConfig, WarmLimits};

const ATTACK_ENV: &str = "REWASM_ATTACK";
pub(crate) const SENDER: u64 = 0x1000;
const CONTRACT: u64 = 0x2000;
const GAS: u64 = 100_000_000;

pub(crate) fn address(n: u64) -> H160 {
    H160::from_low_u64_be(n)
}

/// A state with a funded sender and `code` at [`CONTRACT`].
pub(crate) fn state_with(code: &str) -> InMemoryState {
    let mut state = InMemoryState::default();
    let sender = BasicAccount {
        balance: U256::from(u64::MAX),
        ..BasicAccount::default()
    };
    state.accounts.insert(
        address(SENDER),
        Account {
            basic: sender,
            ..Account::default()
        },
    );
    install(&mut state, CONTRACT, wat::parse_str(code).unwrap());
    state
}

/// Puts `code` at account `n`.
pub(crate) fn install(state: &mut InMemoryState, n: u64, code: Vec<u8>) {
    state.accounts.insert(
        address(n),
        Account {
            basic: BasicAccount {
                code: Bytecode::new(code),
                ..BasicAccount::default()
            },
            ..Account::default()
        },
    );
}

fn block() -> BlockInfo {
    BlockInfo {
        gas_limit: GAS,
        number: 10,
        ..BlockInfo::default()
    }
}

pub(crate) fn call(data: Vec<u8>) -> Transaction {
    Transaction {
        sender: address(SENDER),
        to: Some(address(CONTRACT)),
        gas_limit: GAS,
        data,
        ..Transaction::default()
    }
}

pub(crate) fn run(
    engine: &Engine,
    state: &mut InMemoryState,
    tx: &Transaction,
) -> Result<Receipt, TxError> {
    execute_transaction(engine, state, &block(), &|_| Ok(None), tx)
}

fn slot(state: &InMemoryState, key: u64) -> H256 {
    state
        .storage(&address(CONTRACT), &H256::from_low_u64_be(key))
        .unwrap()
}

/// Grows memory by 256 pages and stores what `memory.grow` returned in slot 0.
const GROWER: &str = r#"(module
  (import "ethereum" "storageStore" (func $store (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "main")
    (i32.store (i32.const 32) (memory.grow (i32.const 256)))
    (call $store (i32.const 0) (i32.const 32))))"#;

/// Stores 1 in slot 0.
const MARKER: &str = r#"(module
  (import "ethereum" "storageStore" (func $store (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "main")
    (i32.store8 (i32.const 32) (i32.const 1))
    (call $store (i32.const 0) (i32.const 32))))"#;

/// Stores the hash of block 9 in slot 0 (32 zero bytes when it is unknown).
const BLOCK_HASHER: &str = r#"(module
  (import "ethereum" "getBlockHash" (func $hash (param i64 i32) (result i32)))
  (import "ethereum" "storageStore" (func $store (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "main")
    (drop (call $hash (i64.const 9) (i32.const 32)))
    (call $store (i32.const 0) (i32.const 32))))"#;

/// Field `name` of /proc/self/status, in KiB.
fn status_kib(name: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in /proc/self/status"))
}

/// Lowers a resource limit of this process to `bytes`.
fn limit(resource: libc::__rlimit_resource_t, bytes: u64) {
    let limit = libc::rlimit {
        rlim_cur: bytes,
        rlim_max: bytes,
    };
    // SAFETY: setrlimit reads the struct we pass and changes only this process's limits.
    let result = unsafe { libc::setrlimit(resource, &limit) };
    assert_eq!(result, 0, "setrlimit: {}", std::io::Error::last_os_error());
}

fn describe(result: Result<Receipt, TxError>, state: &InMemoryState) -> String {
    match result {
        Ok(receipt) => format!(
            "receipt {:?} gas {} slot {:?} failure {:?}",
            receipt.status,
            receipt.gas_used,
            slot(state, 0),
            receipt.failure
        ),
        Err(error) => format!("error {error}"),
    }
}

/// Runs one attack in this (child) process and returns what happened.
fn run_attack(kind: &str) -> String {
    // The instantiation attack needs the second call to instantiate; with the warm pool it would
    // reuse the warm-up's instance.
    let warm = match kind {
        "instantiate" => WarmLimits::DISABLED,
        _ => WarmLimits::default(),
    };
    // `default` lets one frame grow by 256 pages (16 MiB); `v2` caps a frame at 512 KiB.
    let engine = Engine::new(VmConfig {
        warm,
        schedule: GasSchedule::default_schedule(),
        ..VmConfig::default()
    })
    .unwrap();
    // Everything that needs new writable memory or address space besides the attack itself —
    // the executor thread, a pooled wasm stack, the compiled module — exists before the limit.
    on_executor_stack(|| match kind {
        "memory-grow" => {
            let fresh = state_with(GROWER);
            let mut warm = fresh.clone();
            let warm_up = run(&engine, &mut warm, &call(vec![]));
            assert_eq!(warm_up.unwrap().status, CallStatus::Success);
            // Room for small allocations, not for 256 more writable pages (16 MiB).
            limit(libc::RLIMIT_DATA, (status_kib("VmData:") + 4 * 1024) * 1024);
            let mut state = fresh;
            let result = run(&engine, &mut state, &call(vec![]));
            describe(result, &state)
        }
        "instantiate" => {
            let fresh = state_with(MARKER);
            let mut warm = fresh.clone();
            assert_eq!(
                run(&engine, &mut warm, &call(vec![])).unwrap().status,
                CallStatus::Success
            );
            // An instance reserves its memory's whole 4 GiB bound plus guard up front.
            limit(libc::RLIMIT_AS, (status_kib("VmSize:") + 512 * 1024) * 1024);
            let mut state = fresh;
            let result = run(&engine, &mut state, &call(vec![]));
            describe(result, &state)
        }
        "deep-stacks" | "deep-bottom" => {
            let code = if kind == "deep-stacks" {
                nester(900, DEEP_FRAMES, false)
            } else {
                nester(1000, 255, true)
            };
            let mut state = state_with(&code);
            let (before, peak_before) = (status_kib("VmRSS:"), status_kib("VmHWM:"));
            let receipt = run(&engine, &mut state, &call(vec![])).unwrap();
            assert_eq!(receipt.status, CallStatus::Success, "{:?}", receipt.failure);
            format!(
                "grew {} KiB peak {} KiB frames {}",
                status_kib("VmRSS:").saturating_sub(before),
                status_kib("VmHWM:").saturating_sub(peak_before.max(before)),
                slot(&state, 0).to_low_u64_be()
            )
        }
        other => panic!("unknown attack {other}"),
    })
    .unwrap()
}

/// Entry point of the child processes; does nothing unless the parent set the variable.
#[test]
#[ignore = "run by the other tests in a child process"]
fn attack_child() {
    if let Ok(kind) = std::env::var(ATTACK_ENV) {
        println!("ATTACK {}", run_attack(&kind));
    }
}

fn attack_in_child(kind: &str) -> String {
    common::run_in_child("attacks::attack_child", ATTACK_ENV, kind, "ATTACK ")
}

/// A `memory.grow` within the maximum that the host refuses (here: RLIMIT_DATA) used to hand
/// -1 to the contract, which stored it: a result no other machine would reproduce. Now the
/// transaction aborts with the host's error; with the memory available, the same transaction
/// grows from 1 page and stores 1.
#[test]
fn a_memory_grow_the_host_refuses_aborts_the_transaction() {
    let outcome = attack_in_child("memory-grow");
    assert!(
        outcome.starts_with("error host failure (not a property of the transaction): running wasm failed: memory.grow"),
        "{outcome}"
    );
    let engine = Engine::new(VmConfig {
        schedule: GasSchedule::default_schedule(),
        ..VmConfig::default()
    })
    .unwrap();
    let mut state = state_with(GROWER);
    let receipt = run(&engine, &mut state, &call(vec![])).unwrap();
    assert_eq!(receipt.status, CallStatus::Success);
    let mut old_size = [0u8; 32];
    old_size[0] = 1;
    assert_eq!(
        slot(&state, 0),
        H256(old_size),
        "memory.grow returned 1 (LE)"
    );
}

/// An instantiation the host cannot map (address space exhausted) used to fail the frame and
/// consume all its gas, a receipt another machine would not produce; now it aborts.
#[test]
fn an_instance_the_host_cannot_map_aborts_the_transaction() {
    let outcome = attack_in_child("instantiate");
    assert!(
        outcome.starts_with(
            "error host failure (not a property of the transaction): instantiating failed"
        ),
        "{outcome}"
    );
}

/// A store error reading a block hash used to read as "unknown block" (the contract got 1 and
/// went on); now the transaction aborts with it and commits nothing.
#[test]
fn a_block_hash_the_store_cannot_read_aborts_the_transaction() {
    let engine = Engine::new(VmConfig::default()).unwrap();
    let mut state = state_with(BLOCK_HASHER);
    let before = state.clone();
    let failing = |n: u64| {
        let disk = std::io::Error::other("disk read error");
        Err(StateError::new(StateRead::BlockHash(n), disk))
    };
    let result = execute_transaction(&engine, &mut state, &block(), &failing, &call(vec![]));
    match result {
        Err(TxError::Host(HostFailure::State(error))) => {
            assert_eq!(error.read, StateRead::BlockHash(9));
            let source = error.source_as::<std::io::Error>().unwrap();
            assert_eq!(source.to_string(), "disk read error");
        }
        other => panic!("expected a failed state read, got {other:?}"),
    }
    assert_eq!(state, before, "nothing committed");
    let hash = H256::repeat_byte(9);
    let known = |n: u64| Ok((n == 9).then_some(hash));
    let receipt =
        execute_transaction(&engine, &mut state, &block(), &known, &call(vec![])).unwrap();
    assert_eq!(receipt.status, CallStatus::Success);
    assert_eq!(slot(&state, 0), hash);
}

/// Calls an account without code with `len` bytes of input, then finishes with `len` bytes.
fn copier(len: u32) -> String {
    format!(
        r#"(module
  (import "ethereum" "call" (func $call (param i64 i32 i32 i32 i32) (result i32)))
  (import "ethereum" "finish" (func $finish (param i32 i32)))
  (memory (export "memory") 2)
  (func (export "main")
    (drop (call $call (i64.const 100000) (i32.const 0) (i32.const 64) (i32.const 0) (i32.const {len})))
    (call $finish (i32.const 0) (i32.const {len}))))"#
    )
}

fn gas_of(schedule: GasSchedule, code: &str) -> u64 {
    let engine = Engine::new(VmConfig {
        schedule,
        ..VmConfig::default()
    })
    .unwrap();
    let mut state = state_with(code);
    let receipt = run(&engine, &mut state, &call(vec![])).unwrap();
    assert_eq!(receipt.status, CallStatus::Success, "{:?}", receipt.failure);
    receipt.gas_used
}

/// A nested call's input and a frame's output used to be copied for a flat price (700 and 0);
/// the `default` schedule now charges 3 per 32-byte word for each copy, exactly, while the
/// eWASM conformance schedule keeps Hera's prices.
#[test]
fn call_input_and_output_are_charged_per_word() {
    let words = 65_536 / 32;
    let small = gas_of(GasSchedule::default_schedule(), &copier(0));
    let large = gas_of(GasSchedule::default_schedule(), &copier(65_536));
    let per_word = DEFAULT_HOST_PRICES.input_per_word + DEFAULT_HOST_PRICES.output_per_word;
    assert_eq!(large - small, per_word * words);
    assert_eq!(per_word, 6);
    let reference_small = gas_of(GasSchedule::ewasm_conformance(), &copier(0));
    let reference_large = gas_of(GasSchedule::ewasm_conformance(), &copier(65_536));
    assert_eq!(reference_small, reference_large);
}

/// Init code whose `main` does nothing, padded with a custom section of `padding` zero bytes.
fn init_code(padding: usize) -> Vec<u8> {
    let mut code =
        wat::parse_str(r#"(module (memory (export "memory") 0) (func (export "main")))"#).unwrap();
    let name = b"pad";
    let mut payload = vec![u8::try_from(name.len()).unwrap()];
    payload.extend_from_slice(name);
    payload.resize(payload.len() + padding, 0);
    code.push(0);
    let mut size = payload.len();
    loop {
        let byte = u8::try_from(size & 0x7f).unwrap();
        size >>= 7;
        code.push(if size == 0 { byte } else { byte | 0x80 });
        if size == 0 {
            break;
        }
    }
    code.extend_from_slice(&payload);
    code
}

/// A create used to validate and compile up to 512 KiB of init code for a flat 32 000; now it
/// pays the schedule's price for every byte (`GasSchedule::init_code_gas`), before anything is
/// compiled.
#[test]
fn init_code_is_charged_per_byte_before_it_is_compiled() {
    for schedule in [GasSchedule::default_schedule(), GasSchedule::v2()] {
        init_code_is_charged_per_byte_under(schedule);
    }
}

fn init_code_is_charged_per_byte_under(schedule: GasSchedule) {
    let calldata = schedule.calldata;
    let priced = schedule.clone();
    let init_gas = |code: &[u8]| priced.init_code_gas(code);
    let config = VmConfig {
        schedule,
        ..VmConfig::default()
    };
    let engine = Engine::new(config.clone()).unwrap();
    let create = |code: Vec<u8>, gas_limit: u64| Transaction {
        sender: address(SENDER),
        to: None,
        gas_limit,
        data: code,
        ..Transaction::default()
    };
    let mut gas_used = Vec::new();
    for padding in [0, 100_000] {
        let tx = create(init_code(padding), GAS);
        let mut state = state_with(MARKER);
        let receipt = run(&engine, &mut state, &tx).unwrap();
        assert_eq!(receipt.status, CallStatus::Success, "{:?}", receipt.failure);
        gas_used.push((
            receipt.gas_used,
            intrinsic_gas(&tx, calldata),
            init_gas(&tx.data),
        ));
    }
    let [
        (small, small_intrinsic, small_init),
        (large, large_intrinsic, large_init),
    ] = gas_used[..]
    else {
        unreachable!()
    };
    assert_eq!(
        large - small,
        (large_intrinsic - small_intrinsic) + (large_init - small_init)
    );

    // Too little gas for the code: the create fails and the code is never compiled.
    let fresh = Engine::new(config).unwrap();
    let tx = create(init_code(200_000), 0);
    let short = intrinsic_gas(&tx, calldata) + init_gas(&tx.data) / 2;
    let mut state = state_with(MARKER);
    let receipt = run(
        &fresh,
        &mut state,
        &Transaction {
            gas_limit: short,
            ..tx
        },
    )
    .unwrap();
    assert_eq!(receipt.status, CallStatus::Failure);
    assert_eq!(receipt.gas_used, short);
    assert_eq!(fresh.cached_modules(), 0, "nothing was compiled");
}

/// An `eth_call` used to write the artifact of every module it compiled to the disk cache, so
/// free calls with fresh code filled the disk; with [`ArtifactPolicy::MemoryOnly`] nothing is
/// written, while a block's execution still persists the code it runs.
#[test]
fn calls_do_not_write_artifacts_to_disk() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::new(VmConfig {
        cache_dir: Some(dir.path().to_path_buf()),
        ..VmConfig::default()
    })
    .unwrap();
    // Artifacts sit in one folder per engine configuration.
    let files = || {
        std::fs::read_dir(dir.path())
            .unwrap()
            .map(|folder| std::fs::read_dir(folder.unwrap().path()).unwrap().count())
            .sum::<usize>()
    };
    let options = ExecutionOptions {
        artifacts: ArtifactPolicy::MemoryOnly,
        ..ExecutionOptions::default()
    };
    let mut state = state_with(MARKER);
    let receipt = execute_transaction_with(
        &engine,
        &mut state,
        &block(),
        &|_| Ok(None),
        &call(vec![]),
        options,
    )
    .unwrap();
    assert_eq!(receipt.status, CallStatus::Success);
    assert_eq!(files(), 0);
    let mut state = state_with(GROWER);
    run(&engine, &mut state, &call(vec![])).unwrap();
    assert_eq!(files(), 1, "a block persists what it runs");
}

/// Nested frames of the stack attack.
const DEEP_FRAMES: u32 = 40;

/// A contract that recurses `recursion` deep through a function with 500 `i64` locals (about
/// 4 KiB of native stack a level) and calls itself, until slot 0, which counts the frames that
/// got there, reaches `frames`. It calls itself after the recursion returned, or, with
/// `from_bottom`, from the bottom of the recursion.
fn nester(recursion: u32, frames: u32, from_bottom: bool) -> String {
    let locals = " i64".repeat(500);
    let visit = format!(
        r#"(call $load (i32.const 100) (i32.const 200))
    (i32.store8 (i32.const 231) (i32.add (i32.load8_u (i32.const 231)) (i32.const 1)))
    (call $store (i32.const 100) (i32.const 200))
    (if (i32.lt_u (i32.load8_u (i32.const 231)) (i32.const {frames}))
      (then
        (call $address (i32.const 0))
        (drop (call $call (call $gas) (i32.const 0) (i32.const 32) (i32.const 0) (i32.const 0)))))"#
    );
    let (at_bottom, after) = if from_bottom {
        (visit.as_str(), "")
    } else {
        ("", visit.as_str())
    };
    format!(
        r#"(module
  (import "ethereum" "getAddress" (func $address (param i32)))
  (import "ethereum" "storageLoad" (func $load (param i32 i32)))
  (import "ethereum" "storageStore" (func $store (param i32 i32)))
  (import "ethereum" "getGasLeft" (func $gas (result i64)))
  (import "ethereum" "call" (func $call (param i64 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func $deep (param $depth i32) (local{locals})
    (if (i32.lt_u (local.get $depth) (i32.const {recursion}))
      (then (call $deep (i32.add (local.get $depth) (i32.const 1))))
      (else {at_bottom})))
  (func (export "main")
    (call $deep (i32.const 0))
    {after}))"#
    )
}

/// Parses "grew A KiB peak B KiB frames N".
fn stack_report(outcome: &str) -> (u64, u64, u64) {
    let numbers: Vec<u64> = outcome
        .split_whitespace()
        .filter_map(|word| word.parse().ok())
        .collect();
    match numbers[..] {
        [grew, peak, frames] => (grew, peak, frames),
        _ => panic!("{outcome}"),
    }
}

/// Every nested frame runs on its own wasm stack, and wasmer used to keep every stack it ever
/// used with every page touched resident: 40 nested frames, each recursing 900 deep before it
/// calls the next, held about 150 MiB while the transaction ran and kept it after it ended.
/// Now a suspended frame's dead stack pages are given back when it calls another contract, and
/// a stack's pages when it is returned to the pool.
#[test]
fn deep_recursion_in_nested_frames_leaves_little_resident() {
    let outcome = attack_in_child("deep-stacks");
    let (grew, peak, frames) = stack_report(&outcome);
    assert_eq!(frames, u64::from(DEEP_FRAMES), "{outcome}");
    assert!(grew < 48 * 1024, "{outcome}");
    assert!(peak < 64 * 1024, "{outcome}");
}

/// With one call-depth budget per transaction, a frame calling out from the bottom of a deep
/// recursion leaves its callee only the rest of the budget, so the live stack of all frames
/// together stays within one frame's bound: the nesting stops after one level here.
#[test]
fn nesting_from_deep_recursion_shares_one_stack_budget() {
    let outcome = attack_in_child("deep-bottom");
    let (grew, peak, frames) = stack_report(&outcome);
    assert_eq!(frames, 1, "{outcome}");
    assert!(grew < 48 * 1024, "{outcome}");
    assert!(peak < 64 * 1024, "{outcome}");
}

/// Recurses `depth` deep, then calls contract 0x3000 and stores its status in slot 0.
fn deep_caller(depth: u32) -> String {
    format!(
        r#"(module
  (import "ethereum" "storageStore" (func $store (param i32 i32)))
  (import "ethereum" "getGasLeft" (func $gas (result i64)))
  (import "ethereum" "call" (func $call (param i64 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func $deep (param $left i32)
    (if (local.get $left)
      (then (call $deep (i32.sub (local.get $left) (i32.const 1))))
      (else
        (i32.store16 (i32.const 18) (i32.const 0x0030))
        (i32.store (i32.const 64) (call $call (call $gas) (i32.const 0) (i32.const 32) (i32.const 0) (i32.const 0)))
        (call $store (i32.const 96) (i32.const 64)))))
  (func (export "main") (call $deep (i32.const {depth}))))"#
    )
}

/// Recurses `depth` deep and returns.
fn recurser(depth: u32) -> String {
    format!(
        r#"(module
  (memory (export "memory") 1)
  (func $deep (param $left i32)
    (if (local.get $left) (then (call $deep (i32.sub (local.get $left) (i32.const 1))))))
  (func (export "main") (call $deep (i32.const {depth}))))"#
    )
}

/// The status (0 success, 1 failure) the caller at depth 600 got from a callee recursing
/// `callee_depth` deep, under `scope`.
fn nested_status(scope: rewasm_vm::CallDepthScope, callee_depth: u32) -> u8 {
    let engine = Engine::new(VmConfig {
        limits: rewasm_vm::ChainLimits {
            call_depth_scope: scope,
            ..rewasm_vm::ChainLimits::default()
        },
        ..VmConfig::default()
    })
    .unwrap();
    let mut state = state_with(&deep_caller(600));
    install(
        &mut state,
        0x3000,
        wat::parse_str(recurser(callee_depth)).unwrap(),
    );
    let receipt = run(&engine, &mut state, &call(vec![])).unwrap();
    assert_eq!(receipt.status, CallStatus::Success, "{:?}", receipt.failure);
    slot(&state, 0).0[0]
}

/// Consensus pin of the call-depth budget's scope. The caller's `main` makes 601 nested calls
/// (`$deep` 600 down to 0) and calls the host from there, at depth 602. Under one budget per
/// transaction (the default) the callee starts at 602 and may go 1024 − 602 = 422 calls deeper:
/// `recurser(421)` (422 calls) succeeds, `recurser(422)` runs out. Under the reference rule (the
/// eWASM state tests') the callee has the whole budget: 1023 succeeds, 1024 runs out.
#[test]
fn a_nested_frame_inherits_its_callers_call_depth() {
    use rewasm_vm::CallDepthScope::{Frame, Transaction};
    assert_eq!(nested_status(Transaction, 421), 0);
    assert_eq!(nested_status(Transaction, 422), 1);
    assert_eq!(nested_status(Frame, 422), 0);
    assert_eq!(nested_status(Frame, 1023), 0);
    assert_eq!(nested_status(Frame, 1024), 1);
}
