//! Executor properties: journal reverts restore the exact state, value is conserved, gas never
//! underflows, and the deepest call chain the EEI allows runs without exhausting the host stack.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use primitive_types::{H160, H256, U256};
use proptest::prelude::*;
use rewasm_eei::{BlockInfo, CallStatus};
use rewasm_executor::journal::Journal;
use rewasm_executor::{
    Account, BasicAccount, Bytecode, InMemoryState, State, Transaction, TxError,
    execute_transaction, intrinsic_gas, on_executor_stack,
};
use rewasm_primitives::LogEntry;
use rewasm_primitives::consensus::CalldataPrices;
use rewasm_vm::{
    ArtifactPolicy, CacheSource, CallDepthScope, ChainLimits, Engine, GasSchedule, Rules, VmConfig,
};

/// Small test addresses, clear of the precompiles at 0x01–0x09.
fn address(n: u8) -> H160 {
    H160::from_low_u64_be(0x1000 + u64::from(n))
}

fn funded(accounts: &[(u8, u64)]) -> InMemoryState {
    let mut state = InMemoryState::default();
    for (n, balance) in accounts {
        let basic = BasicAccount {
            balance: U256::from(*balance),
            ..BasicAccount::default()
        };
        state.accounts.insert(
            address(*n),
            Account {
                basic,
                ..Account::default()
            },
        );
    }
    state
}

/// One journal operation on a small address and key space.
#[derive(Clone, Debug)]
enum Op {
    Balance(u8, u64),
    Nonce(u8, u64),
    Storage(u8, u8, u8),
    Code(u8, Vec<u8>),
    Create(u8),
    Transfer(u8, u8, u64),
    Log(u8),
    Refund(u64),
    Destruct(u8),
    Touch(u8),
    /// Run the nested operations inside a checkpoint, then revert (true) or keep them.
    Nested(Vec<Op>, bool),
}

fn op() -> impl Strategy<Value = Op> {
    let leaf = prop_oneof![
        (0u8..4, any::<u64>()).prop_map(|(a, b)| Op::Balance(a, b)),
        (0u8..4, any::<u64>()).prop_map(|(a, n)| Op::Nonce(a, n)),
        (0u8..4, 0u8..3, any::<u8>()).prop_map(|(a, k, v)| Op::Storage(a, k, v)),
        (0u8..4, proptest::collection::vec(any::<u8>(), 0..4)).prop_map(|(a, c)| Op::Code(a, c)),
        (0u8..4).prop_map(Op::Create),
        (0u8..4, 0u8..4, 0u64..2000).prop_map(|(a, b, v)| Op::Transfer(a, b, v)),
        (0u8..4).prop_map(Op::Log),
        (0u64..50_000).prop_map(Op::Refund),
        (0u8..4).prop_map(Op::Destruct),
        (0u8..4).prop_map(Op::Touch),
    ];
    leaf.prop_recursive(3, 40, 6, |inner| {
        (proptest::collection::vec(inner, 0..6), any::<bool>())
            .prop_map(|(ops, revert)| Op::Nested(ops, revert))
    })
}

