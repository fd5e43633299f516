//! `host_calls`: random EEI call sequences with random pointers and lengths, run as a
//! transaction through the executor.
//!
//! The input becomes a contract that imports all 33 EEI functions and whose `main` calls a
//! sequence of them with constant arguments: pointers and lengths drawn from page boundaries,
//! prepared addresses (its own, the sender, a twin contract with the same code, precompiles, an
//! empty account), wrapping values and arbitrary ones. Memory starts with those addresses, a
//! value and input bytes. The transaction calls the contract, which may call itself, its twin
//! or a precompile, create contracts, log, store, revert or self-destruct.
//!
//! Checked:
//! - the executor never panics (the transaction thread would report it as
//!   `TxError::Host`) and never fails a well-formed transaction;
//! - gas used never exceeds the limit; a failed top-level frame (any trap, out of gas, a bad host
//!   argument) uses all of it — every failure is a clean trap with gas charged;
//! - value is conserved: the sum of all balances is unchanged (the gas price goes to the
//!   coinbase, and there is no base fee to burn), except that a contract self-destructing to
//!   itself burns its balance (Byzantium), so then the sum may only shrink;
//! - the same transaction on a copy of the starting state gives the same receipt and the same
//!   state.

use arbitrary::Unstructured;
use primitive_types::{H160, U256};
use rewasm_eei::{BlockInfo, CallStatus, EEI_FUNCTIONS, ETHEREUM_MODULE, WasmType};
use rewasm_executor::{
    Account, BasicAccount, Bytecode, InMemoryState, Transaction, TxError, execute_transaction,
};

use wasm_encoder::{
    CodeSection, ConstExpr, DataSection, EntityType, ExportKind, ExportSection, Function,
    FunctionSection, ImportSection, Instruction, MemorySection, MemoryType, Module, TypeSection,
    ValType,
};

/// The accounts of the scenario.
const SENDER: u64 = 0x1000;
const CONTRACT: u64 = 0x2000;
const TWIN: u64 = 0x2001;
const COINBASE: u64 = 0x3000;
const EMPTY: u64 = 0x4000;
const IDENTITY_PRECOMPILE: u64 = 0x04;
const SENDER_BALANCE: u64 = 1 << 60;

/// Where the prepared values sit in the contract's memory (each 32-byte aligned).
const SLOTS: [u64; 6] = [CONTRACT, SENDER, TWIN, IDENTITY_PRECOMPILE, EMPTY, 0x01];
/// Offset of the u128 value 1 (little-endian), after the addresses.
const VALUE_OFFSET: i32 = 32 * 6;
/// Offset of the input bytes copied into memory.
const BYTES_OFFSET: i32 = 256;

fn address(n: u64) -> H160 {
    H160::from_low_u64_be(n)
}

/// An i32 argument: a prepared slot, a boundary, or anything.
fn i32_arg(u: &mut Unstructured<'_>) -> i32 {
    const SPECIAL: [i32; 12] = [
        0,
        1,
        20,
        32,
        BYTES_OFFSET,
        VALUE_OFFSET,
        65_536 - 32,
        65_536 - 20,
        65_536,
        -1,
        i32::MAX,
        i32::MIN,
    ];
    match u.int_in_range(0u8..=3).unwrap_or(0) {
        0 => u.int_in_range(0..=5).map(|slot| slot * 32).unwrap_or(0),
        1 => u.choose(&SPECIAL).copied().unwrap_or(0),
        2 => u.int_in_range(0..=300).unwrap_or(0),
        _ => u.arbitrary().unwrap_or(0),
    }
}

/// An i64 argument (gas to forward, a block number, an amount of gas to use).
fn i64_arg(u: &mut Unstructured<'_>) -> i64 {
    const SPECIAL: [i64; 7] = [0, 1, 2_300, 100_000, -1, i64::MAX, i64::MIN];
    match u.int_in_range(0u8..=2).unwrap_or(0) {
        0 => u.choose(&SPECIAL).copied().unwrap_or(0),
        1 => u.int_in_range(0..=1_000_000).unwrap_or(0),
        _ => u.arbitrary().unwrap_or(0),
    }
}

fn val_type(ty: WasmType) -> ValType {
    match ty {
        WasmType::I32 => ValType::I32,
        WasmType::I64 => ValType::I64,
    }
}

