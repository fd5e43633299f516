//! The `v2` schedule through whole transactions: module `rewasm`'s `keccak256`, and memory
//! priced per transaction across nested frames (the pages callers hold, the high-water mark a
//! returning frame hands back).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use rewasm_eei::CallStatus;
use rewasm_executor::{Receipt, State, Transaction};
use rewasm_primitives::keccak256;
use rewasm_vm::{Engine, GasSchedule, VmConfig};

use super::attacks::{SENDER, address, install, run, state_with};

/// `v2`'s prices, pinned here on purpose.
const INK_PER_GAS: u64 = 10_000;
const TRIVIAL: u64 = 60;
const CONTROL: u64 = 260;
const HOST_CALL: u64 = 38_250;
const TX_FREE_PAGES: u64 = 64;
const TX_QUADRATIC: u64 = 20;

fn engine(schedule: GasSchedule) -> Engine {
    Engine::new(VmConfig {
        schedule,
        ..VmConfig::default()
    })
    .unwrap()
}

/// Calls the contract `wat` with `data`.
fn call(engine: &Engine, wat: &str, data: Vec<u8>) -> Receipt {
    let tx = super::attacks::call(data);
    run(engine, &mut state_with(wat), &tx).unwrap()
}

const KECCAK: &str = r#"(module
  (import "ethereum" "finish" (func $finish (param i32 i32)))
  (import "rewasm" "keccak256" (func $keccak (param i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "abc")
  (func (export "main")
    (call $keccak (i32.const 0) (i32.const 3) (i32.const 64))
    (call $finish (i32.const 64) (i32.const 32))))"#;

#[test]
fn keccak256_is_a_host_function_at_the_evms_price() {
    let receipt = call(&engine(GasSchedule::v2()), KECCAK, Vec::new());
    assert_eq!(receipt.status, CallStatus::Success, "{:?}", receipt.failure);
    assert_eq!(receipt.output, keccak256(b"abc").as_bytes());
    // Five constants, two host calls, the end; keccak256's 30 + 6 for one word; `finish`'s
    // copy of one output word (1).
    let ink = 5 * TRIVIAL + 2 * HOST_CALL + CONTROL + (30 + 6 + 1) * INK_PER_GAS;
    assert_eq!(receipt.gas_used, 21_000 + ink.div_ceil(INK_PER_GAS));
    assert_eq!(receipt.gas_used, 21_045, "pinned");
}

#[test]
fn keccak256_checks_its_memory_after_charging() {
    let out_of_bounds = KECCAK.replace(
        "(i32.const 0) (i32.const 3)",
        "(i32.const 65534) (i32.const 3)",
    );
    let receipt = call(&engine(GasSchedule::v2()), &out_of_bounds, Vec::new());
    assert_eq!(receipt.status, CallStatus::Failure);
    assert!(
        receipt
            .failure
            .as_deref()
            .unwrap_or_default()
            .contains("out of bounds"),
        "{:?}",
        receipt.failure
    );
    // 2^31 bytes cost 6 × 2^26 gas before anything is read.
    let huge = KECCAK.replace(
        "(i32.const 0) (i32.const 3)",
        "(i32.const 0) (i32.const 0x7fffffff)",
    );
    let receipt = call(&engine(GasSchedule::v2()), &huge, Vec::new());
    assert_eq!(receipt.failure.as_deref(), Some("out of gas"));
}

#[test]
fn chains_on_the_first_schedules_do_not_offer_module_rewasm() {
    for schedule in [
        GasSchedule::default_schedule(),
        GasSchedule::ewasm_conformance(),
    ] {
        let receipt = call(&engine(schedule), KECCAK, Vec::new());
        assert_eq!(receipt.status, CallStatus::Failure);
        let failure = receipt.failure.unwrap_or_default();
        assert!(failure.contains("contract:import-module"), "{failure}");
    }
}

/// Calls itself `d` deep (call data `[d, twice]`, each frame 8 pages); with `twice` the top
/// frame starts a second chain of the same depth after the first has returned.
const CHAIN: &str = r#"(module
  (import "ethereum" "callDataCopy" (func $cdc (param i32 i32 i32)))
  (import "ethereum" "getAddress" (func $addr (param i32)))
  (import "ethereum" "call" (func $call (param i64 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 8)
  (func $chain (param $d i32)
    (i32.store8 (i32.const 100) (i32.sub (local.get $d) (i32.const 1)))
    (i32.store8 (i32.const 101) (i32.const 0))
    (drop (call $call (i64.const 100000000) (i32.const 0) (i32.const 200) (i32.const 100)
      (i32.const 2))))
  (func (export "main")
    (call $cdc (i32.const 300) (i32.const 0) (i32.const 2))
    (call $addr (i32.const 0))
    (if (i32.load8_u (i32.const 300))
      (then
        (call $chain (i32.load8_u (i32.const 300)))
        (if (i32.load8_u (i32.const 301))
          (then (call $chain (i32.load8_u (i32.const 300)))))))))"#;

fn quadratic(pages: u64) -> u64 {
    let above = pages.saturating_sub(TX_FREE_PAGES);
    TX_QUADRATIC * above * above
}

#[test]
fn nested_frames_pay_for_the_pages_the_transaction_holds_at_once() {
    let engine = engine(GasSchedule::v2());
    let gas = |depth: u8, twice: bool| {
        let receipt = call(&engine, CHAIN, vec![depth, u8::from(twice)]);
        assert_eq!(receipt.status, CallStatus::Success, "{:?}", receipt.failure);
        receipt.gas_used
    };
    // Up to 3 frames (24 pages) the quadratic part is zero: one more frame costs `frame`.
    let frame = gas(2, false) - gas(1, false);
    assert_eq!(gas(3, false) - gas(2, false), frame);
    // 10 frames hold 80 pages at once.
    assert_eq!(gas(9, false) - gas(1, false), 8 * frame + quadratic(80));
    // A second chain after the first has returned reuses the pages the first paid for: it
    // costs its frames and nothing for the mark, which the first chain handed back.
    let second_short = gas(1, true) - gas(1, false);
    let second_long = gas(9, true) - gas(9, false);
    assert_eq!(second_long - second_short, 8 * frame);
}

/// Init code returning `payload` as the new code.
pub(crate) fn depositor(payload: &[u8]) -> Vec<u8> {
    let bytes: String = payload.iter().map(|b| format!("\\{b:02x}")).collect();
    let wat = format!(
        r#"(module
  (import "ethereum" "finish" (func $finish (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{bytes}")
  (func (export "main") (call $finish (i32.const 0) (i32.const {len}))))"#,
        len = payload.len()
    );
    wat::parse_str(wat).unwrap()
}

#[test]
fn deposited_code_is_charged_per_compressed_byte() {
    use rewasm_primitives::consensus::eip170::compressed_len;
    let engine = engine(GasSchedule::v2());
    let calldata = engine.config().schedule.calldata;
    let zeros = vec![0u8; 1024];
    let noise: Vec<u8> = (0..32u32)
        .flat_map(|i| keccak256(&i.to_le_bytes()).0)
        .collect();
    let mut used = Vec::new();
    for payload in [&zeros, &noise] {
        let mut state =
            state_with(r#"(module (memory (export "memory") 1) (func (export "main")))"#);
        let tx = Transaction {
            sender: address(SENDER),
            to: None,
            gas_limit: 30_000_000,
            data: depositor(payload),
            ..Transaction::default()
        };
        let receipt = run(&engine, &mut state, &tx).unwrap();
        assert_eq!(receipt.status, CallStatus::Success, "{:?}", receipt.failure);
        let code = state
            .basic(&receipt.contract_address.unwrap())
            .unwrap()
            .unwrap()
            .code;
        assert_eq!(code.bytes().as_ref(), payload.as_slice());
        used.push((
            receipt.gas_used,
            rewasm_executor::intrinsic_gas(&tx, calldata),
            compressed_len(payload) as u64,
        ));
    }
    let [
        (zeros_gas, zeros_intrinsic, zeros_len),
        (noise_gas, noise_intrinsic, noise_len),
    ] = used[..]
    else {
        unreachable!()
    };
    // 1 KiB of zeros deflates to a few bytes, 1 KiB of hash output not at all.
    assert!(
        zeros_len < 20 && noise_len > 1024,
        "{zeros_len} {noise_len}"
    );
    assert_eq!(
        noise_gas - zeros_gas,
        (noise_intrinsic - zeros_intrinsic) + 200 * (noise_len - zeros_len)
    );
}

/// `v2`'s price of a transaction's first call into a code (fixed, and per byte of the code),
/// and its limit on codes.
const COLD_CODE: u64 = 2_600;
const COLD_CODE_PER_BYTE: u64 = 2;
const MAX_CODES: u32 = 256;

/// Calls `n` accounts from `0x3000` on, `rounds` times over (call data `[n lo, n hi, rounds]`),
/// and returns how many calls succeeded (4 bytes, little-endian).
const CALLER: &str = r#"(module
  (import "ethereum" "callDataCopy" (func $cdc (param i32 i32 i32)))
  (import "ethereum" "call" (func $call (param i64 i32 i32 i32 i32) (result i32)))
  (import "ethereum" "finish" (func $finish (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "main")
    (local $n i32) (local $rounds i32) (local $i i32) (local $ok i32)
    (call $cdc (i32.const 100) (i32.const 0) (i32.const 3))
    (local.set $n (i32.or (i32.load8_u (i32.const 100))
      (i32.shl (i32.load8_u (i32.const 101)) (i32.const 8))))
    (local.set $rounds (i32.load8_u (i32.const 102)))
    (block $done
      (loop $round
        (br_if $done (i32.eqz (local.get $rounds)))
        (local.set $rounds (i32.sub (local.get $rounds) (i32.const 1)))
        (local.set $i (i32.const 0))
        (block $next
          (loop $each
            (br_if $next (i32.ge_u (local.get $i) (local.get $n)))
            (i32.store8 (i32.const 18)
              (i32.add (i32.const 0x30) (i32.shr_u (local.get $i) (i32.const 8))))
            (i32.store8 (i32.const 19) (local.get $i))
            (if (i32.eqz (call $call (i64.const 100000) (i32.const 0) (i32.const 200)
                  (i32.const 0) (i32.const 0)))
              (then (local.set $ok (i32.add (local.get $ok) (i32.const 1)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $each)))
        (br $round)))
    (i32.store (i32.const 300) (local.get $ok))
    (call $finish (i32.const 300) (i32.const 4))))"#;

/// A contract that returns at once; `salt` makes its code distinct.
fn returning(salt: u64) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(module (memory (export "memory") 1) (global $salt i64 (i64.const {salt}))
             (func (export "main")))"#
    ))
    .unwrap()
}

/// [`CALLER`] and `targets` accounts from `0x3000` on, each with distinct code, or all with the
/// same code when `same_code`.
fn callers_state(targets: u64, same_code: bool) -> rewasm_executor::InMemoryState {
    let mut state = state_with(CALLER);
    for i in 0..targets {
        let code = returning(if same_code { 0 } else { i });
        install(&mut state, 0x3000 + i, code);
    }
    state
}

/// (gas used, successful calls) of [`CALLER`] calling `n` of its targets `rounds` times.
fn call_targets(engine: &Engine, n: u16, rounds: u8, same_code: bool) -> (u64, u32) {
    let [lo, hi] = n.to_le_bytes();
    let tx = super::attacks::call(vec![lo, hi, rounds]);
    let receipt = run(engine, &mut callers_state(300, same_code), &tx).unwrap();
    assert_eq!(receipt.status, CallStatus::Success, "{:?}", receipt.failure);
    let ok = u32::from_le_bytes(receipt.output[..4].try_into().unwrap());
    (receipt.gas_used, ok)
}

#[test]
fn the_first_call_into_a_code_pays_for_loading_it() {
    let v2 = engine(GasSchedule::v2());
    let loads = v2.config().schedule.host.code_loads.unwrap();
    assert_eq!(
        (loads.cold, loads.cold_per_byte, loads.max_per_transaction),
        (COLD_CODE, COLD_CODE_PER_BYTE, MAX_CODES)
    );
    let len = returning(1).len() as u64;
    assert_eq!(len, returning(0).len() as u64);
    // Two accounts with one code are one load; with two codes, two. Calling them again
    // loads nothing.
    let extra_load = |engine: &Engine, rounds| {
        let (distinct, ok) = call_targets(engine, 2, rounds, false);
        let (same, _) = call_targets(engine, 2, rounds, true);
        assert_eq!(ok, 2 * u32::from(rounds));
        distinct - same
    };
    assert_eq!(extra_load(&v2, 1), COLD_CODE + COLD_CODE_PER_BYTE * len);
    assert_eq!(extra_load(&v2, 3), COLD_CODE + COLD_CODE_PER_BYTE * len);
    // The first schedule has no such charge.
    assert_eq!(extra_load(&engine(GasSchedule::default_schedule()), 1), 0);
    // The two calls' targets are cold accounts (2 600 each, 700 without warm and cold access).
    assert_eq!(call_targets(&v2, 2, 1, false).0, 44_753, "pinned");
}

#[test]
fn a_transaction_runs_at_most_the_schedules_number_of_codes() {
    let v2 = engine(GasSchedule::v2());
    // The caller's own code is one of them; calls into more fail, in every round, while the
    // codes it has run stay callable.
    let allowed = MAX_CODES - 1;
    assert_eq!(call_targets(&v2, 300, 1, false).1, allowed);
    assert_eq!(call_targets(&v2, 300, 2, false).1, 2 * allowed);
    // One code at every address is one code.
    assert_eq!(call_targets(&v2, 300, 1, true).1, 300);
    assert_eq!(
        call_targets(&engine(GasSchedule::default_schedule()), 300, 1, false).1,
        300
    );
}

#[test]
fn a_transaction_holds_the_modules_it_loaded_until_it_ends() {
    // A memory cache of one module, and a new engine generation (which empties it) at every
    // load after the first: the generation counts loads.
    let counting_engine = |schedule| {
        Engine::new(VmConfig {
            schedule,
            memory_cache_capacity: 1,
            modules_per_generation: Some(1),
            ..VmConfig::default()
        })
        .unwrap()
    };
    // Two codes called three times over: the caller and each code load once...
    let v2 = counting_engine(GasSchedule::v2());
    assert_eq!(call_targets(&v2, 2, 3, false).1, 6);
    assert_eq!(v2.generation(), 3 - 1);
    // ...where without code loads nothing holds them, and every call loads again.
    let first = counting_engine(GasSchedule::default_schedule());
    assert_eq!(call_targets(&first, 2, 3, false).1, 6);
    assert_eq!(first.generation(), 7 - 1);
}

/// Calls (call data `[relay?, gas for the relay (u32 LE)]`) the relay at `0x2fff` with that gas
/// when asked, then `0x3000` directly; returns the two statuses.
const PROBE: &str = r#"(module
  (import "ethereum" "callDataCopy" (func $cdc (param i32 i32 i32)))
  (import "ethereum" "call" (func $call (param i64 i32 i32 i32 i32) (result i32)))
  (import "ethereum" "finish" (func $finish (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 18) "\2f\ff")
  (data (i32.const 50) "\30\00")
  (func (export "main")
    (call $cdc (i32.const 100) (i32.const 0) (i32.const 5))
    (if (i32.load8_u (i32.const 100))
      (then (i32.store8 (i32.const 300)
        (call $call (i64.extend_i32_u (i32.load (i32.const 101))) (i32.const 0) (i32.const 200)
          (i32.const 0) (i32.const 0)))))
    (i32.store8 (i32.const 301)
      (call $call (i64.const 100000) (i32.const 32) (i32.const 200) (i32.const 0) (i32.const 0)))
    (call $finish (i32.const 300) (i32.const 2))))"#;

/// Calls `0x3000` with all its gas.
const RELAY: &str = r#"(module
  (import "ethereum" "call" (func $call (param i64 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 18) "\30\00")
  (func (export "main")
    (drop (call $call (i64.const 100000) (i32.const 0) (i32.const 200) (i32.const 0)
      (i32.const 0)))))"#;

#[test]
fn a_load_is_counted_only_once_paid() {
    let v2 = engine(GasSchedule::v2());
    let loads = v2.config().schedule.host.code_loads.unwrap();
    let relay = wat::parse_str(RELAY).unwrap();
    let relay_price = loads.price(relay.len() as u64);
    let run_probe = |with_relay: bool, relay_gas: u32| {
        let mut state = state_with(PROBE);
        install(&mut state, 0x2fff, relay.clone());
        install(&mut state, 0x3000, returning(7));
        let mut data = vec![u8::from(with_relay)];
        data.extend_from_slice(&relay_gas.to_le_bytes());
        let receipt = run(&v2, &mut state, &super::attacks::call(data)).unwrap();
        assert_eq!(receipt.status, CallStatus::Success, "{:?}", receipt.failure);
        (receipt.gas_used, receipt.output)
    };
    // The relay gets enough for its call's 9 100 (0x3000 cold, 2 600, and a frame start,
    // 6 500) but not for loading 0x3000's code: it runs out of gas there, and 0x3000's code
    // stays new (and the account cold), so the direct call pays its load again.
    let relay_gas = 10_000;
    let (with_relay, statuses) = run_probe(true, relay_gas);
    assert_eq!(statuses, vec![1, 0]);
    let (without, statuses) = run_probe(false, relay_gas);
    assert_eq!(statuses, vec![0, 0]);
    let relay_call = 2_600 + 6_500 + relay_price + u64::from(relay_gas);
    let extra = with_relay - without;
    // The relay branch's instructions add a few dozen gas on top; had the failed frame
    // counted 0x3000's code, the direct call would have skipped its load, 2 744 less.
    let target_price = loads.price(returning(7).len() as u64);
    assert_eq!(target_price, 2_744);
    assert!(
        (relay_call..relay_call + 100).contains(&extra),
        "{extra} vs {relay_call}"
    );
}

/// A contract that returns at once, padded with a custom section to `len` bytes.
fn padded_returning(len: usize) -> Vec<u8> {
    let mut code = returning(0);
    let name = b"pad";
    let payload = len - code.len() - 1 - 3 - 1 - name.len();
    let size = 1 + name.len() + payload;
    code.push(0);
    code.extend_from_slice(&[
        0x80 | (size & 0x7f) as u8,
        0x80 | ((size >> 7) & 0x7f) as u8,
        (size >> 14) as u8,
    ]);
    code.push(name.len() as u8);
    code.extend_from_slice(name);
    code.resize(len, 0);
    code
}

#[test]
fn the_transactions_target_pays_for_its_load_beyond_the_base_gas() {
    let v2 = engine(GasSchedule::v2());
    let loads = v2.config().schedule.host.code_loads.unwrap();
    let gas_of = |code: Vec<u8>, gas_limit: u64| {
        let mut state = state_with(CALLER);
        install(&mut state, 0x4000, code);
        let tx = Transaction {
            to: Some(address(0x4000)),
            gas_limit,
            ..super::attacks::call(Vec::new())
        };
        run(&v2, &mut state, &tx).unwrap()
    };
    let small = padded_returning(1_000);
    let big = padded_returning(20_000);
    assert_eq!(
        loads.target_price(small.len() as u64),
        0,
        "within the base gas"
    );
    let price = loads.target_price(big.len() as u64);
    assert_eq!(price, 2_600 + 2 * 20_000 - 21_000);
    let small_gas = gas_of(small, 1_000_000);
    let big_gas = gas_of(big.clone(), 1_000_000);
    assert_eq!(big_gas.status, CallStatus::Success, "{:?}", big_gas.failure);
    assert_eq!(big_gas.gas_used - small_gas.gas_used, price);
    // Too little gas for the load: the transaction fails before running, using all its gas.
    let short = gas_of(big, 21_000 + price - 1);
    assert_eq!(short.status, CallStatus::Failure);
    assert_eq!(short.gas_used, 21_000 + price - 1);
    assert_eq!(
        short.failure.as_deref(),
        Some("out of gas loading the contract's code")
    );
}

// ---------------------------------------------------------------------------------------------
// Warm and cold state access (EIP-2929), storage by its original value (EIP-2200, EIP-3529)

/// Reads slot 0 twice and the balance of account 0x4000 twice.
const READER: &str = r#"(module
  (import "ethereum" "storageLoad" (func $sload (param i32 i32)))
  (import "ethereum" "getExternalBalance" (func $balance (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 82) "\40\00")
  (func (export "main")
    (call $sload (i32.const 0) (i32.const 32))
    (call $sload (i32.const 0) (i32.const 32))
    (call $balance (i32.const 64) (i32.const 100))
    (call $balance (i32.const 64) (i32.const 100))))"#;

/// The gas of a transaction whose contract runs `host_calls` host calls with two constants each,
/// ends, and pays `host_gas` in host functions, before refunds.
fn used(host_calls: u64, host_gas: u64) -> u64 {
    let ink = host_calls * (2 * TRIVIAL + HOST_CALL) + CONTROL + host_gas * INK_PER_GAS;
    21_000 + ink.div_ceil(INK_PER_GAS)
}

/// `v2` without warm and cold access: Byzantium's flat prices.
fn v2_flat() -> Engine {
    let mut schedule = GasSchedule::v2();
    schedule.host.state_access = None;
    engine(schedule)
}

#[test]
fn the_first_read_of_a_slot_or_an_account_is_cold() {
    let receipt = call(&engine(GasSchedule::v2()), READER, Vec::new());
    assert_eq!(receipt.status, CallStatus::Success, "{:?}", receipt.failure);
    assert_eq!(receipt.gas_used, used(4, 2_100 + 100 + 2_600 + 100));
    assert_eq!(receipt.gas_used, 25_916, "pinned");
    let flat = call(&v2_flat(), READER, Vec::new());
    assert_eq!(flat.gas_used, used(4, 200 + 200 + 400 + 400));
}

#[test]
fn the_access_list_starts_its_accounts_and_slots_warm() {
    let v2 = engine(GasSchedule::v2());
    let listed = Transaction {
        access_list: vec![
            (address(0x2000), vec![primitive_types::H256::zero()]),
            (address(0x4000), Vec::new()),
        ],
        ..super::attacks::call(Vec::new())
    };
    let receipt = run(&v2, &mut state_with(READER), &listed).unwrap();
    assert_eq!(receipt.status, CallStatus::Success, "{:?}", receipt.failure);
    // EIP-2930's 2 400 per address and 1 900 per key; every read warm.
    assert_eq!(
        receipt.gas_used,
        used(4, 4 * 100) + 2 * 2_400 + 1_900,
        "{:?}",
        receipt.failure
    );
}

/// Calls account 0x3000, ignoring what it returns, then reads the balance of 0x4000.
const OUTER: &str = r#"(module
  (import "ethereum" "call" (func $call (param i64 i32 i32 i32 i32) (result i32)))
  (import "ethereum" "getExternalBalance" (func $balance (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 18) "\30\00")
  (data (i32.const 82) "\40\00")
  (func (export "main")
    (drop (call $call (i64.const 100000) (i32.const 0) (i32.const 32) (i32.const 0) (i32.const 0)))
    (call $balance (i32.const 64) (i32.const 100))))"#;

/// Reads the balance of 0x4000 and ends with `end` (`finish` or `revert`).
fn inner(end: &str) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(module
  (import "ethereum" "getExternalBalance" (func $balance (param i32 i32)))
  (import "ethereum" "{end}" (func $end (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 82) "\40\00")
  (func (export "main")
    (call $balance (i32.const 64) (i32.const 100))
    (call $end (i32.const 0) (i32.const 0))))"#
    ))
    .unwrap()
}

#[test]
fn what_a_reverted_frame_warmed_is_cold_again() {
    let v2 = engine(GasSchedule::v2());
    let gas = |end| {
        let mut state = state_with(OUTER);
        install(&mut state, 0x3000, inner(end));
        let receipt = run(&v2, &mut state, &super::attacks::call(Vec::new())).unwrap();
        assert_eq!(receipt.status, CallStatus::Success, "{:?}", receipt.failure);
        receipt.gas_used
    };
    // The two inner codes are the same size and cost the same; after the revert the outer
    // frame's read is cold (2 600) instead of warm (100).
    assert_eq!(gas("revert") - gas("finish"), 2_600 - 100);
}

/// Clears slots 1 and 2.
const CLEARER: &str = r#"(module
  (import "ethereum" "storageStore" (func $sstore (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 31) "\01")
  (data (i32.const 63) "\02")
  (func (export "main")
    (call $sstore (i32.const 0) (i32.const 100))
    (call $sstore (i32.const 32) (i32.const 100))))"#;

#[test]
fn refunds_are_capped_at_a_fifth_of_the_gas_used() {
    let mut state = state_with(CLEARER);
    for key in [1, 2] {
        state
            .accounts
            .get_mut(&address(0x2000))
            .unwrap()
            .storage
            .insert(
                primitive_types::H256::from_low_u64_be(key),
                primitive_types::H256::from_low_u64_be(7),
            );
    }
    let receipt = run(
        &engine(GasSchedule::v2()),
        &mut state,
        &super::attacks::call(Vec::new()),
    )
    .unwrap();
    assert_eq!(receipt.status, CallStatus::Success, "{:?}", receipt.failure);
    // Each clear: cold 2 100 + 2 900, refunding 4 800; 9 600 in all, more than a fifth.
    let before_refund = used(2, 2 * (2_100 + 2_900));
    assert_eq!(receipt.gas_used, before_refund - before_refund / 5);
    assert_eq!(receipt.gas_used, 24_807, "pinned");
    assert!(
        state
            .storage(&address(0x2000), &primitive_types::H256::from_low_u64_be(1))
            .unwrap()
            .is_zero()
    );
}
