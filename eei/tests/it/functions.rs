//! The 33 EEI functions against a mock host, a `Vec`-backed memory and a plain gas counter.
//!
//! Gas figures are checked exactly, because they are consensus: every test states what was
//! charged and, where it matters, in which order relative to a result or a side effect.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use primitive_types::{H160, H256, U256};
use proptest::prelude::*;
use rewasm_eei::functions::{Eei, MAX_CALL_DEPTH};
use rewasm_eei::gas::{Access, CodeLoads, HostPrices, StateAccess};
use rewasm_eei::{
    Address, BlockInfo, CallKind, CallMessage, CallOutcome, CallStatus, CodeAccess, CreateOutcome,
    FrameInfo, Gas, Host, HostExit, Memory, Refusal, RefusedFrame, TxInfo,
};

// ---------------------------------------------------------------------------------------------
// Mocks

#[derive(Debug)]
struct MockHost {
    frame: FrameInfo,
    tx: TxInfo,
    block: BlockInfo,
    storage: HashMap<H256, H256>,
    /// Slot values at the transaction's start (zero when absent).
    originals: HashMap<H256, H256>,
    stores: Vec<(H256, H256)>,
    refunds: u64,
    /// Accounts and slots already accessed (EIP-2929).
    warm_accounts: HashSet<Address>,
    warm_slots: HashSet<H256>,
    balances: HashMap<Address, U256>,
    alive: HashSet<Address>,
    codes: HashMap<Address, Arc<[u8]>>,
    block_hashes: HashMap<u64, H256>,
    calls: Vec<CallMessage>,
    /// Status, output and gas left (`None`: all of it) of every nested call.
    call_status: CallStatus,
    call_output: Vec<u8>,
    call_gas_left: Option<u64>,
    creates: Vec<(U256, Vec<u8>, u64)>,
    refused: Vec<RefusedFrame>,
    create_status: CallStatus,
    create_address: Option<Address>,
    create_output: Vec<u8>,
    create_gas_left: Option<u64>,
    logs: Vec<(Vec<H256>, Vec<u8>)>,
    destructed: Vec<Address>,
    prices: HostPrices,
    /// What `code_access` answers, the addresses it was asked about, and those counted.
    code_access: CodeAccess,
    code_accesses: Vec<Address>,
    counted_codes: Vec<Address>,
    printed: Vec<String>,
}

const SELF: Address = H160([0xaa; 20]);
const CALLER: Address = H160([0xcc; 20]);
const TARGET: Address = H160([0x77; 20]);
const NEW_CONTRACT: Address = H160([0x55; 20]);

impl Default for MockHost {
    fn default() -> Self {
        Self {
            frame: FrameInfo {
                address: SELF,
                caller: CALLER,
                value: U256::zero(),
                input: Arc::from(&b"call data, 32 bytes long......!!"[..]),
                code: Arc::from(&b"\0asm\x01\0\0\0the code"[..]),
                is_static: false,
                depth: 0,
            },
            tx: TxInfo {
                origin: H160([0x0e; 20]),
                gas_price: U256::from(0x0102_0304u64),
            },
            block: BlockInfo {
                coinbase: H160([0xcb; 20]),
                number: 1_000,
                timestamp: 1_600_000_000,
                gas_limit: 8_000_000,
                difficulty: U256::from(0x0002_0000u64),
                base_fee: Default::default(),
            },
            storage: HashMap::new(),
            originals: HashMap::new(),
            stores: Vec::new(),
            refunds: 0,
            warm_accounts: HashSet::new(),
            warm_slots: HashSet::new(),
            balances: HashMap::from([(SELF, U256::from(1_000_000u64))]),
            alive: HashSet::from([SELF, CALLER, TARGET]),
            codes: HashMap::from([(TARGET, Arc::from(&b"target code!"[..]))]),
            block_hashes: HashMap::from([(999, H256([0x99; 32]))]),
            calls: Vec::new(),
            call_status: CallStatus::Success,
            call_output: b"callee output".to_vec(),
            call_gas_left: None,
            creates: Vec::new(),
            refused: Vec::new(),
            create_status: CallStatus::Success,
            create_address: Some(NEW_CONTRACT),
            create_output: Vec::new(),
            create_gas_left: None,
            logs: Vec::new(),
            destructed: Vec::new(),
            prices: HostPrices::REFERENCE,
            code_access: CodeAccess::Warm,
            code_accesses: Vec::new(),
            counted_codes: Vec::new(),
            printed: Vec::new(),
        }
    }
}

impl Host for MockHost {
    fn frame(&self) -> &FrameInfo {
        &self.frame
    }
    fn debug_print(&mut self, text: String) {
        self.printed.push(text);
    }
    fn tx(&self) -> &TxInfo {
        &self.tx
    }
    fn block(&self) -> &BlockInfo {
        &self.block
    }
    fn storage_load(&mut self, key: &H256) -> H256 {
        self.storage.get(key).copied().unwrap_or_default()
    }
    fn storage_store(&mut self, key: &H256, value: &H256) -> H256 {
        self.stores.push((*key, *value));
        self.storage.insert(*key, *value).unwrap_or_default()
    }
    fn original_storage(&mut self, key: &H256) -> H256 {
        self.originals.get(key).copied().unwrap_or_default()
    }
    fn add_refund(&mut self, amount: u64) {
        self.refunds += amount;
    }
    fn sub_refund(&mut self, amount: u64) {
        self.refunds = self.refunds.saturating_sub(amount);
    }
    fn access_account(&mut self, address: &Address) -> Access {
        if self.warm_accounts.insert(*address) {
            Access::Cold
        } else {
            Access::Warm
        }
    }
    fn access_slot(&mut self, key: &H256) -> Access {
        if self.warm_slots.insert(*key) {
            Access::Cold
        } else {
            Access::Warm
        }
    }
    fn balance(&mut self, address: &Address) -> U256 {
        self.balances.get(address).copied().unwrap_or_default()
    }
    fn is_alive(&mut self, address: &Address) -> bool {
        self.alive.contains(address)
    }
    fn code(&mut self, address: &Address) -> Arc<[u8]> {
        self.codes
            .get(address)
            .cloned()
            .unwrap_or_else(|| Arc::from(&[][..]))
    }
    fn block_hash(&mut self, number: u64) -> Option<H256> {
        self.block_hashes.get(&number).copied()
    }
    fn prices(&self) -> HostPrices {
        self.prices
    }
    fn code_access(&mut self, address: &Address) -> CodeAccess {
        self.code_accesses.push(*address);
        self.code_access
    }
    fn count_code(&mut self, address: &Address) {
        self.counted_codes.push(*address);
    }
    fn call(&mut self, message: CallMessage) -> CallOutcome {
        let gas_left = self.call_gas_left.unwrap_or(message.gas);
        self.calls.push(message);
        CallOutcome {
            status: self.call_status,
            gas_left,
            output: self.call_output.clone(),
        }
    }
    fn create(&mut self, value: U256, init_code: Vec<u8>, gas: u64) -> CreateOutcome {
        self.creates.push((value, init_code, gas));
        CreateOutcome {
            status: self.create_status,
            address: self.create_address,
            gas_left: self.create_gas_left.unwrap_or(gas),
            output: self.create_output.clone(),
        }
    }
    fn refused(&mut self, frame: RefusedFrame) {
        self.refused.push(frame);
    }
    fn log(&mut self, topics: Vec<H256>, data: Vec<u8>) {
        self.logs.push((topics, data));
    }
    fn self_destruct(&mut self, beneficiary: &Address) {
        self.destructed.push(*beneficiary);
    }
}

/// Linear memory; like wasm, an access ending past the end traps even when it is empty.
#[derive(Debug)]
struct VecMemory(Vec<u8>);

impl VecMemory {
    fn range(&self, offset: u32, len: usize) -> Result<std::ops::Range<usize>, HostExit> {
        let start = offset as usize;
        match start.checked_add(len) {
            Some(end) if end <= self.0.len() => Ok(start..end),
            _ => Err(HostExit::OutOfBounds {
                offset: offset.into(),
                len: len as u64,
            }),
        }
    }
}

impl Memory for VecMemory {
    fn read(&self, offset: u32, len: u32) -> Result<Vec<u8>, HostExit> {
        let range = self.range(offset, len as usize)?;
        Ok(self.0[range].to_vec())
    }
    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), HostExit> {
        let range = self.range(offset, bytes.len())?;
        self.0[range].copy_from_slice(bytes);
        Ok(())
    }
}

#[derive(Debug)]
struct Meter {
    left: u64,
}

impl Gas for Meter {
    fn charge(&mut self, amount: u64) -> Result<(), HostExit> {
        if amount > self.left {
            return Err(HostExit::OutOfGas);
        }
        self.left -= amount;
        Ok(())
    }
    fn left(&mut self) -> u64 {
        self.left
    }
    fn refund(&mut self, amount: u64) {
        self.left = self.left.checked_add(amount).expect("gas overflow");
    }
}

const MEMORY: usize = 1024;
const GAS: u64 = 1_000_000;

#[derive(Debug)]
struct Fixture {
    host: MockHost,
    memory: VecMemory,
    gas: Meter,
    start: u64,
    return_data: Vec<u8>,
}

impl Fixture {
    fn new() -> Self {
        Self::with_gas(GAS)
    }

    fn with_gas(gas: u64) -> Self {
        Self {
            host: MockHost::default(),
            memory: VecMemory(vec![0; MEMORY]),
            gas: Meter { left: gas },
            start: gas,
            return_data: b"previous".to_vec(),
        }
    }

    fn eei(&mut self) -> Eei<'_, MockHost, VecMemory, Meter> {
        Eei::new(
            &mut self.host,
            &mut self.memory,
            &mut self.gas,
            &mut self.return_data,
        )
    }

    fn used(&self) -> u64 {
        self.start - self.gas.left
    }

    fn mem(&self, offset: usize, len: usize) -> &[u8] {
        &self.memory.0[offset..offset + len]
    }

    fn put(&mut self, offset: usize, bytes: &[u8]) {
        self.memory.0[offset..offset + bytes.len()].copy_from_slice(bytes);
    }

    /// Writes `value` as u128 LE at `offset`.
    fn put_u128(&mut self, offset: usize, value: u128) {
        self.put(offset, &value.to_le_bytes());
    }
}

