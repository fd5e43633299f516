//! The `v2` schedule through whole transactions: module `rewasm`'s `keccak256`, and memory
//! priced per transaction across nested frames (the pages callers hold, the high-water mark a
//! returning frame hands back).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use rewasm_eei::CallStatus;
use rewasm_executor::{Receipt, State, Transaction};
use rewasm_primitives::keccak256;
use rewasm_vm::{Engine, GasSchedule, VmConfig};

use super::attacks::{SENDER, address, run, state_with};

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