/// The contract `u` describes: all EEI imports, a prepared memory, and `main` calling a
/// sequence of them.
pub fn contract(u: &mut Unstructured<'_>) -> Vec<u8> {
    let mut types = TypeSection::new();
    let mut imports = ImportSection::new();
    for (index, host) in (0u32..).zip(EEI_FUNCTIONS.iter()) {
        types.ty().function(
            host.params.iter().copied().map(val_type),
            host.results.iter().copied().map(val_type),
        );
        imports.import(ETHEREUM_MODULE, host.name, EntityType::Function(index));
    }
    let imported = u32::try_from(EEI_FUNCTIONS.len()).unwrap_or(u32::MAX);
    types.ty().function([], []);
    let mut functions = FunctionSection::new();
    functions.function(imported);
    let mut memories = MemorySection::new();
    memories.memory(MemoryType {
        minimum: 1,
        maximum: Some(2),
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    let mut exports = ExportSection::new();
    exports.export("main", ExportKind::Func, imported);
    exports.export("memory", ExportKind::Memory, 0);

    let mut prepared = vec![0u8; usize::try_from(BYTES_OFFSET).unwrap_or(256)];
    for (slot, n) in prepared.chunks_mut(32).zip(SLOTS) {
        if let Some(dest) = slot.get_mut(..20) {
            dest.copy_from_slice(address(n).as_bytes());
        }
    }
    if let Some(value) = prepared.get_mut(usize::try_from(VALUE_OFFSET).unwrap_or(0)) {
        *value = 1;
    }
    let len = u.int_in_range(0..=128).unwrap_or(0);
    prepared.extend(u.bytes(len).unwrap_or_default());
    let mut data = DataSection::new();
    data.active(0, &ConstExpr::i32_const(0), prepared);

    let mut main = Function::new([]);
    let calls = u.int_in_range(1..=12).unwrap_or(1);
    for _ in 0..calls {
        let Ok(host) = u.choose_index(EEI_FUNCTIONS.len()) else {
            break;
        };
        let Some(function) = EEI_FUNCTIONS.get(host) else {
            break;
        };
        for param in function.params {
            match param {
                WasmType::I32 => main.instruction(&Instruction::I32Const(i32_arg(u))),
                WasmType::I64 => main.instruction(&Instruction::I64Const(i64_arg(u))),
            };
        }
        main.instruction(&Instruction::Call(u32::try_from(host).unwrap_or(0)));
        for _ in function.results {
            main.instruction(&Instruction::Drop);
        }
    }
    main.instruction(&Instruction::End);
    let mut code = CodeSection::new();
    code.function(&main);

    let mut module = Module::new();
    module
        .section(&types)
        .section(&imports)
        .section(&functions)
        .section(&memories)
        .section(&exports)
        .section(&code)
        .section(&data);
    module.finish()
}

fn state_with(code: &[u8]) -> InMemoryState {
    let mut state = InMemoryState::default();
    let code = Bytecode::new(code);
    let account = |balance: u64, code: Bytecode| Account {
        basic: BasicAccount {
            nonce: 0,
            balance: U256::from(balance),
            code,
        },
        ..Account::default()
    };
    state.accounts.insert(
        address(SENDER),
        account(SENDER_BALANCE, Bytecode::default()),
    );
    state
        .accounts
        .insert(address(CONTRACT), account(1_000, code.clone()));
    state.accounts.insert(address(TWIN), account(0, code));
    state
}

fn total_balance(state: &InMemoryState) -> U256 {
    state
        .accounts
        .values()
        .fold(U256::zero(), |sum, account| sum + account.basic.balance)
}

/// Runs one fuzz input.
pub fn check(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let code = contract(&mut u);
    let gas_limit = u.int_in_range(21_000..=2_000_000).unwrap_or(100_000);
    let value = u.int_in_range(0u64..=2).unwrap_or(0);
    let call_data_len = u.int_in_range(0..=64).unwrap_or(0);
    let call_data = u.bytes(call_data_len).unwrap_or_default().to_vec();
    let tx = Transaction {
        sender: address(SENDER),
        to: Some(address(CONTRACT)),
        nonce: 0,
        gas_limit,
        gas_price: U256::one(),
        value: U256::from(value),
        data: call_data,
        ..Transaction::default()
    };
    let block = BlockInfo {
        coinbase: address(COINBASE),
        number: 10,
        timestamp: 1_700_000_000,
        gas_limit: 30_000_000,
        ..BlockInfo::default()
    };
    crate::engine::with_engine(|engine| {
        let start = state_with(&code);
        let before = total_balance(&start);
        let mut first = start.clone();
        let receipt = execute_transaction(engine, &mut first, &block, &|_| Ok(None), &tx);
        let receipt = match receipt {
            Ok(receipt) => receipt,
            Err(TxError::IntrinsicGas { .. }) => return,
            Err(err) => panic!("a well-formed transaction was not executed: {err}"),
        };
        assert!(
            receipt.gas_used <= gas_limit,
            "used {} > limit {gas_limit}",
            receipt.gas_used
        );
        if receipt.status == CallStatus::Failure {
            assert_eq!(
                receipt.gas_used, gas_limit,
                "a failed frame must use all its gas: {:?}",
                receipt.failure
            );
        }
        if let Some(failure) = &receipt.failure {
            assert!(
                !failure.contains("panick"),
                "failure reports a panic: {failure}"
            );
        }
        // Byzantium burns the balance of an account that self-destructs with itself as the
        // beneficiary (and whatever it received before), so value is conserved exactly unless
        // a contract is gone afterwards; it is never created in any case.
        let after = total_balance(&first);
        let destroyed = [CONTRACT, TWIN]
            .iter()
            .any(|n| !first.accounts.contains_key(&address(*n)));
        if destroyed {
            assert!(
                after <= before,
                "value created: {before} before, {after} after"
            );
        } else {
            assert_eq!(after, before, "value is not conserved");
        }
        let mut second = start.clone();
        let again = execute_transaction(engine, &mut second, &block, &|_| Ok(None), &tx);
        assert_eq!(again.as_ref().ok(), Some(&receipt), "second run differs");
        assert_eq!(second, first, "second run leaves another state");
    });
}