/// An `i32` argument standing for the `u32` `value`.
fn arg(value: u32) -> i32 {
    value as i32
}

fn is_oob(result: Result<impl std::fmt::Debug, HostExit>) -> bool {
    matches!(result, Err(HostExit::OutOfBounds { .. }))
}

fn is_invalid(result: Result<impl std::fmt::Debug, HostExit>) -> bool {
    matches!(result, Err(HostExit::InvalidArgument { .. }))
}

const MEM_END: i32 = MEMORY as i32;

// ---------------------------------------------------------------------------------------------
// Gas

#[test]
fn use_gas_charges_the_amount() {
    let mut fx = Fixture::new();
    assert_eq!(fx.eei().use_gas(0), Ok(()));
    assert_eq!(fx.eei().use_gas(12_345), Ok(()));
    assert_eq!(fx.used(), 12_345);
    assert_eq!(fx.eei().use_gas(GAS as i64), Err(HostExit::OutOfGas));
    assert_eq!(fx.eei().use_gas(i64::MAX), Err(HostExit::OutOfGas));
}

#[test]
fn use_gas_negative_traps() {
    let mut fx = Fixture::new();
    assert!(is_invalid(fx.eei().use_gas(-1)));
    assert!(is_invalid(fx.eei().use_gas(i64::MIN)));
    assert_eq!(fx.used(), 0);
}

#[test]
fn get_gas_left_charges_before_reading() {
    let mut fx = Fixture::with_gas(100);
    assert_eq!(fx.eei().get_gas_left(), Ok(98));
    assert_eq!(fx.eei().get_gas_left(), Ok(96));
    let mut fx = Fixture::with_gas(2);
    assert_eq!(fx.eei().get_gas_left(), Ok(0));
    let mut fx = Fixture::with_gas(1);
    assert_eq!(fx.eei().get_gas_left(), Err(HostExit::OutOfGas));
}

// ---------------------------------------------------------------------------------------------
// Simple getters

#[test]
fn address_getters_write_20_raw_bytes_for_2_gas() {
    let mut fx = Fixture::new();
    fx.eei().get_address(10).unwrap();
    assert_eq!(fx.mem(10, 20), SELF.as_bytes());
    fx.eei().get_caller(40).unwrap();
    assert_eq!(fx.mem(40, 20), CALLER.as_bytes());
    fx.eei().get_tx_origin(70).unwrap();
    assert_eq!(fx.mem(70, 20), &[0x0e; 20]);
    fx.eei().get_block_coinbase(100).unwrap();
    assert_eq!(fx.mem(100, 20), &[0xcb; 20]);
    assert_eq!(fx.used(), 8);
    // The last 20 bytes of memory are fine, one further is not.
    fx.eei().get_address(MEM_END - 20).unwrap();
    assert!(is_oob(fx.eei().get_address(MEM_END - 19)));
    assert!(is_oob(fx.eei().get_caller(-1)));
    assert!(is_oob(fx.eei().get_tx_origin(i32::MAX)));
    assert!(is_oob(fx.eei().get_block_coinbase(i32::MIN)));
}

#[test]
fn getters_run_out_of_gas_before_writing() {
    let mut fx = Fixture::with_gas(1);
    assert_eq!(fx.eei().get_address(0), Err(HostExit::OutOfGas));
    assert_eq!(fx.eei().get_caller(0), Err(HostExit::OutOfGas));
    assert_eq!(fx.eei().get_call_value(0), Err(HostExit::OutOfGas));
    assert_eq!(fx.eei().get_block_difficulty(0), Err(HostExit::OutOfGas));
    assert_eq!(fx.eei().get_block_number(), Err(HostExit::OutOfGas));
    assert_eq!(fx.eei().get_return_data_size(), Err(HostExit::OutOfGas));
    assert!(fx.memory.0.iter().all(|&byte| byte == 0));
}

#[test]
fn block_scalars() {
    let mut fx = Fixture::new();
    assert_eq!(fx.eei().get_block_number(), Ok(1_000));
    assert_eq!(fx.eei().get_block_timestamp(), Ok(1_600_000_000));
    assert_eq!(fx.eei().get_block_gas_limit(), Ok(8_000_000));
    assert_eq!(fx.used(), 6);
}

#[test]
fn block_difficulty_is_u256_little_endian() {
    let mut fx = Fixture::new();
    fx.host.block.difficulty = U256::from(0x0102_0304u64) + (U256::one() << 255);
    fx.eei().get_block_difficulty(32).unwrap();
    let mut expected = [0u8; 32];
    expected[..4].copy_from_slice(&[4, 3, 2, 1]);
    expected[31] = 0x80;
    assert_eq!(fx.mem(32, 32), &expected);
    assert_eq!(fx.used(), 2);
    assert!(is_oob(fx.eei().get_block_difficulty(MEM_END - 31)));
}

#[test]
fn sizes() {
    let mut fx = Fixture::new();
    assert_eq!(fx.eei().get_call_data_size(), Ok(32));
    assert_eq!(fx.eei().get_code_size(), Ok(16));
    assert_eq!(fx.eei().get_return_data_size(), Ok(8));
    assert_eq!(fx.used(), 6);
}

// ---------------------------------------------------------------------------------------------
// u128 values

#[test]
fn call_value_is_u128_little_endian() {
    let mut fx = Fixture::new();
    fx.host.frame.value = U256::from(0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10u128);
    fx.eei().get_call_value(0).unwrap();
    assert_eq!(
        fx.mem(0, 16),
        &0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10u128.to_le_bytes()
    );
    assert_eq!(fx.mem(0, 1), &[0x10]);
    assert_eq!(fx.used(), 2);
}

#[test]
fn u128_round_trip_through_call_value_and_call() {
    // What getCallValue writes, call reads back as the same value.
    let mut fx = Fixture::new();
    let value = U256::from(u128::MAX - 12_345);
    fx.host.frame.value = value;
    fx.host.balances.insert(SELF, U256::from(u128::MAX));
    fx.put(0, TARGET.as_bytes());
    fx.eei().get_call_value(32).unwrap();
    assert_eq!(fx.eei().call(0, 0, 32, 0, 0), Ok(0));
    assert_eq!(fx.host.calls[0].value, value);
}

#[test]
fn u128_at_the_limit_is_written_and_one_more_traps() {
    let mut fx = Fixture::new();
    fx.host.frame.value = U256::from(u128::MAX);
    fx.eei().get_call_value(0).unwrap();
    assert_eq!(fx.mem(0, 16), &[0xff; 16]);

    let too_big = U256::from(u128::MAX) + 1;
    let mut fx = Fixture::new();
    fx.host.frame.value = too_big;
    assert!(is_invalid(fx.eei().get_call_value(0)));
    fx.host.tx.gas_price = too_big;
    assert!(is_invalid(fx.eei().get_tx_gas_price(0)));
    fx.host.balances.insert(TARGET, too_big);
    fx.put(100, TARGET.as_bytes());
    assert!(is_invalid(fx.eei().get_external_balance(100, 0)));
    assert_eq!(fx.mem(0, 16), &[0; 16]);
}

#[test]
fn tx_gas_price() {
    let mut fx = Fixture::new();
    fx.eei().get_tx_gas_price(7).unwrap();
    assert_eq!(fx.mem(7, 16), &0x0102_0304u128.to_le_bytes());
    assert_eq!(fx.used(), 2);
    assert!(is_oob(fx.eei().get_tx_gas_price(MEM_END - 15)));
}

#[test]
fn external_balance_costs_400() {
    let mut fx = Fixture::new();
    fx.host.balances.insert(TARGET, U256::from(0xdead_beefu64));
    fx.put(0, TARGET.as_bytes());
    fx.eei().get_external_balance(0, 64).unwrap();
    assert_eq!(fx.mem(64, 16), &0xdead_beefu128.to_le_bytes());
    assert_eq!(fx.used(), 400);
    // A missing account has balance 0.
    fx.put(0, &[0x12; 20]);
    fx.put(64, &[0xff; 16]);
    fx.eei().get_external_balance(0, 64).unwrap();
    assert_eq!(fx.mem(64, 16), &[0; 16]);
    assert!(is_oob(fx.eei().get_external_balance(MEM_END - 19, 0)));
    assert!(is_oob(fx.eei().get_external_balance(0, MEM_END - 15)));
    let mut fx = Fixture::with_gas(399);
    assert_eq!(fx.eei().get_external_balance(0, 0), Err(HostExit::OutOfGas));
}

// ---------------------------------------------------------------------------------------------
// getBlockHash

#[test]
fn block_hash_available_returns_0_and_writes() {
    let mut fx = Fixture::new();
    assert_eq!(fx.eei().get_block_hash(999, 64), Ok(0));
    assert_eq!(fx.mem(64, 32), &[0x99; 32]);
    assert_eq!(fx.used(), 800);
}

#[test]
fn block_hash_unavailable_returns_1_and_leaves_memory_untouched() {
    let mut fx = Fixture::new();
    fx.memory.0.fill(0x5a);
    let before = fx.memory.0.clone();
    assert_eq!(fx.eei().get_block_hash(1_000, 64), Ok(1));
    assert_eq!(fx.eei().get_block_hash(-1, 64), Ok(1));
    assert_eq!(fx.eei().get_block_hash(i64::MIN, 64), Ok(1));
    // A zero hash is "not available", as in Hera.
    fx.host.block_hashes.insert(5, H256::zero());
    assert_eq!(fx.eei().get_block_hash(5, 64), Ok(1));
    assert_eq!(fx.memory.0, before);
    assert_eq!(fx.used(), 4 * 800);
    // Nothing is written, so even a bad pointer is not touched.
    assert_eq!(fx.eei().get_block_hash(1, -1), Ok(1));
}

#[test]
fn block_hash_charges_800_first_and_checks_the_pointer() {
    let mut fx = Fixture::with_gas(799);
    assert_eq!(fx.eei().get_block_hash(999, 0), Err(HostExit::OutOfGas));
    let mut fx = Fixture::new();
    assert!(is_oob(fx.eei().get_block_hash(999, MEM_END - 31)));
}