fn apply(journal: &mut Journal<'_>, op: &Op) {
    match op {
        Op::Balance(a, b) => journal.set_balance(&address(*a), U256::from(*b)).unwrap(),
        Op::Nonce(a, n) => journal.set_nonce(&address(*a), *n).unwrap(),
        Op::Storage(a, k, v) => {
            if journal.exists(&address(*a)).unwrap() {
                journal
                    .set_storage(
                        &address(*a),
                        H256::from_low_u64_be(u64::from(*k)),
                        H256::from_low_u64_be(u64::from(*v)),
                    )
                    .unwrap();
            }
        }
        Op::Code(a, code) => journal
            .set_code(&address(*a), Bytecode::new(code.clone()))
            .unwrap(),
        Op::Create(a) => journal.create_account(&address(*a)).unwrap(),
        Op::Transfer(a, b, v) => {
            journal
                .transfer(&address(*a), &address(*b), U256::from(*v))
                .unwrap();
        }
        Op::Log(a) => journal.log(LogEntry {
            address: address(*a),
            topics: vec![],
            data: vec![*a],
        }),
        Op::Refund(r) => journal.add_refund(*r),
        Op::Destruct(a) => {
            journal.mark_destructed(&address(*a));
        }
        Op::Touch(a) => journal.touch(&address(*a)),
        Op::Nested(ops, revert) => {
            let checkpoint = journal.checkpoint();
            for op in ops {
                apply(journal, op);
            }
            if *revert {
                journal.revert_to(checkpoint);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any sequence of changes with nested checkpoints, reverted to the start, leaves exactly the
    /// state it started from: no account, slot, log, refund, destruct or touch survives.
    #[test]
    fn reverting_to_the_start_restores_the_state(ops in proptest::collection::vec(op(), 0..20)) {
        let base = funded(&[(0, 1_000), (1, 0), (2, 5)]);
        let mut journal = Journal::new(&base);
        let start = journal.checkpoint();
        for op in &ops {
            apply(&mut journal, op);
        }
        journal.revert_to(start);
        prop_assert_eq!(journal.refund(), 0);
        for n in 0..4 {
            prop_assert_eq!(journal.basic(&address(n)).unwrap(), base.basic(&address(n)).unwrap());
            prop_assert_eq!(journal.storage(&address(n), &H256::from_low_u64_be(1)).unwrap(), H256::zero());
        }
        let (changes, logs) = journal.finish().unwrap();
        prop_assert!(changes.is_empty(), "{changes:?}");
        prop_assert!(logs.is_empty());
    }

    /// Plain transfers with fees: the sum of all balances (fees go to the coinbase) never changes,
    /// and an invalid transaction changes nothing.
    #[test]
    fn value_and_fees_are_conserved(
        txs in proptest::collection::vec((0u8..4, 0u8..5, 0u64..400_000, 0u64..3, 21_000u64..40_000), 1..12)
    ) {
        let engine = Engine::new(VmConfig::default()).unwrap();
        let mut state = funded(&[(0, 3_000_000), (1, 100_000), (2, 0), (3, 50_000_000)]);
        let coinbase = address(9);
        let block = BlockInfo { coinbase, gas_limit: 10_000_000, number: 1, ..BlockInfo::default() };
        let total = |s: &InMemoryState| s.accounts.values().fold(U256::zero(), |sum, a| sum + a.basic.balance);
        let before = total(&state);
        for (from, to, value, price, gas) in txs {
            let nonce = state.basic(&address(from)).unwrap().map(|a| a.nonce).unwrap_or_default();
            let tx = Transaction {
                sender: address(from),
                to: Some(address(to)),
                nonce,
                gas_limit: gas,
                gas_price: U256::from(price),
                value: U256::from(value),
                data: vec![],
                ..Transaction::default()
            };
            let snapshot = state.clone();
            match execute_transaction(&engine, &mut state, &block, &|_| Ok(None), &tx) {
                Ok(receipt) => prop_assert_eq!(receipt.gas_used, 21_000),
                Err(_) => prop_assert_eq!(&state, &snapshot),
            }
            prop_assert_eq!(total(&state), before);
        }
    }

    /// EIP-1559: with a base fee, exactly gas used × base fee leaves circulation (burned), the
    /// coinbase gets gas used × (price − base fee), and a price below the base fee is invalid.
    #[test]
    fn the_base_fee_is_burned_and_the_tip_paid(base_fee in 0u64..50, tip in 0u64..50, value in 0u64..1000) {
        let engine = Engine::new(VmConfig::default()).unwrap();
        let mut state = funded(&[(0, 10_000_000)]);
        let coinbase = address(9);
        let block = BlockInfo {
            coinbase,
            gas_limit: 10_000_000,
            number: 1,
            base_fee: U256::from(base_fee),
            ..BlockInfo::default()
        };
        let total = |s: &InMemoryState| s.accounts.values().fold(U256::zero(), |sum, a| sum + a.basic.balance);
        let before = total(&state);
        let tx = Transaction {
            sender: address(0),
            to: Some(address(1)),
            gas_limit: 21_000,
            gas_price: U256::from(base_fee + tip),
            value: U256::from(value),
            ..Transaction::default()
        };
        let receipt = execute_transaction(&engine, &mut state, &block, &|_| Ok(None), &tx).unwrap();
        prop_assert_eq!(receipt.gas_used, 21_000);
        prop_assert_eq!(before - total(&state), U256::from(21_000 * base_fee));
        prop_assert_eq!(state.basic(&coinbase).unwrap().map(|a| a.balance).unwrap_or_default(), U256::from(21_000 * tip));
        if base_fee > 0 {
            let cheap = Transaction { nonce: 1, gas_price: U256::from(base_fee - 1), ..tx };
            let snapshot = state.clone();
            prop_assert!(execute_transaction(&engine, &mut state, &block, &|_| Ok(None), &cheap).is_err());
            prop_assert_eq!(&state, &snapshot);
        }
    }

    /// Whatever gas a contract gets, it never uses more than it was given, and the sender pays
    /// exactly the gas used. The lowest limit covers the intrinsic gas of any 4-byte call data
    /// (21 000 + 4 × 68); below it the transaction is invalid, not underfunded.
    #[test]
    fn gas_never_underflows(gas in 21_272u64..200_000, iterations in 0u32..500) {
        let engine = Engine::new(VmConfig::default()).unwrap();
        let contract = address(7);
        let code = wat::parse_str(LOOPER).unwrap();
        let mut state = funded(&[(0, 10_000_000)]);
        state.accounts.insert(contract, Account { basic: BasicAccount { code: Bytecode::new(code), ..BasicAccount::default() }, ..Account::default() });
        let block = BlockInfo { gas_limit: 10_000_000, number: 1, ..BlockInfo::default() };
        let tx = Transaction {
            sender: address(0),
            to: Some(contract),
            gas_limit: gas,
            gas_price: U256::one(),
            data: iterations.to_be_bytes().to_vec(),
            ..Transaction::default()
        };
        let receipt = execute_transaction(&engine, &mut state, &block, &|_| Ok(None), &tx).unwrap();
        prop_assert!(receipt.gas_used <= gas);
        let paid = U256::from(10_000_000u64) - state.basic(&address(0)).unwrap().unwrap().balance;
        prop_assert_eq!(paid, U256::from(receipt.gas_used));
    }
}

/// Loops as many times as the big-endian u32 in the call data says, storing the counter.
const LOOPER: &str = r#"(module
  (import "ethereum" "callDataCopy" (func $copy (param i32 i32 i32)))
  (import "ethereum" "storageStore" (func $store (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "main") (local $n i32)
    (call $copy (i32.const 0) (i32.const 0) (i32.const 4))
    (local.set $n (i32.load8_u (i32.const 3)))
    (block $done (loop $top
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $top)))
    (call $store (i32.const 64) (i32.const 0))))"#;

/// Calls itself until the EEI's depth limit stops it, counting frames in slot 0.
const SELF_CALLER: &str = r#"(module
  (import "ethereum" "getAddress" (func $address (param i32)))
  (import "ethereum" "storageLoad" (func $load (param i32 i32)))
  (import "ethereum" "storageStore" (func $store (param i32 i32)))
  (import "ethereum" "getGasLeft" (func $gas (result i64)))
  (import "ethereum" "call" (func $call (param i64 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "main")
    (call $load (i32.const 100) (i32.const 200))
    (i32.store8 (i32.const 231) (i32.add (i32.load8_u (i32.const 231)) (i32.const 1)))
    (if (i32.eqz (i32.load8_u (i32.const 231)))
      (then (i32.store8 (i32.const 230) (i32.add (i32.load8_u (i32.const 230)) (i32.const 1)))))
    (call $store (i32.const 100) (i32.const 200))
    (call $address (i32.const 0))
    (drop (call $call (call $gas) (i32.const 0) (i32.const 32) (i32.const 0) (i32.const 0)))))"#;

#[test]
fn a_call_chain_as_deep_as_the_eei_allows_completes() {
    // The reference rule: every frame has its own call-depth budget (with one budget for the
    // transaction, the host calls of 1024 frames alone would use it up).
    let engine = Engine::new(VmConfig {
        schedule: GasSchedule::ewasm_conformance(),
        limits: ChainLimits {
            call_depth_scope: CallDepthScope::Frame,
            ..ChainLimits::default()
        },
        ..VmConfig::default()
    })
    .unwrap();
    let contract = address(5);
    let code = wat::parse_str(SELF_CALLER).unwrap();
    let mut state = funded(&[(0, 0)]);
    state.accounts.insert(
        contract,
        Account {
            basic: BasicAccount {
                code: Bytecode::new(code),
                ..BasicAccount::default()
            },
            ..Account::default()
        },
    );
    // Each level keeps 1/64 of its gas and spends ~6000 on storage and the call, so the 1024th
    // level needs ~10^15 at the top.
    let gas = 1_000_000_000_000_000u64;
    let block = BlockInfo {
        gas_limit: gas,
        number: 1,
        ..BlockInfo::default()
    };
    let tx = Transaction {
        sender: address(0),
        to: Some(contract),
        gas_limit: gas,
        ..Transaction::default()
    };
    let receipt = execute_transaction(&engine, &mut state, &block, &|_| Ok(None), &tx).unwrap();
    assert_eq!(receipt.status, CallStatus::Success, "{:?}", receipt.failure);
    let frames = state.storage(&contract, &H256::zero()).unwrap();
    // Depths 0..=1024 each ran once; the call from depth 1024 returned 1 without running.
    assert_eq!(frames, H256::from_low_u64_be(1025));
    // The same chain inside a block's shared executor thread, below the block loop's frames.
    let again = Transaction { nonce: 1, ..tx };
    let receipt = on_executor_stack(|| {
        execute_transaction(&engine, &mut state, &block, &|_| Ok(None), &again)
    })
    .unwrap()
    .unwrap();
    assert_eq!(receipt.status, CallStatus::Success, "{:?}", receipt.failure);
}

/// Transactions run on one shared executor thread (a block's) give exactly the receipts and
/// state they give each on a thread of its own.
#[test]
fn a_shared_executor_thread_changes_nothing() {
    let engine = Engine::new(VmConfig::default()).unwrap();
    let contract = address(7);
    let mut state = funded(&[(0, 10_000_000)]);
    state.accounts.insert(
        contract,
        Account {
            basic: BasicAccount {
                code: Bytecode::new(wat::parse_str(LOOPER).unwrap()),
                ..BasicAccount::default()
            },
            ..Account::default()
        },
    );
    let block = BlockInfo {
        gas_limit: 10_000_000,
        number: 1,
        ..BlockInfo::default()
    };
    let txs: Vec<Transaction> = (0..6u32)
        .map(|n| Transaction {
            sender: address(0),
            to: Some(contract),
            nonce: u64::from(n),
            gas_limit: 100_000 + u64::from(n) * 20_000,
            gas_price: U256::one(),
            data: (n * 50).to_be_bytes().to_vec(),
            ..Transaction::default()
        })
        .collect();
    let mut separate = state.clone();
    let separate_receipts: Vec<_> = txs
        .iter()
        .map(|tx| execute_transaction(&engine, &mut separate, &block, &|_| Ok(None), tx).unwrap())
        .collect();
    let mut shared = state;
    let (shared_receipts, outer, inner) = on_executor_stack(|| {
        let receipts: Vec<_> = txs
            .iter()
            .map(|tx| execute_transaction(&engine, &mut shared, &block, &|_| Ok(None), tx).unwrap())
            .collect();
        let inner = on_executor_stack(|| std::thread::current().id()).unwrap();
        (receipts, std::thread::current().id(), inner)
    })
    .unwrap();
    assert_eq!(outer, inner, "nested use runs on the same thread");
    assert_ne!(outer, std::thread::current().id());
    assert!(
        separate_receipts
            .iter()
            .all(|r| r.status == CallStatus::Success)
    );
    assert_eq!(shared_receipts, separate_receipts);
    assert_eq!(shared, separate);
}

/// Init code that stores its call data size in slot 0 and deploys a one-byte code.
const CTOR: &str = r#"(module
  (import "ethereum" "getCallDataSize" (func $size (result i32)))
  (import "ethereum" "storageStore" (func $store (param i32 i32)))
  (import "ethereum" "finish" (func $finish (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "main")
    (i32.store8 (i32.const 63) (call $size))
    (call $store (i32.const 0) (i32.const 32))
    (call $finish (i32.const 100) (i32.const 1))))"#;

/// Runs a create of `data` from account 0 in block 1.
fn create(engine: &Engine, state: &mut InMemoryState, data: Vec<u8>) -> rewasm_executor::Receipt {
    create_with_gas(engine, state, data, 5_000_000)
}

fn create_with_gas(
    engine: &Engine,
    state: &mut InMemoryState,
    data: Vec<u8>,
    gas_limit: u64,
) -> rewasm_executor::Receipt {
    let block = BlockInfo {
        gas_limit: 10_000_000,
        number: 1,
        ..BlockInfo::default()
    };
    let tx = Transaction {
        sender: address(0),
        to: None,
        gas_limit,
        data,
        ..Transaction::default()
    };
    execute_transaction(engine, state, &block, &|_| Ok(None), &tx).unwrap()
}

fn with_args_section(code: &[u8], args: &[u8]) -> Vec<u8> {
    // Custom section: id 0, size 12, name "rewasm.args" (11 bytes, length-prefixed), no payload.
    let mut data = code.to_vec();
    data.extend_from_slice(&[0, 12, 11]);
    data.extend_from_slice(b"rewasm.args");
    data.extend_from_slice(args);
    data
}

#[test]
fn constructor_arguments_follow_the_args_section() {
    let code = wat::parse_str(CTOR).unwrap();
    let args = [7u8; 64];
    let data = with_args_section(&code, &args);
    let (init, call_data) = rewasm_executor::split_init_code(&data);
    assert_eq!((init.len(), call_data), (code.len() + 14, &args[..]));
    assert_eq!(
        rewasm_executor::split_init_code(&code),
        (&code[..], &[][..]),
        "no section, no args"
    );

    let engine = Engine::new(VmConfig {
        schedule: GasSchedule::ewasm_conformance(),
        ..VmConfig::default()
    })
    .unwrap();
    let mut state = funded(&[(0, 0)]);
    let receipt = create(&engine, &mut state, data);
    assert_eq!(receipt.status, CallStatus::Success, "{:?}", receipt.failure);
    let created = receipt.contract_address.unwrap();
    assert_eq!(
        state.storage(&created, &H256::zero()).unwrap(),
        H256::from_low_u64_be(64)
    );
    assert_eq!(state.basic(&created).unwrap().unwrap().code.len(), 1);
}

/// A deposited module is compiled by the create that deposits it, which pays for that work: its
/// first call finds it in the engine's memory cache instead of compiling it for a call's price.
/// A create that cannot pay the deposit compiles nothing.
#[test]
fn deposited_code_is_compiled_by_its_create() {
    let runtime =
        wat::parse_str(r#"(module (memory (export "memory") 1) (func (export "main")))"#).unwrap();
    let init = crate::gas_v2::depositor(&runtime);
    let hash = rewasm_primitives::keccak256(&runtime).0;
    let cached = |engine: &Engine| {
        let (_, source) = engine
            .compile_hashed(&runtime, hash, Rules::Contract, ArtifactPolicy::MemoryOnly)
            .unwrap();
        source
    };

    let engine = Engine::new(VmConfig::default()).unwrap();
    let mut state = funded(&[(0, 0)]);
    let receipt = create(&engine, &mut state, init.clone());
    assert_eq!(receipt.status, CallStatus::Success, "{:?}", receipt.failure);
    let created = receipt.contract_address.unwrap();
    assert_eq!(&*state.basic(&created).unwrap().unwrap().code, &runtime[..]);
    assert_eq!(cached(&engine), CacheSource::Memory);

    // The deposit is the create's last charge: one gas less and it cannot be paid.
    let short = Engine::new(VmConfig::default()).unwrap();
    let mut state = funded(&[(0, 0)]);
    let receipt = create_with_gas(&short, &mut state, init, receipt.gas_used - 1);
    assert_eq!(receipt.status, CallStatus::Failure);
    assert_eq!(cached(&short), CacheSource::Compiled);
}

/// EIP-2930 (consensus): each access-list address costs 2400 and each storage key 1900 of
/// intrinsic gas, on top of 21000 and the data; a transaction that cannot pay them is invalid.
#[test]
fn access_lists_pay_eip_2930_intrinsic_gas() {
    let engine = Engine::new(VmConfig::default()).unwrap();
    // `v2` prices data as EIP-2028 does: 16 per non-zero byte (the first schedules 68).
    let calldata = engine.config().schedule.calldata;
    assert_eq!(calldata, CalldataPrices::ISTANBUL);
    let mut state = funded(&[(0, 1_000_000_000)]);
    let block = BlockInfo {
        gas_limit: 10_000_000,
        number: 1,
        ..BlockInfo::default()
    };
    let data = vec![0, 0, 1];
    let plain = Transaction {
        sender: address(0),
        to: Some(address(1)),
        gas_limit: 100_000,
        gas_price: U256::one(),
        data,
        ..Transaction::default()
    };
    assert_eq!(intrinsic_gas(&plain, calldata), 21_000 + 2 * 4 + 16);
    assert_eq!(
        intrinsic_gas(&plain, CalldataPrices::BYZANTIUM),
        21_000 + 2 * 4 + 68
    );
    let listed = Transaction {
        access_list: vec![
            (
                H160::repeat_byte(0x11),
                vec![H256::zero(), H256::repeat_byte(1)],
            ),
            (H160::repeat_byte(0x22), vec![H256::repeat_byte(2)]),
        ],
        ..plain.clone()
    };
    let expected = 21_000 + 2 * 2_400 + 3 * 1_900 + 2 * 4 + 16;
    assert_eq!(intrinsic_gas(&listed, calldata), expected);
    let create = Transaction {
        to: None,
        ..listed.clone()
    };
    assert_eq!(intrinsic_gas(&create, calldata), expected - 21_000 + 53_000);

    // A transfer to an account without code uses exactly its intrinsic gas.
    let receipt = execute_transaction(&engine, &mut state, &block, &|_| Ok(None), &listed).unwrap();
    assert_eq!(receipt.status, CallStatus::Success);
    assert_eq!(receipt.gas_used, expected);
    let short = Transaction {
        nonce: 1,
        gas_limit: expected - 1,
        ..listed
    };
    assert!(matches!(
        execute_transaction(&engine, &mut state, &block, &|_| Ok(None), &short),
        Err(TxError::IntrinsicGas { needed, limit }) if needed == expected && limit == expected - 1
    ));
}
