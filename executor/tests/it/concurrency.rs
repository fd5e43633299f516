//! Determinism under load (issue 13): the same transactions give the same receipts and state
//! root whether they run alone on a quiet engine, or on an engine whose module cache is churning
//! (one cached module, a new runtime engine every two loads) while other threads execute on the
//! same engine and a third allocates and touches memory. Nothing the host does under pressure —
//! cache misses, engine rotations, concurrent instances, page faults — may show in a result.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use std::sync::atomic::{AtomicBool, Ordering};

use primitive_types::{H160, U256};
use proptest::prelude::*;
use rewasm_eei::BlockInfo;
use rewasm_executor::{
    Account, BasicAccount, Bytecode, InMemoryState, Receipt, Transaction, TxError,
    execute_transaction, on_executor_stack,
};
use rewasm_vm::{Engine, VmConfig};

/// Call data `[op, arg]` picks what the contract does: 0 counts in slot `arg`, 1 grows memory by
/// `arg` pages and stores the result, 2 recurses `8 × arg` deep (past the depth budget for
/// large `arg`), 3 calls contract `arg % 3` with `[0, arg]`, 4 reverts, 5 loops until out of
/// gas, anything else finishes with the call data.
const CONTRACT: &str = r#"(module
  (import "ethereum" "callDataCopy" (func $input (param i32 i32 i32)))
  (import "ethereum" "storageLoad" (func $load (param i32 i32)))
  (import "ethereum" "storageStore" (func $store (param i32 i32)))
  (import "ethereum" "getGasLeft" (func $gas (result i64)))
  (import "ethereum" "call" (func $call (param i64 i32 i32 i32 i32) (result i32)))
  (import "ethereum" "finish" (func $finish (param i32 i32)))
  (import "ethereum" "revert" (func $revert (param i32 i32)))
  (memory (export "memory") 1)
  (func $recurse (param $n i32) (local $a i64) (local $b i64) (local $c i64)
    (if (local.get $n) (then (call $recurse (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "main") (local $op i32) (local $arg i32)
    (call $input (i32.const 0) (i32.const 0) (i32.const 2))
    (local.set $op (i32.load8_u (i32.const 0)))
    (local.set $arg (i32.load8_u (i32.const 1)))
    (if (i32.eq (local.get $op) (i32.const 0)) (then
      (i32.store8 (i32.const 95) (local.get $arg))
      (call $load (i32.const 64) (i32.const 96))
      (i32.store8 (i32.const 127) (i32.add (i32.load8_u (i32.const 127)) (i32.const 1)))
      (call $store (i32.const 64) (i32.const 96))
      (return)))
    (if (i32.eq (local.get $op) (i32.const 1)) (then
      (i32.store (i32.const 96) (memory.grow (local.get $arg)))
      (i32.store8 (i32.const 95) (i32.const 200))
      (call $store (i32.const 64) (i32.const 96))
      (return)))
    (if (i32.eq (local.get $op) (i32.const 2)) (then
      (call $recurse (i32.mul (local.get $arg) (i32.const 8)))
      (return)))
    (if (i32.eq (local.get $op) (i32.const 3)) (then
      (i32.store8 (i32.const 179) (i32.add (i32.const 0xc0) (i32.rem_u (local.get $arg) (i32.const 3))))
      (i32.store8 (i32.const 200) (i32.const 0))
      (i32.store8 (i32.const 201) (local.get $arg))
      (drop (call $call (i64.div_u (call $gas) (i64.const 2)) (i32.const 160) (i32.const 300) (i32.const 200) (i32.const 2)))
      (return)))
    (if (i32.eq (local.get $op) (i32.const 4)) (then
      (call $revert (i32.const 0) (i32.const 2))))
    (if (i32.eq (local.get $op) (i32.const 5)) (then
      (loop $forever (br $forever))))
    (call $finish (i32.const 0) (i32.const 2))))"#;

fn address(n: u64) -> H160 {
    H160::from_low_u64_be(n)
}

/// Three copies of the contract at 0xc0..0xc2 (different code hashes through a trailing custom
/// section, so the cache holds three modules) and four funded senders.
fn genesis() -> InMemoryState {
    let mut state = InMemoryState::default();
    for n in 0..3u8 {
        let mut code = wat::parse_str(CONTRACT).unwrap();
        code.extend_from_slice(&[0, 2, 1, b'a' + n]);
        state.accounts.insert(
            address(0xc0 + u64::from(n)),
            Account {
                basic: BasicAccount {
                    code: Bytecode::new(code),
                    ..BasicAccount::default()
                },
                ..Account::default()
            },
        );
    }
    for n in 0..4 {
        state.accounts.insert(
            address(0x100 + n),
            Account {
                basic: BasicAccount {
                    balance: U256::from(10u64).pow(U256::from(24)),
                    ..BasicAccount::default()
                },
                ..Account::default()
            },
        );
    }
    state
}

fn block() -> BlockInfo {
    BlockInfo {
        gas_limit: 30_000_000,
        number: 1,
        ..BlockInfo::default()
    }
}

#[derive(Clone, Debug)]
struct Call {
    sender: u64,
    contract: u64,
    op: u8,
    arg: u8,
    gas: u64,
    value: u64,
}

fn calls() -> impl Strategy<Value = Vec<Call>> {
    proptest::collection::vec(
        (
            0u64..4,
            0u64..3,
            0u8..7,
            any::<u8>(),
            30_000u64..3_000_000,
            0u64..3,
        )
            .prop_map(|(sender, contract, op, arg, gas, value)| Call {
                sender,
                contract,
                op,
                arg,
                gas,
                value,
            }),
        1..24,
    )
}

/// Runs `calls` in order on a fresh genesis; the receipts (or errors) and the state root.
fn run(engine: &Engine, calls: &[Call]) -> (Vec<Result<Receipt, TxError>>, primitive_types::H256) {
    let mut state = genesis();
    let mut nonces = [0u64; 4];
    let receipts = calls
        .iter()
        .map(|call| {
            let index = usize::try_from(call.sender).unwrap();
            let tx = Transaction {
                sender: address(0x100 + call.sender),
                to: Some(address(0xc0 + call.contract)),
                nonce: nonces[index],
                gas_limit: call.gas,
                gas_price: U256::one(),
                value: U256::from(call.value),
                data: vec![call.op, call.arg],
                ..Transaction::default()
            };
            let result = execute_transaction(engine, &mut state, &block(), &|_| Ok(None), &tx);
            if result.is_ok() {
                nonces[index] += 1;
            }
            result
        })
        .collect();
    (receipts, state.state_root())
}

/// Other transactions on the same engine, and memory churn, until `stop`.
fn load(engine: &Engine, stop: &AtomicBool) {
    std::thread::scope(|scope| {
        for worker in 0..2u8 {
            scope.spawn(move || {
                let mut n = 0u8;
                while !stop.load(Ordering::Relaxed) {
                    let background: Vec<Call> = (0..6u8)
                        .map(|i| Call {
                            sender: u64::from(i % 4),
                            contract: u64::from((n ^ i ^ worker) % 3),
                            op: (n.wrapping_add(i)) % 7,
                            arg: n.wrapping_mul(31).wrapping_add(i),
                            gas: 500_000,
                            value: 0,
                        })
                        .collect();
                    let _ = on_executor_stack(|| run(engine, &background));
                    n = n.wrapping_add(1);
                }
            });
        }
        scope.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                let mut churn = vec![0u8; 64 << 20];
                for page in churn.chunks_mut(4096) {
                    page[0] = 1;
                }
                drop(churn);
            }
        });
    });
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn the_same_transactions_give_the_same_results_under_load(calls in calls()) {
        let quiet = Engine::new(VmConfig::default()).unwrap();
        let (expected, expected_root) = run(&quiet, &calls);

        let churning = Engine::new(VmConfig {
            memory_cache_capacity: 1,
            modules_per_generation: Some(2),
            ..VmConfig::default()
        })
        .unwrap();
        let stop = AtomicBool::new(false);
        let (loaded, loaded_root) = std::thread::scope(|scope| {
            scope.spawn(|| load(&churning, &stop));
            let result = run(&churning, &calls);
            stop.store(true, Ordering::Relaxed);
            result
        });
        prop_assert_eq!(loaded, expected);
        prop_assert_eq!(loaded_root, expected_root);
    }
}