// ---------------------------------------------------------------------------------------------
// Copies

#[test]
fn call_data_copy_copies_and_charges_3_plus_w() {
    let mut fx = Fixture::new();
    fx.eei().call_data_copy(100, 5, 20).unwrap();
    assert_eq!(fx.mem(100, 20), &b"call data, 32 bytes long......!!"[5..25]);
    assert_eq!(fx.used(), 3 + 3);
    fx.eei().call_data_copy(200, 0, 32).unwrap();
    assert_eq!(fx.mem(200, 32), b"call data, 32 bytes long......!!");
    assert_eq!(fx.used(), 6 + 6);
    fx.eei().call_data_copy(0, 0, 0).unwrap();
    assert_eq!(fx.used(), 12 + 3);
}

#[test]
fn code_copy_uses_the_frame_code() {
    let mut fx = Fixture::new();
    fx.eei().code_copy(0, 8, 8).unwrap();
    assert_eq!(fx.mem(0, 8), b"the code");
    assert_eq!(fx.used(), 6);
}

#[test]
fn return_data_copy_uses_the_buffer() {
    let mut fx = Fixture::new();
    fx.eei().return_data_copy(0, 4, 4).unwrap();
    assert_eq!(fx.mem(0, 4), b"ious");
    assert_eq!(fx.used(), 6);
}

#[test]
fn external_code_copy_charges_700_plus_w() {
    let mut fx = Fixture::new();
    fx.put(0, TARGET.as_bytes());
    fx.eei().external_code_copy(0, 100, 7, 5).unwrap();
    assert_eq!(fx.mem(100, 5), b"code!");
    assert_eq!(fx.used(), 703);
    assert_eq!(fx.eei().get_external_code_size(0), Ok(12));
    assert_eq!(fx.used(), 1403);
    fx.put(0, &[0x42; 20]);
    assert_eq!(fx.eei().get_external_code_size(0), Ok(0));
    assert!(is_oob(fx.eei().get_external_code_size(MEM_END - 19)));
    let mut fx = Fixture::with_gas(702);
    assert_eq!(
        fx.eei().external_code_copy(0, 0, 0, 1),
        Err(HostExit::OutOfGas)
    );
    let mut fx = Fixture::with_gas(699);
    assert_eq!(fx.eei().get_external_code_size(0), Err(HostExit::OutOfGas));
}

/// Runs one copy with the given source offset and length into memory offset 0.
fn copy(fx: &mut Fixture, which: usize, source_offset: i32, length: i32) -> Result<(), HostExit> {
    match which {
        0 => fx.eei().call_data_copy(0, source_offset, length),
        1 => fx.eei().code_copy(0, source_offset, length),
        2 => fx.eei().return_data_copy(0, source_offset, length),
        _ => fx.eei().external_code_copy(900, 0, source_offset, length),
    }
}

fn copy_fixture() -> Fixture {
    let mut fx = Fixture::new();
    fx.put(900, TARGET.as_bytes());
    fx
}

#[test]
fn every_copy_traps_past_the_end_of_its_source() {
    // call data 32, code 16, return data 8, external code 12.
    for (which, size) in [(0, 32), (1, 16), (2, 8), (3, 12)] {
        let mut fx = copy_fixture();
        assert_eq!(copy(&mut fx, which, 0, size), Ok(()), "copy {which}");
        assert_eq!(copy(&mut fx, which, 1, size - 1), Ok(()), "copy {which}");
        assert!(
            is_invalid(copy(&mut fx, which, 0, size + 1)),
            "copy {which}"
        );
        assert!(is_invalid(copy(&mut fx, which, 1, size)), "copy {which}");
        assert!(is_invalid(copy(&mut fx, which, size, 1)), "copy {which}");
        // Gas was charged before the trap, and nothing was written by the trapping copies.
        let mut fx = copy_fixture();
        let before = fx.memory.0.clone();
        assert!(is_invalid(copy(&mut fx, which, size, 1)));
        assert_eq!(fx.memory.0, before, "copy {which}");
        let base = if which == 3 { 700 } else { 3 };
        assert_eq!(fx.used(), base + 3, "copy {which}");
    }
}

#[test]
fn every_copy_traps_on_offset_overflow() {
    for which in 0..4 {
        let mut fx = copy_fixture();
        fx.gas.left = u64::MAX / 2;
        assert!(is_invalid(copy(&mut fx, which, -1, 1)), "copy {which}");
        assert!(
            is_invalid(copy(&mut fx, which, i32::MAX, i32::MAX)),
            "copy {which}"
        );
        assert!(is_invalid(copy(&mut fx, which, 2, -1)), "copy {which}");
        assert!(is_invalid(copy(&mut fx, which, -2, 2)), "copy {which}");
    }
}

#[test]
fn zero_length_copies_follow_hera() {
    // At the very end of the source: fine for all four.
    for (which, size) in [(0, 32), (1, 16), (2, 8), (3, 12)] {
        let mut fx = copy_fixture();
        assert_eq!(copy(&mut fx, which, size, 0), Ok(()), "copy {which}");
        assert_eq!(fx.used(), if which == 3 { 700 } else { 3 });
    }
    // Beyond the end: a trap for the three local sources (offset + 0 > size), not for
    // externalCodeCopy (Hera compares the bytes the host copied, 0, with the 0 asked for).
    for (which, size) in [(0, 32), (1, 16), (2, 8)] {
        let mut fx = copy_fixture();
        assert!(
            is_invalid(copy(&mut fx, which, size + 1, 0)),
            "copy {which}"
        );
        assert!(is_invalid(copy(&mut fx, which, -1, 0)), "copy {which}");
    }
    let mut fx = copy_fixture();
    assert_eq!(copy(&mut fx, 3, 13, 0), Ok(()));
    assert_eq!(copy(&mut fx, 3, -1, 0), Ok(()));
}

#[test]
fn copies_check_the_destination() {
    let mut fx = copy_fixture();
    assert!(is_oob(fx.eei().call_data_copy(MEM_END - 3, 0, 4)));
    assert!(is_oob(fx.eei().code_copy(-1, 0, 1)));
    assert!(is_oob(fx.eei().return_data_copy(MEM_END, 0, 1)));
    assert!(is_oob(fx.eei().external_code_copy(900, MEM_END - 1, 0, 2)));
    // A zero-length copy to just past the end of memory is checked too (the memory decides).
    assert!(is_oob(fx.eei().call_data_copy(MEM_END + 1, 0, 0)));
    assert!(is_oob(fx.eei().external_code_copy(900, MEM_END + 1, 0, 0)));
    assert_eq!(fx.eei().call_data_copy(MEM_END, 0, 0), Ok(()));
}

#[test]
fn copies_charge_before_copying_and_huge_lengths_run_out_of_gas() {
    // W(2^32 − 1) = 3 × 2^27: far more than there is.
    let mut fx = copy_fixture();
    for which in 0..4 {
        assert_eq!(copy(&mut fx, which, 0, -1), Err(HostExit::OutOfGas));
    }
    assert_eq!(fx.used(), 0);
    // Exactly enough for 3 + W(33) = 9, then one short.
    let mut fx = Fixture::with_gas(9);
    fx.host.frame.input = Arc::from(vec![1u8; 64]);
    assert_eq!(fx.eei().call_data_copy(0, 0, 33), Ok(()));
    assert_eq!(fx.mem(0, 34), &[[1u8; 33].as_slice(), &[0]].concat());
    let mut fx = Fixture::with_gas(8);
    fx.host.frame.input = Arc::from(vec![1u8; 64]);
    assert_eq!(fx.eei().call_data_copy(0, 0, 33), Err(HostExit::OutOfGas));
    assert_eq!(fx.mem(0, 33), &[0; 33]);
}

// ---------------------------------------------------------------------------------------------
// Storage

fn key(byte: u8) -> H256 {
    H256([byte; 32])
}

#[test]
fn storage_load_costs_200() {
    let mut fx = Fixture::new();
    fx.host.storage.insert(key(1), key(0xab));
    fx.put(0, key(1).as_bytes());
    fx.eei().storage_load(0, 32).unwrap();
    assert_eq!(fx.mem(32, 32), key(0xab).as_bytes());
    assert_eq!(fx.used(), 200);
    assert!(is_oob(fx.eei().storage_load(MEM_END - 31, 0)));
    assert!(is_oob(fx.eei().storage_load(0, MEM_END - 31)));
}

#[test]
fn storage_store_zero_to_non_zero_costs_20000() {
    let mut fx = Fixture::new();
    fx.put(0, key(1).as_bytes());
    fx.put(32, key(2).as_bytes());
    fx.eei().storage_store(0, 32).unwrap();
    assert_eq!(fx.host.storage[&key(1)], key(2));
    assert_eq!(fx.used(), 20_000);
    assert_eq!(fx.host.refunds, 0);
}

#[test]
fn storage_store_non_zero_to_non_zero_costs_5000() {
    let mut fx = Fixture::new();
    fx.host.storage.insert(key(1), key(9));
    fx.put(0, key(1).as_bytes());
    fx.put(32, key(2).as_bytes());
    fx.eei().storage_store(0, 32).unwrap();
    assert_eq!(fx.host.storage[&key(1)], key(2));
    assert_eq!(fx.used(), 5_000);
    assert_eq!(fx.host.refunds, 0);
}

#[test]
fn storage_store_clearing_costs_5000_and_refunds_15000() {
    let mut fx = Fixture::new();
    fx.host.storage.insert(key(1), key(9));
    fx.put(0, key(1).as_bytes());
    fx.eei().storage_store(0, 32).unwrap();
    assert_eq!(fx.host.storage[&key(1)], H256::zero());
    assert_eq!(fx.used(), 5_000);
    assert_eq!(fx.host.refunds, 15_000);
}

#[test]
fn storage_store_zero_to_zero_costs_5000_without_refund() {
    let mut fx = Fixture::new();
    fx.put(0, key(1).as_bytes());
    fx.eei().storage_store(0, 32).unwrap();
    assert_eq!(fx.used(), 5_000);
    assert_eq!(fx.host.refunds, 0);
}

