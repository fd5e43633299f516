//! Warm instances are indistinguishable from fresh ones.
//!
//! The probe contract first records the state its frame starts from (a mutable global the
//! module does not export, a data segment, a scratch word on another page, the memory size, a
//! word near the end of memory)
//! and returns it, and only then dirties all of it and does what the call data asks: grow its
//! memory, trap, run out of gas, recurse, call another contract (or itself), revert, touch every
//! page. A leak from one call into the next shows up in the next call's output. Every sequence
//! runs on an engine without the warm pool and on one with it: receipts (status, gas, output,
//! logs) and the state root must be identical, and every frame must have started from the
//! post-instantiation state.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use primitive_types::{H160, U256};
use proptest::prelude::*;
use rewasm_eei::{BlockInfo, CallStatus};
use rewasm_executor::{
    Account, BasicAccount, Bytecode, InMemoryState, Receipt, Transaction, execute_transaction,
};
use rewasm_vm::{Engine, VmConfig, WarmLimits};

const PROBE: &str = r#"
(module
  (import "ethereum" "callDataCopy" (func $cdc (param i32 i32 i32)))
  (import "ethereum" "getCallDataSize" (func $cds (result i32)))
  (import "ethereum" "finish" (func $finish (param i32 i32)))
  (import "ethereum" "revert" (func $revert (param i32 i32)))
  (import "ethereum" "storageStore" (func $sstore (param i32 i32)))
  (import "ethereum" "call" (func $call (param i64 i32 i32 i32 i32) (result i32)))
  (import "ethereum" "getReturnDataSize" (func $rds (result i32)))
  (import "ethereum" "returnDataCopy" (func $rdc (param i32 i32 i32)))
  (import "ethereum" "log" (func $log (param i32 i32 i32 i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (global $g (mut i32) (i32.const 7))
  (data (i32.const 100) "IMAGE-OK")
  (func $rec (param $n i32)
    (if (local.get $n) (then (call $rec (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "main")
    (local $len i32) (local $op i32)
    ;; The state this frame starts from, at 512..540.
    (i32.store (i32.const 512) (global.get $g))
    (i64.store (i32.const 516) (i64.load (i32.const 100)))
    (i64.store (i32.const 524) (i64.load (i32.const 20000)))
    (i32.store (i32.const 532) (memory.size))
    (i32.store (i32.const 536) (i32.load (i32.const 60000)))
    ;; Dirty it.
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (i64.store (i32.const 100) (i64.const -1))
    (i64.store (i32.const 20000) (i64.const 0x1122334455667788))
    (local.set $len (call $cds))
    (if (i32.gt_u (local.get $len) (i32.const 96)) (then (local.set $len (i32.const 96))))
    (call $cdc (i32.const 0) (i32.const 0) (local.get $len))
    (local.set $op (i32.load8_u (i32.const 0)))
    (if (i32.eq (local.get $op) (i32.const 1))
      (then (drop (memory.grow (i32.const 1))) (i32.store (i32.const 65540) (i32.const 9))))
    (if (i32.eq (local.get $op) (i32.const 2)) (then unreachable))
    (if (i32.eq (local.get $op) (i32.const 3)) (then (loop $spin (br $spin))))
    (if (i32.eq (local.get $op) (i32.const 4))
      (then (call $rec (i32.load8_u (i32.const 1)))))
    (if (i32.eq (local.get $op) (i32.const 5))
      (then
        (drop (call $call (i64.const 3000000) (i32.const 1) (i32.const 600) (i32.const 21)
          (i32.sub (local.get $len) (i32.const 21))))
        (call $rdc (i32.const 540) (i32.const 0) (call $rds))
        (call $finish (i32.const 512) (i32.add (i32.const 28) (call $rds)))))
    (if (i32.eq (local.get $op) (i32.const 6))
      (then
        (call $sstore (i32.const 640) (i32.const 512))
        (call $log (i32.const 512) (i32.const 28) (i32.const 0)
          (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
        (call $revert (i32.const 512) (i32.const 28))))
    (if (i32.eq (local.get $op) (i32.const 7))
      (then (memory.fill (i32.const 1024) (i32.const 0xab) (i32.const 64000))))
    (if (i32.eq (local.get $op) (i32.const 8))
      (then
        (call $sstore (i32.const 640) (i32.const 512))
        (call $log (i32.const 512) (i32.const 28) (i32.const 0)
          (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))))
    (call $finish (i32.const 512) (i32.const 28))))
"#;

/// What a frame that starts from the post-instantiation state records: the global's initial 7,
/// the data segment, a zero scratch word, one page, a zero word where operation 7 writes.
fn initial_observation() -> Vec<u8> {
    let mut expected = Vec::new();
    expected.extend_from_slice(&7u32.to_le_bytes());
    expected.extend_from_slice(b"IMAGE-OK");
    expected.extend_from_slice(&[0; 8]);
    expected.extend_from_slice(&1u32.to_le_bytes());
    expected.extend_from_slice(&[0; 4]);
    expected
}

const SENDER: u64 = 0x1000;
const A: u64 = 0x2000;
const B: u64 = 0x2001;
const GAS: u64 = 3_000_000;

fn address(n: u64) -> H160 {
    H160::from_low_u64_be(n)
}

fn state() -> InMemoryState {
    let mut state = InMemoryState::default();
    let probe = Bytecode::new(wat::parse_str(PROBE).unwrap());
    let mut insert = |n: u64, basic: BasicAccount| {
        state.accounts.insert(
            address(n),
            Account {
                basic,
                ..Account::default()
            },
        );
    };
    insert(
        SENDER,
        BasicAccount {
            balance: U256::from(10u64).pow(U256::from(20)),
            ..BasicAccount::default()
        },
    );
    for contract in [A, B] {
        insert(
            contract,
            BasicAccount {
                code: probe.clone(),
                ..BasicAccount::default()
            },
        );
    }
    state
}

/// One call: the probe's operation, its argument, and a call it makes (operation 5).
#[derive(Clone, Debug)]
enum Step {
    Op {
        to: u64,
        op: u8,
        arg: u8,
    },
    Call {
        to: u64,
        callee: u64,
        inner: Box<Step>,
    },
}

impl Step {
    fn data(&self) -> Vec<u8> {
        match self {
            Step::Op { op, arg, .. } => vec![*op, *arg],
            Step::Call { callee, inner, .. } => {
                let mut data = vec![5];
                data.extend_from_slice(address(*callee).as_bytes());
                data.extend(inner.data());
                data
            }
        }
    }

    fn to(&self) -> u64 {
        match self {
            Step::Op { to, .. } | Step::Call { to, .. } => *to,
        }
    }
}

fn run(engine: &Engine, steps: &[Step]) -> (Vec<Receipt>, primitive_types::H256) {
    let mut state = state();
    let block = BlockInfo {
        gas_limit: GAS * 4,
        number: 1,
        ..BlockInfo::default()
    };
    let receipts = steps
        .iter()
        .enumerate()
        .map(|(nonce, step)| {
            let tx = Transaction {
                sender: address(SENDER),
                to: Some(address(step.to())),
                nonce: nonce as u64,
                gas_limit: GAS,
                data: step.data(),
                ..Transaction::default()
            };
            execute_transaction(engine, &mut state, &block, &|_| Ok(None), &tx).unwrap()
        })
        .collect();
    (receipts, state.state_root())
}

fn engines() -> (Engine, Engine) {
    let fresh = Engine::new(VmConfig {
        warm: WarmLimits::DISABLED,
        ..VmConfig::default()
    })
    .unwrap();
    let warm = Engine::new(VmConfig::default()).unwrap();
    (fresh, warm)
}

/// Every frame of `step` that returned normally started from the initial state.
fn assert_fresh_frames(step: &Step, receipt: &Receipt) {
    if receipt.status == CallStatus::Failure {
        return;
    }
    let initial = initial_observation();
    assert_eq!(&receipt.output[..28], initial.as_slice(), "{step:?}");
    let (mut step, mut rest) = (step, &receipt.output[28..]);
    while let Step::Call { inner, .. } = step {
        if rest.len() >= 28 && !matches!(**inner, Step::Op { op: 2 | 3, .. }) {
            assert_eq!(&rest[..28], initial.as_slice(), "nested {inner:?}");
            rest = &rest[28..];
        }
        step = inner;
    }
}

fn op(to: u64, op: u8, arg: u8) -> Step {
    Step::Op { to, op, arg }
}

fn call(to: u64, callee: u64, inner: Step) -> Step {
    Step::Call {
        to,
        callee,
        inner: Box::new(inner),
    }
}

#[test]
fn reused_instances_give_exactly_the_fresh_results() {
    let steps = vec![
        op(A, 0, 0),
        op(A, 0, 0),
        op(A, 1, 0), // grows memory: that instance is dropped
        op(A, 0, 0),
        op(A, 2, 0), // traps after dirtying everything
        op(A, 0, 0),
        op(A, 3, 0), // runs out of gas
        op(A, 0, 0),
        op(A, 4, 200), // recursion
        op(A, 7, 0),   // touches the whole page
        op(A, 0, 0),
        op(A, 6, 0),                         // stores, logs, reverts
        op(A, 8, 0),                         // stores and logs
        call(A, A, op(A, 0, 0)),             // re-entrancy: A calls A
        call(A, B, call(B, A, op(A, 8, 0))), // A calls B calls A
        call(A, B, op(B, 2, 0)),             // the callee traps
        op(B, 0, 0),
        op(A, 0, 0),
    ];
    let (fresh, warm) = engines();
    let (fresh_receipts, fresh_root) = run(&fresh, &steps);
    let (warm_receipts, warm_root) = run(&warm, &steps);
    for ((step, fresh), warm) in steps.iter().zip(&fresh_receipts).zip(&warm_receipts) {
        assert_eq!(fresh, warm, "{step:?}");
        assert_fresh_frames(step, warm);
    }
    assert_eq!(fresh_root, warm_root);
    let statuses: Vec<_> = warm_receipts.iter().map(|r| r.status).collect();
    assert!(statuses.contains(&CallStatus::Failure) && statuses.contains(&CallStatus::Revert));
    let stats = warm.warm_stats();
    assert!(stats.hits >= 10, "instances were reused: {stats:?}");
    assert_eq!(fresh.warm_stats().hits, 0);
    assert!(stats.idle >= 2, "A and B each keep an instance: {stats:?}");
}

fn step() -> impl Strategy<Value = Step> {
    let leaf = (prop_oneof![Just(A), Just(B)], 0u8..9, any::<u8>())
        .prop_map(|(to, op, arg)| Step::Op { to, op, arg });
    leaf.prop_recursive(3, 6, 1, |inner| {
        (
            prop_oneof![Just(A), Just(B)],
            prop_oneof![Just(A), Just(B)],
            inner,
        )
            .prop_map(|(to, callee, inner)| Step::Call {
                to,
                callee,
                inner: Box::new(inner),
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_call_sequence_runs_the_same_on_warm_instances(
        steps in prop::collection::vec(step(), 1..16)
    ) {
        let (fresh, warm) = engines();
        let (fresh_receipts, fresh_root) = run(&fresh, &steps);
        let (warm_receipts, warm_root) = run(&warm, &steps);
        prop_assert_eq!(&fresh_receipts, &warm_receipts);
        prop_assert_eq!(fresh_root, warm_root);
        for (step, receipt) in steps.iter().zip(&warm_receipts) {
            assert_fresh_frames(step, receipt);
        }
    }
}