#[test]
fn storage_store_out_of_gas_writes_nothing() {
    // Enough for 5000, not for 20000: the trap comes before the write.
    let mut fx = Fixture::with_gas(19_999);
    fx.put(0, key(1).as_bytes());
    fx.put(32, key(2).as_bytes());
    assert_eq!(fx.eei().storage_store(0, 32), Err(HostExit::OutOfGas));
    assert!(fx.host.stores.is_empty());
    let mut fx = Fixture::with_gas(4_999);
    assert_eq!(fx.eei().storage_store(0, 32), Err(HostExit::OutOfGas));
    assert!(fx.host.stores.is_empty());
}

#[test]
fn storage_store_checks_pointers_before_writing() {
    let mut fx = Fixture::new();
    assert!(is_oob(fx.eei().storage_store(MEM_END - 31, 0)));
    assert!(is_oob(fx.eei().storage_store(0, -1)));
    assert!(fx.host.stores.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Static mode

fn static_fixture() -> Fixture {
    let mut fx = Fixture::new();
    fx.host.frame.is_static = true;
    fx.put(0, TARGET.as_bytes());
    fx.put_u128(32, 1);
    fx
}

#[test]
fn storage_store_in_static_mode_is_a_violation() {
    let mut fx = static_fixture();
    assert!(matches!(
        fx.eei().storage_store(64, 96),
        Err(HostExit::StaticViolation(_))
    ));
    assert!(fx.host.stores.is_empty());
}

#[test]
fn log_in_static_mode_charges_then_fails() {
    let mut fx = static_fixture();
    assert!(matches!(
        fx.eei().log(0, 10, 2, 0, 0, 0, 0),
        Err(HostExit::StaticViolation(_))
    ));
    assert_eq!(fx.used(), 375 + 2 * 375 + 8 * 10);
    assert!(fx.host.logs.is_empty());
    // Without the gas for it, it is out of gas instead (both consume everything anyway).
    let mut fx = static_fixture();
    fx.gas.left = 374;
    assert_eq!(fx.eei().log(0, 0, 0, 0, 0, 0, 0), Err(HostExit::OutOfGas));
}

#[test]
fn create_in_static_mode_is_a_violation() {
    let mut fx = static_fixture();
    assert!(matches!(
        fx.eei().create(64, 0, 0, 0),
        Err(HostExit::StaticViolation(_))
    ));
    assert_eq!(fx.used(), 32_000);
    assert!(fx.host.creates.is_empty());
}

#[test]
fn self_destruct_in_static_mode_is_a_violation() {
    let mut fx = static_fixture();
    assert!(matches!(
        fx.eei().self_destruct(0),
        Err(HostExit::StaticViolation(_))
    ));
    assert!(fx.host.destructed.is_empty());
}

#[test]
fn value_call_in_static_mode_is_a_violation() {
    let mut fx = static_fixture();
    assert!(matches!(
        fx.eei().call(1_000, 0, 32, 0, 0),
        Err(HostExit::StaticViolation(_))
    ));
    // Before anything is charged (the check precedes the 700).
    assert_eq!(fx.used(), 0);
    assert!(fx.host.calls.is_empty());
    // Value 0 is fine in static mode; so are callCode with value (EIP-214), callStatic and
    // callDelegate.
    assert_eq!(fx.eei().call(1_000, 0, 64, 0, 0), Ok(0));
    assert_eq!(fx.eei().call_code(1_000, 0, 32, 0, 0), Ok(0));
    assert_eq!(fx.eei().call_static(1_000, 0, 0, 0), Ok(0));
    assert_eq!(fx.eei().call_delegate(1_000, 0, 0, 0), Ok(0));
    assert_eq!(fx.host.calls.len(), 4);
}

// ---------------------------------------------------------------------------------------------
// log

#[test]
fn log_reads_topics_and_data() {
    let mut fx = Fixture::new();
    for (index, offset) in [100usize, 200, 300, 400].into_iter().enumerate() {
        fx.put(offset, key(index as u8 + 1).as_bytes());
    }
    fx.put(0, b"hello");
    fx.eei().log(0, 5, 4, 100, 200, 300, 400).unwrap();
    assert_eq!(
        fx.host.logs,
        vec![(vec![key(1), key(2), key(3), key(4)], b"hello".to_vec())]
    );
    assert_eq!(fx.used(), 375 + 4 * 375 + 5 * 8);
    // Unused topic offsets are never read, even when they are out of bounds.
    fx.eei().log(0, 0, 1, 300, -1, -1, -1).unwrap();
    assert_eq!(fx.host.logs[1], (vec![key(3)], Vec::new()));
    fx.eei().log(0, 5, 0, -1, -1, -1, -1).unwrap();
    assert_eq!(fx.host.logs[2], (vec![], b"hello".to_vec()));
}

#[test]
fn log_with_more_than_4_topics_traps_after_charging() {
    let mut fx = Fixture::new();
    assert!(is_invalid(fx.eei().log(0, 1, 5, 0, 0, 0, 0)));
    assert_eq!(fx.used(), 375 + 5 * 375 + 8);
    // A "negative" count is a huge one: out of gas.
    assert_eq!(fx.eei().log(0, 0, -1, 0, 0, 0, 0), Err(HostExit::OutOfGas));
    assert!(fx.host.logs.is_empty());
}

#[test]
fn log_bounds() {
    let mut fx = Fixture::new();
    assert!(is_oob(fx.eei().log(MEM_END - 1, 2, 0, 0, 0, 0, 0)));
    assert!(is_oob(fx.eei().log(0, 0, 1, MEM_END - 31, 0, 0, 0)));
    assert!(is_oob(fx.eei().log(0, 0, 2, 0, MEM_END - 31, 0, 0)));
    // Zero-length data past the end of memory: the memory checks it (Hera does).
    assert!(is_oob(fx.eei().log(MEM_END + 1, 0, 0, 0, 0, 0, 0)));
    assert!(fx.host.logs.is_empty());
    // Huge data lengths run out of gas before memory is looked at.
    assert_eq!(fx.eei().log(0, -1, 0, 0, 0, 0, 0), Err(HostExit::OutOfGas));
}

// ---------------------------------------------------------------------------------------------
// finish, revert, selfDestruct

#[test]
fn finish_and_revert_carry_their_data() {
    let mut fx = Fixture::new();
    fx.put(10, b"output");
    assert_eq!(
        fx.eei().finish(10, 6),
        Err(HostExit::Finish(b"output".to_vec()))
    );
    assert_eq!(
        fx.eei().revert(12, 4),
        Err(HostExit::Revert(b"tput".to_vec()))
    );
    assert_eq!(fx.eei().finish(0, 0), Err(HostExit::Finish(Vec::new())));
    assert_eq!(
        fx.eei().revert(MEM_END, 0),
        Err(HostExit::Revert(Vec::new()))
    );
    assert_eq!(fx.used(), 0);
    assert!(is_oob(fx.eei().finish(MEM_END - 1, 2)));
    assert!(is_oob(fx.eei().revert(-1, 1)));
    assert!(is_oob(fx.eei().finish(MEM_END + 1, 0)));
    assert!(is_oob(fx.eei().revert(0, -1)));
}

#[test]
fn self_destruct_to_a_live_account_costs_5000() {
    let mut fx = Fixture::new();
    fx.put(0, TARGET.as_bytes());
    assert_eq!(fx.eei().self_destruct(0), Err(HostExit::SelfDestruct));
    assert_eq!(fx.host.destructed, vec![TARGET]);
    assert_eq!(fx.used(), 5_000);
    // The 24000 refund is the host's (once per account), not the EEI's.
    assert_eq!(fx.host.refunds, 0);
}

#[test]
fn self_destruct_to_a_dead_account_costs_30000() {
    let mut fx = Fixture::new();
    fx.put(0, &[0x42; 20]);
    assert_eq!(fx.eei().self_destruct(0), Err(HostExit::SelfDestruct));
    assert_eq!(fx.used(), 30_000);
    // As in Hera, whether or not the account has a balance.
    let mut fx = Fixture::new();
    fx.host.balances.clear();
    fx.put(0, &[0x42; 20]);
    assert_eq!(fx.eei().self_destruct(0), Err(HostExit::SelfDestruct));
    assert_eq!(fx.used(), 30_000);
}

#[test]
fn self_destruct_runs_out_of_gas_before_destroying() {
    let mut fx = Fixture::with_gas(29_999);
    fx.put(0, &[0x42; 20]);
    assert_eq!(fx.eei().self_destruct(0), Err(HostExit::OutOfGas));
    assert!(fx.host.destructed.is_empty());
    let mut fx = Fixture::new();
    assert!(is_oob(fx.eei().self_destruct(MEM_END - 19)));
    assert!(fx.host.destructed.is_empty());
}

// ---------------------------------------------------------------------------------------------
// call, callCode, callDelegate, callStatic

/// Memory layout for calls: target address at 0, value at 32, data at 64.
fn call_fixture(gas: u64, value: u128) -> Fixture {
    let mut fx = Fixture::with_gas(gas);
    fx.put(0, TARGET.as_bytes());
    fx.put_u128(32, value);
    fx.put(64, b"input");
    fx
}

#[test]
fn call_passes_the_message_and_returns_the_status() {
    let mut fx = call_fixture(GAS, 0);
    assert_eq!(fx.eei().call(50_000, 0, 32, 64, 5), Ok(0));
    assert_eq!(
        fx.host.calls,
        vec![CallMessage {
            kind: CallKind::Call,
            gas: 50_000,
            to: TARGET,
            value: U256::zero(),
            input: b"input".to_vec(),
        }]
    );
    // The callee used nothing: only the 700 is gone.
    assert_eq!(fx.used(), 700);
    for (status, code) in [
        (CallStatus::Success, 0),
        (CallStatus::Failure, 1),
        (CallStatus::Revert, 2),
    ] {
        fx.host.call_status = status;
        assert_eq!(fx.eei().call(1, 0, 32, 64, 5), Ok(code));
        assert_eq!(fx.eei().call_code(1, 0, 32, 64, 5), Ok(code));
        assert_eq!(fx.eei().call_delegate(1, 0, 64, 5), Ok(code));
        assert_eq!(fx.eei().call_static(1, 0, 64, 5), Ok(code));
    }
}

#[test]
fn code_loads_charge_the_first_call_into_a_code_and_bound_their_number() {
    let loads = CodeLoads {
        cold: 4_000,
        cold_per_byte: 3,
        target_allowance: 0,
        max_per_transaction: 8,
    };
    // Hera's schedule never asks.
    let mut fx = call_fixture(GAS, 0);
    fx.host.code_access = CodeAccess::Cold { len: 100 };
    assert_eq!(fx.eei().call(50_000, 0, 32, 64, 5), Ok(0));
    assert_eq!(fx.used(), 700);
    assert!(fx.host.code_accesses.is_empty());

    let with_loads = |access| {
        let mut fx = call_fixture(GAS, 0);
        fx.host.prices.code_loads = Some(loads);
        fx.host.code_access = access;
        fx
    };
    let mut fx = with_loads(CodeAccess::Cold { len: 100 });
    assert_eq!(fx.eei().call(50_000, 0, 32, 64, 5), Ok(0));
    assert_eq!(fx.used(), 700 + 4_000 + 3 * 100);
    assert_eq!(fx.host.code_accesses, vec![TARGET]);
    assert_eq!(fx.host.counted_codes, vec![TARGET]);
    let mut fx = with_loads(CodeAccess::Warm);
    assert_eq!(fx.eei().call_static(50_000, 0, 64, 5), Ok(0));
    assert_eq!(fx.used(), 700);
    assert!(fx.host.counted_codes.is_empty());
    // One code too many: 1, like a call beyond the depth limit; nothing forwarded, no call.
    let mut fx = with_loads(CodeAccess::OverLimit);
    assert_eq!(fx.eei().call(50_000, 0, 32, 64, 5), Ok(1));
    assert_eq!(fx.eei().call_code(50_000, 0, 32, 64, 5), Ok(1));
    assert_eq!(fx.eei().call_delegate(50_000, 0, 64, 5), Ok(1));
    assert_eq!(fx.eei().call_static(50_000, 0, 64, 5), Ok(1));
    assert_eq!(fx.used(), 4 * 700);
    assert!(fx.host.calls.is_empty());
    assert_eq!(fx.host.code_accesses.len(), 4);
    // Out of gas for the load: the call traps before the callee runs.
    let mut fx = with_loads(CodeAccess::Cold { len: 100 });
    fx.gas.left = 700 + 4_299;
    assert_eq!(fx.eei().call(0, 0, 32, 64, 5), Err(HostExit::OutOfGas));
    assert!(fx.host.calls.is_empty());
    assert!(fx.host.counted_codes.is_empty(), "not counted unless paid");
    // At the depth limit the code is not asked about (nor counted).
    let mut fx = with_loads(CodeAccess::Cold { len: 100 });
    fx.host.frame.depth = MAX_CALL_DEPTH;
    assert_eq!(fx.eei().call(50_000, 0, 32, 64, 5), Ok(1));
    assert!(fx.host.code_accesses.is_empty());
}

#[test]
fn call_refunds_the_callees_unused_gas() {
    let mut fx = call_fixture(GAS, 0);
    fx.host.call_gas_left = Some(30_000);
    assert_eq!(fx.eei().call(50_000, 0, 32, 64, 5), Ok(0));
    assert_eq!(fx.used(), 700 + 20_000);
    // A host that claims more was left than it was given gets clamped to what it was given.
    let mut fx = call_fixture(GAS, 0);
    fx.host.call_gas_left = Some(u64::MAX);
    assert_eq!(fx.eei().call(50_000, 0, 32, 64, 5), Ok(0));
    assert_eq!(fx.used(), 700);
}

#[test]
fn call_gas_order_out_of_gas_at_700() {
    let mut fx = call_fixture(699, 1);
    assert_eq!(fx.eei().call(0, 0, 32, 64, 5), Err(HostExit::OutOfGas));
    assert!(fx.host.calls.is_empty());
}

#[test]
fn call_gas_order_out_of_gas_at_9000() {
    // 700 paid, 9000 not: out of gas, even though the balance is too small (the balance is
    // looked at only after the 9000).
    let mut fx = call_fixture(700 + 8_999, 1);
    fx.host.balances.insert(SELF, U256::zero());
    assert_eq!(fx.eei().call(0, 0, 32, 64, 5), Err(HostExit::OutOfGas));
    // With the 9000 paid, the small balance is a result (1), not a trap.
    let mut fx = call_fixture(700 + 9_000, 1);
    fx.host.balances.insert(SELF, U256::zero());
    assert_eq!(fx.eei().call(0, 0, 32, 64, 5), Ok(1));
    assert_eq!(fx.used(), 9_700);
    assert!(fx.host.calls.is_empty());
}

#[test]
fn call_gas_order_out_of_gas_at_25000() {
    let mut fx = call_fixture(700 + 9_000 + 24_999, 1);
    fx.host.alive.remove(&TARGET);
    assert_eq!(fx.eei().call(0, 0, 32, 64, 5), Err(HostExit::OutOfGas));
    assert!(fx.host.calls.is_empty());
    let mut fx = call_fixture(700 + 9_000 + 25_000, 1);
    fx.host.alive.remove(&TARGET);
    assert_eq!(fx.eei().call(0, 0, 32, 64, 5), Ok(0));
    // Nothing left to forward: the callee runs on the stipend alone.
    assert_eq!(fx.host.calls[0].gas, 2_300);
    assert_eq!(fx.used(), 34_700 - 2_300);
}

#[test]
fn call_forwarding_never_runs_out_of_gas() {
    // Exactly 700: the call runs with nothing forwarded, whatever was requested.
    let mut fx = call_fixture(700, 0);
    assert_eq!(fx.eei().call(i64::MAX, 0, 32, 64, 5), Ok(0));
    assert_eq!(fx.host.calls[0].gas, 0);
    // 700 + 64: 63 forwarded (64 − 64 / 64).
    let mut fx = call_fixture(764, 0);
    assert_eq!(fx.eei().call(i64::MAX, 0, 32, 64, 5), Ok(0));
    assert_eq!(fx.host.calls[0].gas, 63);
}

#[test]
fn call_forwards_63_64_and_adds_the_stipend() {
    // Value call to a dead account: 700 + 9000 + 25000 charged, then 100000 left.
    let mut fx = call_fixture(700 + 9_000 + 25_000 + 100_000, 5);
    fx.host.alive.remove(&TARGET);
    fx.host.call_gas_left = Some(0);
    assert_eq!(fx.eei().call(i64::MAX, 0, 32, 64, 5), Ok(0));
    let forwarded = 100_000 - 100_000 / 64; // 98438
    assert_eq!(fx.host.calls[0].gas, forwarded + 2_300);
    assert_eq!(fx.host.calls[0].value, U256::from(5));
    assert_eq!(fx.gas.left, 100_000 - forwarded);
    // A smaller request is forwarded as asked; the stipend comes on top, and unused gas
    // (including unused stipend) comes back.
    let mut fx = call_fixture(GAS, 5);
    fx.host.call_gas_left = Some(2_000);
    assert_eq!(fx.eei().call(10_000, 0, 32, 64, 5), Ok(0));
    assert_eq!(fx.host.calls[0].gas, 12_300);
    assert_eq!(fx.used(), 700 + 9_000 + 10_000 - 2_000);
}

#[test]
fn call_at_depth_1024_returns_1_after_charging_700() {
    let mut fx = call_fixture(GAS, 1);
    fx.host.frame.depth = MAX_CALL_DEPTH;
    assert_eq!(fx.eei().call(50_000, 0, 32, 64, 5), Ok(1));
    assert_eq!(fx.used(), 700);
    assert_eq!(fx.eei().call_code(50_000, 0, 32, 64, 5), Ok(1));
    assert_eq!(fx.eei().call_delegate(50_000, 0, 64, 5), Ok(1));
    assert_eq!(fx.eei().call_static(50_000, 0, 64, 5), Ok(1));
    assert_eq!(fx.used(), 4 * 700);
    assert!(fx.host.calls.is_empty());
    // The host is told, for a trace: four refusals.
    let kinds: Vec<_> = fx.host.refused.iter().map(|frame| frame.kind).collect();
    assert_eq!(
        kinds,
        [
            CallKind::Call,
            CallKind::CallCode,
            CallKind::Delegate,
            CallKind::Static
        ]
        .map(Some)
    );
    assert!(
        fx.host
            .refused
            .iter()
            .all(|frame| frame.refusal == Refusal::Depth)
    );
    // What each callee would have had: value calls with the 2 300 stipend.
    let gas: Vec<u64> = fx.host.refused.iter().map(|frame| frame.gas).collect();
    assert_eq!(gas, [52_300, 52_300, 50_000, 50_000]);
    assert_eq!(fx.host.refused[0].input.len(), 5);
    // The buffer is left as it was (the callee never ran).
    assert_eq!(fx.return_data, b"previous");
    // With less than 700 it is out of gas, not 1.
    let mut fx = call_fixture(699, 0);
    fx.host.frame.depth = MAX_CALL_DEPTH;
    assert_eq!(fx.eei().call(0, 0, 32, 64, 5), Err(HostExit::OutOfGas));
    // 1023 still calls.
    let mut fx = call_fixture(GAS, 0);
    fx.host.frame.depth = MAX_CALL_DEPTH - 1;
    assert_eq!(fx.eei().call(0, 0, 32, 64, 5), Ok(0));
    assert_eq!(fx.host.calls.len(), 1);
}

#[test]
fn call_reads_and_bounds_checks_before_charging() {
    // Bad data range: a trap even at depth 1024 (the data is checked before the depth).
    let mut fx = call_fixture(GAS, 0);
    fx.host.frame.depth = MAX_CALL_DEPTH;
    assert!(is_oob(fx.eei().call(0, 0, 32, MEM_END - 4, 5)));
    assert!(is_oob(fx.eei().call_delegate(0, 0, -1, 2)));
    assert!(is_oob(fx.eei().call(0, MEM_END - 19, 32, 64, 5)));
    assert!(is_oob(fx.eei().call_code(0, 0, MEM_END - 15, 64, 5)));
    assert!(is_oob(fx.eei().call_static(0, -1, 64, 5)));
    assert_eq!(fx.used(), 0);
    // No data: the offset is not looked at.
    assert_eq!(fx.eei().call(0, 0, 32, -1, 0), Ok(1));
}

#[test]
fn call_with_negative_gas_traps() {
    let mut fx = call_fixture(GAS, 0);
    assert!(is_invalid(fx.eei().call(-1, 0, 32, 64, 5)));
    assert!(is_invalid(fx.eei().call_code(-1, 0, 32, 64, 5)));
    assert!(is_invalid(fx.eei().call_delegate(i64::MIN, 0, 64, 5)));
    assert!(is_invalid(fx.eei().call_static(-5, 0, 64, 5)));
    assert!(fx.host.calls.is_empty());
}

#[test]
fn call_with_insufficient_balance_returns_1_and_keeps_the_buffer() {
    let mut fx = call_fixture(GAS, 1_000_001);
    assert_eq!(fx.eei().call(50_000, 0, 32, 64, 5), Ok(1));
    assert_eq!(fx.eei().call_code(50_000, 0, 32, 64, 5), Ok(1));
    assert_eq!(fx.used(), 2 * 9_700);
    assert!(fx.host.calls.is_empty());
    assert_eq!(fx.return_data, b"previous");
    // The whole balance is fine.
    let mut fx = call_fixture(GAS, 1_000_000);
    assert_eq!(fx.eei().call(50_000, 0, 32, 64, 5), Ok(0));
}

#[test]
fn call_with_a_balance_above_128_bits_traps() {
    let mut fx = call_fixture(GAS, 1);
    fx.host.balances.insert(SELF, U256::from(u128::MAX) + 1);
    assert!(is_invalid(fx.eei().call(50_000, 0, 32, 64, 5)));
    assert!(fx.host.calls.is_empty());
    // Without value the balance is not looked at.
    fx.put_u128(32, 0);
    assert_eq!(fx.eei().call(50_000, 0, 32, 64, 5), Ok(0));
}

#[test]
fn call_code_never_charges_25000() {
    let mut fx = call_fixture(GAS, 1);
    fx.host.alive.remove(&TARGET);
    assert_eq!(fx.eei().call_code(0, 0, 32, 64, 5), Ok(0));
    assert_eq!(fx.used(), 700 + 9_000 - 2_300);
    let message = &fx.host.calls[0];
    assert_eq!(message.kind, CallKind::CallCode);
    assert_eq!(message.gas, 2_300);
    assert_eq!(message.value, U256::one());
}

#[test]
fn call_delegate_keeps_the_frame_value_without_charges_or_stipend() {
    let mut fx = call_fixture(GAS, 0);
    fx.host.frame.value = U256::from(777);
    fx.host.balances.clear();
    fx.host.alive.clear();
    assert_eq!(fx.eei().call_delegate(10_000, 0, 64, 5), Ok(0));
    assert_eq!(
        fx.host.calls,
        vec![CallMessage {
            kind: CallKind::Delegate,
            gas: 10_000,
            to: TARGET,
            value: U256::from(777),
            input: b"input".to_vec(),
        }]
    );
    assert_eq!(fx.used(), 700);
}

#[test]
fn call_static_sends_no_value() {
    let mut fx = call_fixture(GAS, 0);
    fx.host.frame.value = U256::from(777);
    assert_eq!(fx.eei().call_static(10_000, 0, 64, 0), Ok(0));
    assert_eq!(
        fx.host.calls,
        vec![CallMessage {
            kind: CallKind::Static,
            gas: 10_000,
            to: TARGET,
            value: U256::zero(),
            input: Vec::new(),
        }]
    );
    assert_eq!(fx.used(), 700);
}

#[test]
fn call_replaces_the_return_data_whenever_the_callee_ran() {
    for status in [CallStatus::Success, CallStatus::Failure, CallStatus::Revert] {
        let mut fx = call_fixture(GAS, 0);
        fx.host.call_status = status;
        fx.eei().call(0, 0, 32, 64, 5).unwrap();
        assert_eq!(fx.return_data, b"callee output");
        fx.host.call_output = Vec::new();
        fx.eei().call_static(0, 0, 64, 5).unwrap();
        assert!(fx.return_data.is_empty());
        fx.host.call_output = b"x".to_vec();
        fx.eei().call_delegate(0, 0, 64, 5).unwrap();
        assert_eq!(fx.return_data, b"x");
        fx.host.call_output = b"yz".to_vec();
        fx.eei().call_code(0, 0, 32, 64, 5).unwrap();
        assert_eq!(fx.return_data, b"yz");
        assert_eq!(fx.eei().get_return_data_size(), Ok(2));
    }
}

// ---------------------------------------------------------------------------------------------
// create

/// Memory layout for creates: value at 0, init code at 32, result at 100.
fn create_fixture(gas: u64, value: u128) -> Fixture {
    let mut fx = Fixture::with_gas(gas);
    fx.put_u128(0, value);
    fx.put(32, b"\0asm init");
    fx
}

#[test]
fn create_success_writes_the_address_and_clears_the_buffer() {
    let mut fx = create_fixture(32_000 + 64_000, 10);
    fx.host.create_gas_left = Some(1_000);
    assert_eq!(fx.eei().create(0, 32, 9, 100), Ok(0));
    assert_eq!(fx.mem(100, 20), NEW_CONTRACT.as_bytes());
    assert!(fx.return_data.is_empty());
    let forwarded = 64_000 - 64_000 / 64;
    assert_eq!(
        fx.host.creates,
        vec![(U256::from(10), b"\0asm init".to_vec(), forwarded)]
    );
    assert_eq!(fx.used(), 32_000 + forwarded - 1_000);
}

#[test]
fn create_failure_or_revert_keeps_the_output() {
    for (status, code) in [(CallStatus::Failure, 1), (CallStatus::Revert, 2)] {
        let mut fx = create_fixture(GAS, 0);
        fx.host.create_status = status;
        fx.host.create_address = None;
        fx.host.create_output = b"why".to_vec();
        fx.memory.0[100..120].fill(0xee);
        assert_eq!(fx.eei().create(0, 32, 9, 100), Ok(code));
        assert_eq!(fx.return_data, b"why");
        assert_eq!(fx.mem(100, 20), &[0xee; 20]);
        // All the forwarded gas came back (the mock used none).
        assert_eq!(fx.used(), 32_000);
    }
}

#[test]
fn create_success_without_an_address_traps() {
    let mut fx = create_fixture(GAS, 0);
    fx.host.create_address = None;
    assert!(is_invalid(fx.eei().create(0, 32, 9, 100)));
}

#[test]
fn create_at_depth_1024_returns_1_before_reading_the_code() {
    let mut fx = create_fixture(GAS, 0);
    fx.host.frame.depth = MAX_CALL_DEPTH;
    // An out-of-bounds init code range is not looked at (Hera checks depth and balance first).
    assert_eq!(fx.eei().create(0, MEM_END, 9, 100), Ok(1));
    assert_eq!(fx.used(), 32_000);
    assert!(fx.host.creates.is_empty());
    assert_eq!(fx.return_data, b"previous");
}

#[test]
fn create_with_insufficient_balance_returns_1() {
    let mut fx = create_fixture(GAS, 1_000_001);
    assert_eq!(fx.eei().create(0, MEM_END, 9, 100), Ok(1));
    assert_eq!(fx.used(), 32_000);
    assert!(fx.host.creates.is_empty());
    assert_eq!(fx.return_data, b"previous");
    // A balance above 128 bits traps, even for value 0 (Hera's safeLoadUint128).
    let mut fx = create_fixture(GAS, 0);
    fx.host.balances.insert(SELF, U256::from(u128::MAX) + 1);
    assert!(is_invalid(fx.eei().create(0, 32, 9, 100)));
}

#[test]
fn create_order_and_bounds() {
    let mut fx = create_fixture(31_999, 0);
    assert_eq!(fx.eei().create(0, 32, 9, 100), Err(HostExit::OutOfGas));
    let mut fx = create_fixture(GAS, 0);
    assert!(is_oob(fx.eei().create(MEM_END - 15, 32, 9, 100)));
    assert!(is_oob(fx.eei().create(0, MEM_END - 8, 9, 100)));
    assert!(fx.host.creates.is_empty());
    // Empty init code: the offset is not looked at.
    assert_eq!(fx.eei().create(0, -1, 0, 100), Ok(0));
    assert_eq!(fx.host.creates[0].1, Vec::<u8>::new());
    // A bad result pointer traps after the child ran (the executor undoes the frame).
    assert!(is_oob(fx.eei().create(0, 32, 9, MEM_END - 19)));
}

#[test]
fn create_forwards_all_but_one_64th() {
    let mut fx = create_fixture(32_000 + 6_400, 0);
    fx.host.create_gas_left = Some(0);
    assert_eq!(fx.eei().create(0, 32, 9, 100), Ok(0));
    assert_eq!(fx.host.creates[0].2, 6_300);
    assert_eq!(fx.gas.left, 100);
    // A host reporting more than it was given is clamped.
    let mut fx = create_fixture(32_000 + 6_400, 0);
    fx.host.create_gas_left = Some(u64::MAX);
    assert_eq!(fx.eei().create(0, 32, 9, 100), Ok(0));
    assert_eq!(fx.gas.left, 6_400);
}

// ---------------------------------------------------------------------------------------------
// Property: no input makes any function panic, and gas never rises above where it started.

#[derive(Clone, Debug)]
enum Op {
    UseGas(i64),
    GetGasLeft,
    GetAddress(i32),
    GetExternalBalance(i32, i32),
    GetBlockHash(i64, i32),
    Call(i64, i32, i32, i32, i32),
    CallDataCopy(i32, i32, i32),
    GetCallDataSize,
    CallCode(i64, i32, i32, i32, i32),
    CallDelegate(i64, i32, i32, i32),
    CallStatic(i64, i32, i32, i32),
    StorageStore(i32, i32),
    StorageLoad(i32, i32),
    GetCaller(i32),
    GetCallValue(i32),
    CodeCopy(i32, i32, i32),
    GetCodeSize,
    GetBlockCoinbase(i32),
    Create(i32, i32, i32, i32),
    GetBlockDifficulty(i32),
    ExternalCodeCopy(i32, i32, i32, i32),
    GetExternalCodeSize(i32),
    GetBlockGasLimit,
    GetTxGasPrice(i32),
    Log(i32, i32, i32, i32, i32, i32, i32),
    GetBlockNumber,
    GetTxOrigin(i32),
    Finish(i32, i32),
    Revert(i32, i32),
    GetReturnDataSize,
    ReturnDataCopy(i32, i32, i32),
    SelfDestruct(i32),
    GetBlockTimestamp,
}

fn any_i32() -> impl Strategy<Value = i32> {
    prop_oneof![
        4 => 0..(MEM_END + 40),
        1 => 0..40i32,
        1 => any::<i32>(),
        1 => Just(-1),
        1 => Just(i32::MAX),
        1 => Just(i32::MIN),
    ]
}

fn any_i64() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => 0..200_000i64,
        1 => any::<i64>(),
        1 => Just(-1),
        1 => Just(i64::MAX),
        1 => Just(i64::MIN),
    ]
}

fn any_op() -> impl Strategy<Value = Op> {
    let a = any_i32;
    let l = any_i64;
    prop_oneof![
        l().prop_map(Op::UseGas),
        Just(Op::GetGasLeft),
        a().prop_map(Op::GetAddress),
        (a(), a()).prop_map(|(x, y)| Op::GetExternalBalance(x, y)),
        (l(), a()).prop_map(|(x, y)| Op::GetBlockHash(x, y)),
        (l(), a(), a(), a(), a()).prop_map(|(g, x, v, d, n)| Op::Call(g, x, v, d, n)),
        (a(), a(), a()).prop_map(|(x, y, z)| Op::CallDataCopy(x, y, z)),
        Just(Op::GetCallDataSize),
        (l(), a(), a(), a(), a()).prop_map(|(g, x, v, d, n)| Op::CallCode(g, x, v, d, n)),
        (l(), a(), a(), a()).prop_map(|(g, x, d, n)| Op::CallDelegate(g, x, d, n)),
        (l(), a(), a(), a()).prop_map(|(g, x, d, n)| Op::CallStatic(g, x, d, n)),
        (a(), a()).prop_map(|(x, y)| Op::StorageStore(x, y)),
        (a(), a()).prop_map(|(x, y)| Op::StorageLoad(x, y)),
        a().prop_map(Op::GetCaller),
        a().prop_map(Op::GetCallValue),
        (a(), a(), a()).prop_map(|(x, y, z)| Op::CodeCopy(x, y, z)),
        Just(Op::GetCodeSize),
        a().prop_map(Op::GetBlockCoinbase),
        (a(), a(), a(), a()).prop_map(|(v, d, n, r)| Op::Create(v, d, n, r)),
        a().prop_map(Op::GetBlockDifficulty),
        (a(), a(), a(), a()).prop_map(|(x, r, c, n)| Op::ExternalCodeCopy(x, r, c, n)),
        a().prop_map(Op::GetExternalCodeSize),
        Just(Op::GetBlockGasLimit),
        a().prop_map(Op::GetTxGasPrice),
        (a(), a(), prop_oneof![0..7i32, a()], a(), a(), a(), a())
            .prop_map(|(d, n, c, t1, t2, t3, t4)| Op::Log(d, n, c, t1, t2, t3, t4)),
        Just(Op::GetBlockNumber),
        a().prop_map(Op::GetTxOrigin),
        (a(), a()).prop_map(|(x, y)| Op::Finish(x, y)),
        (a(), a()).prop_map(|(x, y)| Op::Revert(x, y)),
        Just(Op::GetReturnDataSize),
        (a(), a(), a()).prop_map(|(x, y, z)| Op::ReturnDataCopy(x, y, z)),
        a().prop_map(Op::SelfDestruct),
        Just(Op::GetBlockTimestamp),
    ]
}

/// Runs `op`; returns the `i32`/`i64` result widened, or the exit.
fn run(eei: &mut Eei<'_, MockHost, VecMemory, Meter>, op: &Op) -> Result<i64, HostExit> {
    let unit = |result: Result<(), HostExit>| result.map(|()| 0);
    let small = |result: Result<i32, HostExit>| result.map(i64::from);
    match *op {
        Op::UseGas(x) => unit(eei.use_gas(x)),
        Op::GetGasLeft => eei.get_gas_left(),
        Op::GetAddress(x) => unit(eei.get_address(x)),
        Op::GetExternalBalance(x, y) => unit(eei.get_external_balance(x, y)),
        Op::GetBlockHash(x, y) => small(eei.get_block_hash(x, y)),
        Op::Call(g, x, v, d, n) => small(eei.call(g, x, v, d, n)),
        Op::CallDataCopy(x, y, z) => unit(eei.call_data_copy(x, y, z)),
        Op::GetCallDataSize => small(eei.get_call_data_size()),
        Op::CallCode(g, x, v, d, n) => small(eei.call_code(g, x, v, d, n)),
        Op::CallDelegate(g, x, d, n) => small(eei.call_delegate(g, x, d, n)),
        Op::CallStatic(g, x, d, n) => small(eei.call_static(g, x, d, n)),
        Op::StorageStore(x, y) => unit(eei.storage_store(x, y)),
        Op::StorageLoad(x, y) => unit(eei.storage_load(x, y)),
        Op::GetCaller(x) => unit(eei.get_caller(x)),
        Op::GetCallValue(x) => unit(eei.get_call_value(x)),
        Op::CodeCopy(x, y, z) => unit(eei.code_copy(x, y, z)),
        Op::GetCodeSize => small(eei.get_code_size()),
        Op::GetBlockCoinbase(x) => unit(eei.get_block_coinbase(x)),
        Op::Create(v, d, n, r) => small(eei.create(v, d, n, r)),
        Op::GetBlockDifficulty(x) => unit(eei.get_block_difficulty(x)),
        Op::ExternalCodeCopy(x, r, c, n) => unit(eei.external_code_copy(x, r, c, n)),
        Op::GetExternalCodeSize(x) => small(eei.get_external_code_size(x)),
        Op::GetBlockGasLimit => eei.get_block_gas_limit(),
        Op::GetTxGasPrice(x) => unit(eei.get_tx_gas_price(x)),
        Op::Log(d, n, c, t1, t2, t3, t4) => unit(eei.log(d, n, c, t1, t2, t3, t4)),
        Op::GetBlockNumber => eei.get_block_number(),
        Op::GetTxOrigin(x) => unit(eei.get_tx_origin(x)),
        Op::Finish(x, y) => unit(eei.finish(x, y)),
        Op::Revert(x, y) => unit(eei.revert(x, y)),
        Op::GetReturnDataSize => small(eei.get_return_data_size()),
        Op::ReturnDataCopy(x, y, z) => unit(eei.return_data_copy(x, y, z)),
        Op::SelfDestruct(x) => unit(eei.self_destruct(x)),
        Op::GetBlockTimestamp => eei.get_block_timestamp(),
    }
}

#[derive(Clone, Debug)]
struct World {
    gas: u64,
    memory: Vec<u8>,
    is_static: bool,
    depth: u32,
    balance: U256,
    value: U256,
    gas_price: U256,
    callee_gas_left: Option<u64>,
    status: u8,
    output: Vec<u8>,
    return_data: Vec<u8>,
}

fn any_u256() -> impl Strategy<Value = U256> {
    prop_oneof![
        any::<u64>().prop_map(U256::from),
        any::<u128>().prop_map(U256::from),
        any::<[u8; 32]>().prop_map(|bytes| U256::from_big_endian(&bytes)),
    ]
}

fn any_world() -> impl Strategy<Value = World> {
    (
        prop_oneof![0..1_000u64, 0..2_000_000u64, Just(u64::MAX / 2)],
        proptest::collection::vec(any::<u8>(), MEMORY),
        any::<bool>(),
        prop_oneof![Just(0u32), Just(1023), Just(1024), any::<u32>()],
        any_u256(),
        any_u256(),
        any_u256(),
        proptest::option::of(any::<u64>()),
        0..3u8,
        proptest::collection::vec(any::<u8>(), 0..64),
        proptest::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(
            |(
                gas,
                memory,
                is_static,
                depth,
                balance,
                value,
                gas_price,
                callee_gas_left,
                status,
                output,
                return_data,
            )| World {
                gas,
                memory,
                is_static,
                depth,
                balance,
                value,
                gas_price,
                callee_gas_left,
                status,
                output,
                return_data,
            },
        )
}

fn fixture_for(world: &World) -> Fixture {
    let mut fx = Fixture::with_gas(world.gas);
    fx.memory.0.clone_from(&world.memory);
    fx.host.frame.is_static = world.is_static;
    fx.host.frame.depth = world.depth;
    fx.host.frame.value = world.value;
    fx.host.tx.gas_price = world.gas_price;
    fx.host.balances.insert(SELF, world.balance);
    fx.host.call_gas_left = world.callee_gas_left;
    fx.host.create_gas_left = world.callee_gas_left;
    let status = match world.status {
        0 => CallStatus::Success,
        1 => CallStatus::Failure,
        _ => CallStatus::Revert,
    };
    fx.host.call_status = status;
    fx.host.create_status = status;
    fx.host.call_output.clone_from(&world.output);
    fx.host.create_output.clone_from(&world.output);
    fx.return_data.clone_from(&world.return_data);
    fx
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_function_panics_and_gas_never_rises(
        world in any_world(),
        ops in proptest::collection::vec(any_op(), 1..8),
    ) {
        let mut fx = fixture_for(&world);
        for op in &ops {
            let before = fx.gas.left;
            let result = run(&mut fx.eei(), op);
            // A function never gives back more than it took (a nested call nets at least 700
            // gone, a value call at least 700 + 9000 − 2300, a create 32000).
            prop_assert!(fx.gas.left <= before, "{op:?}: {before} → {}", fx.gas.left);
            if let (
                Op::Call(..) | Op::CallCode(..) | Op::CallDelegate(..) | Op::CallStatic(..)
                | Op::Create(..) | Op::GetBlockHash(..),
                Ok(code),
            ) = (op, &result)
            {
                prop_assert!((0..=2).contains(code), "{op:?} returned {code}");
            }
            if result.is_err() {
                // Every exit ends the frame.
                break;
            }
        }
        prop_assert!(fx.gas.left <= world.gas);
    }

    #[test]
    fn u128_values_round_trip(value in any::<u128>(), offset in 0..(MEM_END - 15)) {
        let mut fx = Fixture::new();
        fx.host.frame.value = U256::from(value);
        fx.eei().get_call_value(offset).unwrap();
        let start = offset as usize;
        prop_assert_eq!(fx.mem(start, 16), &value.to_le_bytes());
        fx.host.balances.insert(TARGET, U256::from(value));
        fx.put(0, TARGET.as_bytes());
        fx.eei().get_external_balance(0, offset).unwrap();
        prop_assert_eq!(fx.mem(start, 16), &value.to_le_bytes());
    }

    #[test]
    fn u128_above_the_limit_always_traps(high in 1..=u128::MAX, low in any::<u128>()) {
        let value = (U256::from(high) << 128) + U256::from(low);
        let mut fx = Fixture::new();
        fx.host.frame.value = value;
        fx.host.tx.gas_price = value;
        prop_assert!(is_invalid(fx.eei().get_call_value(0)));
        prop_assert!(is_invalid(fx.eei().get_tx_gas_price(0)));
    }

    #[test]
    fn copy_charges_3_plus_3_per_word(length in 0..=32u32 * 20) {
        let mut fx = Fixture::new();
        fx.host.frame.input = Arc::from(vec![7u8; 32 * 20]);
        fx.eei().call_data_copy(0, 0, arg(length)).unwrap();
        prop_assert_eq!(fx.used(), 3 + 3 * u64::from(length.div_ceil(32)));
    }
}

// ---------------------------------------------------------------------------------------------
// Warm and cold state access (EIP-2929), net-metered storage (EIP-2200, EIP-3529's refunds)

fn with_state_access(gas: u64) -> Fixture {
    let mut fx = Fixture::with_gas(gas);
    fx.host.prices.state_access = Some(StateAccess::LONDON);
    fx
}

/// EIP-3529's test cases (London), the slot warm at the start as they assume: the original
/// value, the values written one after another, the gas used (with 3 for each of the two
/// `PUSH1` before every `SSTORE` of the EVM bytecode, 6 per write) and the refund.
#[test]
fn storage_writes_follow_the_eip_3529_test_cases() {
    let cases: [(u8, &[u8], u64, u64); 17] = [
        (0, &[0, 0], 212, 0),
        (0, &[0, 1], 20_112, 0),
        (0, &[1, 0], 20_112, 19_900),
        (0, &[1, 2], 20_112, 0),
        (0, &[1, 1], 20_112, 0),
        (1, &[0, 0], 3_012, 4_800),
        (1, &[0, 1], 3_012, 2_800),
        (1, &[0, 2], 3_012, 0),
        (1, &[2, 0], 3_012, 4_800),
        (1, &[2, 3], 3_012, 0),
        (1, &[2, 1], 3_012, 2_800),
        (1, &[2, 2], 3_012, 0),
        (1, &[1, 0], 3_012, 4_800),
        (1, &[1, 2], 3_012, 0),
        (1, &[1, 1], 212, 0),
        (0, &[1, 0, 1], 40_118, 19_900),
        (1, &[0, 1, 0], 5_918, 7_600),
    ];
    let word = |byte: u8| H256::from_low_u64_be(u64::from(byte));
    for (original, writes, evm_gas, refund) in cases {
        let mut fx = with_state_access(GAS);
        fx.host.originals.insert(key(1), word(original));
        fx.host.storage.insert(key(1), word(original));
        fx.host.warm_slots.insert(key(1));
        fx.put(0, key(1).as_bytes());
        for &value in writes {
            fx.put(32, word(value).as_bytes());
            fx.eei().storage_store(0, 32).unwrap();
        }
        let pushes = 6 * writes.len() as u64;
        let case = format!("original {original}, writes {writes:?}");
        assert_eq!(fx.used() + pushes, evm_gas, "{case}");
        assert_eq!(fx.host.refunds, refund, "{case}");
        assert_eq!(
            fx.host.storage[&key(1)],
            word(*writes.last().unwrap()),
            "{case}"
        );
    }
}

#[test]
fn storage_reads_and_writes_pay_the_cold_price_once_per_slot() {
    let mut fx = with_state_access(GAS);
    fx.host.storage.insert(key(1), key(0xab));
    fx.put(0, key(1).as_bytes());
    fx.eei().storage_load(0, 32).unwrap();
    assert_eq!(fx.used(), 2_100);
    assert_eq!(fx.mem(32, 32), key(0xab).as_bytes());
    fx.eei().storage_load(0, 32).unwrap();
    assert_eq!(fx.used(), 2_100 + 100);
    // A cold write: 2 100 + 20 000 for a new value in a slot that was zero.
    let mut fx = with_state_access(GAS);
    fx.put(0, key(2).as_bytes());
    fx.put(32, key(3).as_bytes());
    fx.eei().storage_store(0, 32).unwrap();
    assert_eq!(fx.used(), 2_100 + 20_000);
    assert_eq!(fx.host.storage[&key(2)], key(3));
    // The key is read before the price is known, so a bad pointer traps without a charge.
    let mut fx = with_state_access(GAS);
    assert!(is_oob(fx.eei().storage_load(MEM_END - 31, 0)));
    assert_eq!(fx.used(), 0);
}

#[test]
fn a_storage_write_needs_more_than_the_stipend_and_writes_nothing_without_gas() {
    // EIP-2200: with 2 300 or less left a write is out of gas, whatever it would cost.
    let mut fx = with_state_access(2_300);
    fx.host.warm_slots.insert(key(1));
    fx.put(0, key(1).as_bytes());
    assert_eq!(fx.eei().storage_store(0, 0), Err(HostExit::OutOfGas));
    assert!(fx.host.stores.is_empty());
    // Enough for the warm price, not for the cold surcharge and a new value.
    let mut fx = with_state_access(22_099);
    fx.put(0, key(1).as_bytes());
    fx.put(32, key(2).as_bytes());
    assert_eq!(fx.eei().storage_store(0, 32), Err(HostExit::OutOfGas));
    assert!(fx.host.stores.is_empty());
    // Static mode is a violation first.
    let mut fx = with_state_access(GAS);
    fx.host.frame.is_static = true;
    assert!(matches!(
        fx.eei().storage_store(0, 32),
        Err(HostExit::StaticViolation(_))
    ));
}

#[test]
fn account_reads_and_calls_pay_the_cold_price_once_per_account() {
    let mut fx = with_state_access(GAS);
    fx.put(0, TARGET.as_bytes());
    fx.eei().get_external_balance(0, 64).unwrap();
    assert_eq!(fx.used(), 2_600);
    fx.eei().get_external_code_size(0).unwrap();
    assert_eq!(fx.used(), 2_600 + 100);
    // A copy adds its words to the access price.
    fx.eei().external_code_copy(0, 100, 0, 12).unwrap();
    assert_eq!(fx.used(), 2_600 + 100 + 100 + 3);
    assert_eq!(fx.mem(100, 12), b"target code!");

    // A call's base is the target's access price (700 without state access).
    let mut fx = call_fixture(GAS, 0);
    fx.host.prices.state_access = Some(StateAccess::LONDON);
    assert_eq!(fx.eei().call(50_000, 0, 32, 64, 5), Ok(0));
    assert_eq!(fx.used(), 2_600);
    assert_eq!(fx.eei().call_static(50_000, 0, 64, 5), Ok(0));
    assert_eq!(fx.used(), 2_600 + 100);

    // A self-destruct's cold beneficiary adds 2 600 to the 5 000.
    let mut fx = with_state_access(GAS);
    fx.put(0, TARGET.as_bytes());
    assert_eq!(fx.eei().self_destruct(0), Err(HostExit::SelfDestruct));
    assert_eq!(fx.used(), 5_000 + 2_600);
    let mut fx = with_state_access(GAS);
    fx.host.warm_accounts.insert(TARGET);
    fx.put(0, TARGET.as_bytes());
    assert_eq!(fx.eei().self_destruct(0), Err(HostExit::SelfDestruct));
    assert_eq!(fx.used(), 5_000);
}

#[test]
fn without_state_access_nothing_is_marked_warm() {
    let mut fx = Fixture::new();
    fx.put(0, TARGET.as_bytes());
    fx.eei().get_external_balance(0, 64).unwrap();
    fx.eei().storage_load(0, 32).unwrap();
    assert_eq!(fx.used(), 400 + 200);
    assert!(fx.host.warm_accounts.is_empty());
    assert!(fx.host.warm_slots.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Module `debug` (dev chains)

#[test]
fn debug_prints_numbers_memory_and_slots_charging_first() {
    let mut fx = Fixture::new();
    assert_eq!(fx.eei().print32(-1), Ok(()));
    assert_eq!(fx.eei().print64(42), Ok(()));
    assert_eq!(fx.used(), 4, "2 each");
    fx.put(100, "héllo".as_bytes());
    assert_eq!(fx.eei().print_mem(100, 6), Ok(()));
    assert_eq!(fx.eei().print_mem_hex(100, 2), Ok(()));
    assert_eq!(fx.used(), 4 + 5 + 5, "2 + 3 per word each");
    let key = H256([7; 32]);
    fx.host.storage.insert(key, H256::from_low_u64_be(0x41));
    fx.put(200, key.as_bytes());
    assert_eq!(fx.eei().print_storage_hex(200), Ok(()));
    assert_eq!(fx.used(), 14 + 200, "as storageLoad");
    assert_eq!(
        fx.host.printed,
        [
            "4294967295 (0xffffffff)".to_string(),
            "42 (0x000000000000002a)".to_string(),
            "héllo".to_string(),
            "0x68c3".to_string(),
            format!("{:?}", H256::from_low_u64_be(0x41)),
        ]
    );

    // Out of gas before the read: a huge length traps without touching memory.
    let mut fx = Fixture::with_gas(10);
    assert_eq!(fx.eei().print_mem(0, -1), Err(HostExit::OutOfGas));
    let mut fx = Fixture::new();
    assert!(is_oob(fx.eei().print_mem(MEM_END, 1)));
    assert!(fx.host.printed.is_empty());
}
