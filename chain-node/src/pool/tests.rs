#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use proptest::prelude::*;

use super::*;
use crate::genesis::{DEV_MNEMONIC, DevAccount, derive_accounts};
use crate::tx::{TxKind, UnsignedTransaction, decode, sign};

const CHAIN: u64 = 31_337;
const GWEI: u64 = 1_000_000_000;

fn accounts() -> &'static [DevAccount] {
    static ACCOUNTS: OnceLock<Vec<DevAccount>> = OnceLock::new();
    ACCOUNTS.get_or_init(|| derive_accounts(DEV_MNEMONIC, 6).unwrap())
}

fn addr(i: usize) -> H160 {
    accounts()[i].address
}

/// Head state: nonce and balance per account; absent accounts are empty.
#[derive(Default)]
struct FakeState {
    accounts: HashMap<H160, (u64, U256)>,
}

impl FakeState {
    /// The dev accounts with 1000 ETH each.
    fn funded() -> Self {
        let mut state = Self::default();
        for i in 0..accounts().len() {
            state.set_balance(i, U256::exp10(21));
        }
        state
    }

    fn set_nonce(&mut self, i: usize, nonce: u64) {
        self.accounts.entry(addr(i)).or_default().0 = nonce;
    }

    fn set_balance(&mut self, i: usize, balance: impl Into<U256>) {
        self.accounts.entry(addr(i)).or_default().1 = balance.into();
    }
}

impl AccountReader for FakeState {
    fn nonce(&self, address: &H160) -> Result<u64, StateError> {
        Ok(self.accounts.get(address).map_or(0, |a| a.0))
    }

    fn balance(&self, address: &H160) -> Result<U256, StateError> {
        Ok(self.accounts.get(address).map_or(U256::zero(), |a| a.1))
    }
}

fn legacy(nonce: u64, gas_price: u64) -> UnsignedTransaction {
    UnsignedTransaction {
        kind: TxKind::Legacy {
            chain_id: Some(CHAIN),
        },
        chain_id: Some(CHAIN),
        nonce,
        gas_limit: 21_000,
        gas_price: U256::from(gas_price),
        max_fee: U256::zero(),
        max_priority_fee: U256::zero(),
        to: Some(H160::repeat_byte(0x42)),
        value: U256::one(),
        data: Vec::new(),
        access_list: Vec::new(),
    }
}

fn dynamic(nonce: u64, max_fee: u64, tip: u64) -> UnsignedTransaction {
    UnsignedTransaction {
        kind: TxKind::DynamicFee,
        max_fee: U256::from(max_fee),
        max_priority_fee: U256::from(tip),
        gas_price: U256::zero(),
        ..legacy(nonce, 0)
    }
}

fn signed(i: usize, unsigned: &UnsignedTransaction) -> (SignedTransaction, Vec<u8>) {
    let raw = sign(unsigned, &accounts()[i].key).unwrap();
    (decode(&raw).unwrap(), raw)
}

fn pool() -> Pool {
    Pool::new(PoolConfig::new(
        CHAIN,
        30_000_000,
        CalldataPrices::BYZANTIUM,
    ))
}

/// A pool with these limits (the rest default).
fn limited(limits: PoolLimits) -> Pool {
    Pool::new(PoolConfig {
        limits,
        ..PoolConfig::new(CHAIN, 30_000_000, CalldataPrices::BYZANTIUM)
    })
}

/// A clock the test moves.
#[derive(Debug)]
struct ManualClock(std::sync::Mutex<Instant>);

impl ManualClock {
    fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap();
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        *self.0.lock().unwrap()
    }
}

fn add(
    pool: &mut Pool,
    state: &FakeState,
    i: usize,
    unsigned: &UnsignedTransaction,
) -> Result<H256, PoolError> {
    let (tx, raw) = signed(i, unsigned);
    pool.add(tx, raw, state, U256::zero())
}

/// `add` that must fail; returns the error's message after checking its code.
fn refused(pool: &mut Pool, state: &FakeState, i: usize, unsigned: &UnsignedTransaction) -> String {
    let err = add(pool, state, i, unsigned).expect_err("the pool accepted the transaction");
    assert_eq!(err.code(), -32000);
    err.to_string()
}

/// (sender index, nonce) of each transaction, in order.
fn order(txs: &[(SignedTransaction, Vec<u8>)]) -> Vec<(usize, u64)> {
    txs.iter()
        .map(|(tx, _)| {
            let i = accounts().iter().position(|a| a.address == tx.sender);
            (i.unwrap(), tx.nonce)
        })
        .collect()
}

#[test]
fn default_config_matches_the_documented_limits() {
    let config = PoolConfig::default();
    assert_eq!(config.chain_id, 31_337);
    assert_eq!(config.block_gas_limit, 30_000_000);
    assert_eq!(config.max_tx_size, 131_072);
    assert_eq!(config.max_code_size, 98_304);
    // geth's legacypool DefaultConfig.
    let limits = &config.limits;
    assert_eq!(limits.price_limit, U256::one());
    assert_eq!(limits.price_bump_percent, 10);
    assert_eq!(limits.account_slots, 16);
    assert_eq!(limits.global_slots, 5120);
    assert_eq!(limits.account_queue, 64);
    assert_eq!(limits.global_queue, 1024);
    assert_eq!(limits.lifetime, Duration::from_secs(3 * 60 * 60));
    assert_eq!(limits.capacity(), 6144);
}

#[test]
fn zero_limits_are_replaced_by_the_defaults() {
    let pool = limited(PoolLimits {
        price_limit: U256::zero(),
        price_bump_percent: 0,
        account_slots: 0,
        global_slots: 0,
        account_queue: 0,
        global_queue: 0,
        lifetime: Duration::ZERO,
    });
    assert_eq!(pool.config().limits, PoolLimits::default());
    let kept = PoolLimits {
        price_limit: U256::from(7u64),
        account_queue: 3,
        ..PoolLimits::default()
    };
    assert_eq!(limited(kept.clone()).config().limits, kept);
}

#[test]
fn accepted_transaction_is_pooled_with_its_raw_bytes() {
    let state = FakeState::funded();
    let mut pool = pool();
    assert!(pool.is_empty());
    let (tx, raw) = signed(0, &legacy(0, GWEI));
    let hash = pool
        .add(tx.clone(), raw.clone(), &state, U256::zero())
        .unwrap();
    assert_eq!(hash, tx.hash);
    assert!(pool.contains(&hash));
    assert_eq!(pool.get(&hash), Some(&tx));
    assert_eq!(pool.get_raw(&hash), Some(raw.as_slice()));
    assert_eq!(pool.len(), 1);
    assert!(!pool.is_empty());
    assert_eq!(pool.remove(&hash), Some((tx, raw)));
    assert!(pool.is_empty());
    assert_eq!(pool.remove(&hash), None);
}

/// A state whose every read fails, as a store that cannot read its accounts.
#[derive(Debug)]
struct UnreadableState;

impl AccountReader for UnreadableState {
    fn nonce(&self, address: &H160) -> Result<u64, StateError> {
        Err(unreadable(address))
    }

    fn balance(&self, address: &H160) -> Result<U256, StateError> {
        Err(unreadable(address))
    }
}

fn unreadable(address: &H160) -> StateError {
    let read = rewasm_executor::StateRead::Account(*address);
    StateError::new(read, std::io::Error::other("disk read error"))
}

/// A failed read is the node's internal error, not a verdict on the transaction: nothing is
/// pooled and no read is taken for "nonce 0, no funds".
#[test]
fn a_failed_account_read_refuses_as_an_internal_error() {
    let mut pool = pool();
    let (tx, raw) = signed(0, &dynamic(0, 2_000_000_000, 1));
    let error = pool
        .add(tx, raw, &UnreadableState, U256::from(1_000_000_000u64))
        .unwrap_err();
    assert!(
        matches!(&error, PoolError::State(failure) if failure.read == rewasm_executor::StateRead::Account(addr(0))),
        "{error:?}"
    );
    assert_eq!(error.code(), -32603);
    assert!(pool.is_empty());
    assert!(pool.pending_nonce(&addr(0), &UnreadableState).is_err());
    // With a transaction pooled, choosing the next block's must read its sender.
    let (tx, raw) = signed(0, &dynamic(0, 2_000_000_000, 1));
    pool.add(tx, raw, &FakeState::funded(), U256::from(1_000_000_000u64))
        .unwrap();
    assert!(
        pool.best(&UnreadableState, U256::zero(), 30_000_000)
            .is_err()
    );
    assert!(pool.pending_count(&UnreadableState).is_err());
}

#[test]
fn already_known() {
    let state = FakeState::funded();
    let mut pool = pool();
    add(&mut pool, &state, 0, &legacy(0, GWEI)).unwrap();
    assert_eq!(
        refused(&mut pool, &state, 0, &legacy(0, GWEI)),
        "already known"
    );
    assert_eq!(pool.len(), 1);
}

#[test]
fn oversized_data() {
    let state = FakeState::funded();
    let mut pool = Pool::new(PoolConfig {
        max_tx_size: 200,
        ..PoolConfig::new(CHAIN, 30_000_000, CalldataPrices::BYZANTIUM)
    });
    let mut big = legacy(0, GWEI);
    big.data = vec![1; 300];
    big.gas_limit = 100_000;
    let (_, raw) = signed(0, &big);
    assert_eq!(
        refused(&mut pool, &state, 0, &big),
        format!("oversized data: transaction size {}, limit 200", raw.len())
    );
    // The limit is inclusive.
    let mut pool = Pool::new(PoolConfig {
        max_tx_size: raw.len(),
        ..PoolConfig::new(CHAIN, 30_000_000, CalldataPrices::BYZANTIUM)
    });
    add(&mut pool, &state, 0, &big).unwrap();
}

#[test]
fn max_initcode_size_exceeded_only_for_creates() {
    let state = FakeState::funded();
    let mut pool = pool();
    let mut create = legacy(0, GWEI);
    create.to = None;
    create.gas_limit = 1_000_000;
    create.data = vec![0; 98_305];
    assert_eq!(
        refused(&mut pool, &state, 0, &create),
        "max initcode size exceeded: code size 98305, limit 98304"
    );
    // A call may carry as much data (the size limit is for init code).
    let mut call = create.clone();
    call.to = Some(H160::repeat_byte(7));
    add(&mut pool, &state, 0, &call).unwrap();
    // At the limit a create is fine.
    create.data.truncate(98_304);
    add(&mut pool, &state, 1, &create).unwrap();
}

#[test]
fn exceeds_block_gas_limit() {
    let state = FakeState::funded();
    let mut pool = pool();
    let mut tx = legacy(0, GWEI);
    tx.gas_limit = 30_000_001;
    assert_eq!(
        refused(&mut pool, &state, 0, &tx),
        "exceeds block gas limit"
    );
    tx.gas_limit = 30_000_000;
    add(&mut pool, &state, 0, &tx).unwrap();
}

#[test]
fn tip_above_fee_cap() {
    let state = FakeState::funded();
    let mut pool = pool();
    assert_eq!(
        refused(&mut pool, &state, 0, &dynamic(0, GWEI, GWEI + 1)),
        "max priority fee per gas higher than max fee per gas"
    );
    add(&mut pool, &state, 0, &dynamic(0, GWEI, GWEI)).unwrap();
}

#[test]
fn invalid_chain_id() {
    let state = FakeState::funded();
    let mut pool = pool();
    let mut other_chain = legacy(0, GWEI);
    other_chain.kind = TxKind::Legacy { chain_id: Some(1) };
    other_chain.chain_id = Some(1);
    assert_eq!(
        refused(&mut pool, &state, 0, &other_chain),
        "invalid sender: invalid chain id for signer: have 1 want 31337"
    );
    let mut typed = dynamic(0, GWEI, GWEI);
    typed.chain_id = Some(5);
    assert_eq!(
        refused(&mut pool, &state, 0, &typed),
        "invalid sender: invalid chain id for signer: have 5 want 31337"
    );
    assert!(pool.is_empty());
}

#[test]
fn pre_eip155_legacy_transaction_is_accepted() {
    let state = FakeState::funded();
    let mut pool = pool();
    let mut unprotected = legacy(0, GWEI);
    unprotected.kind = TxKind::Legacy { chain_id: None };
    unprotected.chain_id = None;
    let hash = add(&mut pool, &state, 0, &unprotected).unwrap();
    assert_eq!(pool.get(&hash).unwrap().chain_id, None);
}

#[test]
fn nonce_has_max_value() {
    let state = FakeState::funded();
    let mut pool = pool();
    assert_eq!(
        refused(&mut pool, &state, 0, &legacy(u64::MAX, GWEI)),
        "nonce has max value"
    );
    add(&mut pool, &state, 0, &legacy(u64::MAX - 1, GWEI)).unwrap();
}

#[test]
fn intrinsic_gas_too_low() {
    let state = FakeState::funded();
    let mut pool = pool();
    let mut call = legacy(0, GWEI);
    call.gas_limit = 20_999;
    assert_eq!(
        refused(&mut pool, &state, 0, &call),
        "intrinsic gas too low: gas 20999, minimum needed 21000"
    );
    // 53000 for a create, 4 per zero byte, 68 per non-zero byte.
    let mut create = legacy(0, GWEI);
    create.to = None;
    create.data = vec![0, 1, 0];
    create.gas_limit = 53_075;
    assert_eq!(
        refused(&mut pool, &state, 0, &create),
        "intrinsic gas too low: gas 53075, minimum needed 53076"
    );
    create.gas_limit = 53_076;
    let hash = add(&mut pool, &state, 0, &create).unwrap();
    // The data lent to the gas computation is back in the pooled transaction.
    assert_eq!(pool.get(&hash).unwrap().data, vec![0, 1, 0]);
}

#[test]
fn nonce_too_low() {
    let mut state = FakeState::funded();
    state.set_nonce(0, 5);
    let mut pool = pool();
    assert_eq!(
        refused(&mut pool, &state, 0, &legacy(3, GWEI)),
        "nonce too low: next nonce 5, tx nonce 3"
    );
    add(&mut pool, &state, 0, &legacy(5, GWEI)).unwrap();
}

#[test]
fn insufficient_funds_for_the_transaction_alone() {
    let mut state = FakeState::funded();
    state.set_balance(0, 1_000_000u64);
    let mut pool = pool();
    // 21000 * 100 + 1 = 2100001.
    assert_eq!(
        refused(&mut pool, &state, 0, &legacy(0, 100)),
        "insufficient funds for gas * price + value: balance 1000000, tx cost 2100001, overshot 1100001"
    );
    // An account that does not exist has nothing.
    assert_eq!(
        refused(&mut pool, &FakeState::default(), 1, &legacy(0, 1)),
        "insufficient funds for gas * price + value: balance 0, tx cost 21001, overshot 21001"
    );
    // Exactly enough is enough.
    state.set_balance(0, 2_100_001u64);
    add(&mut pool, &state, 0, &legacy(0, 100)).unwrap();
}

#[test]
fn insufficient_funds_when_the_cost_exceeds_256_bits() {
    let state = FakeState::funded();
    let mut pool = pool();
    let mut huge = dynamic(0, 0, 1);
    huge.max_fee = U256::MAX;
    huge.value = U256::MAX;
    let cost = U512::from(21_000u64) * U512::from(U256::MAX) + U512::from(U256::MAX);
    assert!(cost > U512::from(U256::MAX));
    let balance = U256::exp10(21);
    let err = add(&mut pool, &state, 0, &huge).unwrap_err();
    let PoolError::InsufficientFunds(shortfall) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(shortfall.charge, Charge::Cost(cost));
    assert_eq!(shortfall.queued, None);
    assert_eq!(
        err.to_string(),
        format!(
            "insufficient funds for gas * price + value: balance {balance}, tx cost {cost}, overshot {}",
            cost - U512::from(balance)
        )
    );
}

#[test]
fn insufficient_funds_counts_the_senders_pooled_transactions() {
    let mut state = FakeState::funded();
    state.set_balance(0, 3_000_000u64);
    let mut pool = pool();
    add(&mut pool, &state, 0, &legacy(0, 100)).unwrap();
    assert_eq!(
        refused(&mut pool, &state, 0, &legacy(1, 100)),
        "insufficient funds for gas * price + value: balance 3000000, queued cost 2100001, tx cost 2100001, overshot 1200002"
    );
    // Gapped transactions count too.
    state.set_balance(0, 4_200_002u64);
    add(&mut pool, &state, 0, &legacy(2, 100)).unwrap();
    assert_eq!(
        refused(&mut pool, &state, 0, &legacy(1, 1)),
        "insufficient funds for gas * price + value: balance 4200002, queued cost 4200002, tx cost 21001, overshot 21001"
    );
    // Other senders' transactions do not.
    state.set_balance(1, 2_100_001u64);
    add(&mut pool, &state, 1, &legacy(0, 100)).unwrap();
}

#[test]
fn insufficient_funds_for_a_replacement() {
    let mut state = FakeState::funded();
    state.set_balance(0, 4_300_000u64);
    let mut pool = pool();
    add(&mut pool, &state, 0, &legacy(0, 100)).unwrap();
    add(&mut pool, &state, 0, &legacy(1, 100)).unwrap();
    // 21000 * 110 + 1 - 2100001 = 210000 more, 4410002 in all.
    assert_eq!(
        refused(&mut pool, &state, 0, &legacy(1, 110)),
        "insufficient funds for gas * price + value: balance 4300000, queued cost 4200002, tx bumped 210000, overshot 110002"
    );
    // A replacement that costs less can still be short when the balance has dropped since:
    // 21000 * 95 - 2100001 = -105001, so 4095001 is needed.
    state.set_balance(0, 4_000_000u64);
    let mut lower = legacy(1, 95);
    lower.value = U256::zero();
    assert_eq!(
        refused(&mut pool, &state, 0, &lower),
        "insufficient funds for gas * price + value: balance 4000000, queued cost 4200002, tx bumped -105001, overshot 95001"
    );
}

#[test]
fn signed_wei_prints_like_a_go_big_int() {
    let two = U512::from(2u64);
    let five = U512::from(5u64);
    assert_eq!(SignedWei::difference(five, two).to_string(), "3");
    assert_eq!(SignedWei::difference(two, five).to_string(), "-3");
    assert_eq!(SignedWei::difference(two, two).to_string(), "0");
}

#[test]
fn legacy_replacement_needs_ten_percent() {
    let state = FakeState::funded();
    let mut pool = pool();
    let old = add(&mut pool, &state, 0, &legacy(0, 100 * GWEI)).unwrap();
    assert_eq!(
        refused(&mut pool, &state, 0, &legacy(0, 109 * GWEI)),
        "replacement transaction underpriced"
    );
    let mut same_price = legacy(0, 100 * GWEI);
    same_price.value = U256::from(2u64);
    assert_eq!(
        refused(&mut pool, &state, 0, &same_price),
        "replacement transaction underpriced"
    );
    let new = add(&mut pool, &state, 0, &legacy(0, 110 * GWEI)).unwrap();
    assert!(!pool.contains(&old));
    assert!(pool.contains(&new));
    assert_eq!(pool.len(), 1);
    assert_eq!(
        order(&pool.best(&state, U256::zero(), 30_000_000).unwrap()),
        [(0, 0)]
    );
    assert_eq!(
        pool.best(&state, U256::zero(), 30_000_000).unwrap()[0]
            .0
            .hash,
        new
    );
}

#[test]
fn replacement_threshold_rounds_down_but_must_rise() {
    let state = FakeState::funded();
    let mut pool = pool();
    // 105 * 110 / 100 = 115.5 → 115 suffices.
    add(&mut pool, &state, 0, &legacy(0, 105)).unwrap();
    assert_eq!(
        refused(&mut pool, &state, 0, &legacy(0, 114)),
        "replacement transaction underpriced"
    );
    add(&mut pool, &state, 0, &legacy(0, 115)).unwrap();
    // At wei-level prices the threshold equals the old price; the price must still go up.
    add(&mut pool, &state, 1, &legacy(0, 1)).unwrap();
    let mut same = legacy(0, 1);
    same.value = U256::from(2u64);
    assert_eq!(
        refused(&mut pool, &state, 1, &same),
        "replacement transaction underpriced"
    );
    add(&mut pool, &state, 1, &legacy(0, 2)).unwrap();
    assert_eq!(pool.len(), 2);
}

#[test]
fn dynamic_fee_replacement_needs_both_fees_raised_ten_percent() {
    let state = FakeState::funded();
    let mut pool = pool();
    add(&mut pool, &state, 0, &dynamic(0, 100 * GWEI, 10 * GWEI)).unwrap();
    for (max_fee, tip) in [(109, 11), (110, 10), (200, 10), (109, 109)] {
        assert_eq!(
            refused(
                &mut pool,
                &state,
                0,
                &dynamic(0, max_fee * GWEI, tip * GWEI)
            ),
            "replacement transaction underpriced",
            "max fee {max_fee} gwei, tip {tip} gwei"
        );
    }
    let new = add(&mut pool, &state, 0, &dynamic(0, 110 * GWEI, 11 * GWEI)).unwrap();
    assert_eq!(pool.len(), 1);
    assert!(pool.contains(&new));
    // A legacy transaction can replace a dynamic-fee one: its price is both fee cap and tip.
    add(&mut pool, &state, 0, &legacy(0, 121 * GWEI)).unwrap();
    assert_eq!(pool.len(), 1);
    assert!(!pool.contains(&new));
}

#[test]
fn account_queue_limits_each_senders_gapped_transactions() {
    let state = FakeState::funded();
    let mut pool = limited(PoolLimits {
        account_queue: 2,
        ..PoolLimits::default()
    });
    // Executable ones do not count against the queue.
    for nonce in 0..5 {
        add(&mut pool, &state, 0, &legacy(nonce, GWEI)).unwrap();
    }
    add(&mut pool, &state, 0, &legacy(7, GWEI)).unwrap();
    add(&mut pool, &state, 0, &legacy(9, GWEI)).unwrap();
    assert_eq!(
        refused(&mut pool, &state, 0, &legacy(8, GWEI)),
        "account limit exceeded: pooled 2 txs"
    );
    // A replacement takes no new slot; another sender has its own queue.
    add(&mut pool, &state, 0, &legacy(9, 2 * GWEI)).unwrap();
    add(&mut pool, &state, 1, &legacy(3, GWEI)).unwrap();
    assert_eq!(pool.len(), 8);
    // Filling the gap makes 7 executable, so 8 is allowed now.
    add(&mut pool, &state, 0, &legacy(5, GWEI)).unwrap();
    add(&mut pool, &state, 0, &legacy(6, GWEI)).unwrap();
    add(&mut pool, &state, 0, &legacy(10, GWEI)).unwrap();
    assert_eq!(
        refused(&mut pool, &state, 0, &legacy(11, GWEI)),
        "account limit exceeded: pooled 2 txs"
    );
}

#[test]
fn account_slots_bind_once_the_global_slots_are_in_use() {
    let state = FakeState::funded();
    let mut pool = limited(PoolLimits {
        account_slots: 2,
        global_slots: 4,
        ..PoolLimits::default()
    });
    // Below global_slots a sender may have more than its share.
    for nonce in 0..3 {
        add(&mut pool, &state, 0, &legacy(nonce, GWEI)).unwrap();
    }
    add(&mut pool, &state, 1, &legacy(0, GWEI)).unwrap();
    // Four executable: sender 0 (three) is over its share of two, sender 1 (one) is not.
    assert_eq!(
        refused(&mut pool, &state, 0, &legacy(3, GWEI)),
        "account limit exceeded: pooled 3 txs"
    );
    add(&mut pool, &state, 1, &legacy(1, GWEI)).unwrap();
    assert_eq!(
        refused(&mut pool, &state, 1, &legacy(2, GWEI)),
        "account limit exceeded: pooled 2 txs"
    );
    add(&mut pool, &state, 2, &legacy(0, GWEI)).unwrap();
    // A gapped transaction is not executable and uses the queue instead.
    add(&mut pool, &state, 0, &legacy(9, GWEI)).unwrap();
    assert_eq!(pool.len(), 7);
}

/// The review's attack: 300 zero-fee transactions from keys that hold nothing, with nonce gaps,
/// were all pooled and never left.
#[test]
fn zero_fee_gapped_spam_from_empty_accounts_is_refused() {
    let empty = FakeState::default();
    let mut pool = pool();
    for i in 0..300u32 {
        let mut seed = [0u8; 32];
        seed[..4].copy_from_slice(&(i + 1).to_be_bytes());
        let key = k256::ecdsa::SigningKey::from_slice(&seed).unwrap();
        let nonce = u64::from(i % 7) * 3 + 1;
        let unsigned = if i % 2 == 0 {
            legacy(nonce, 0)
        } else {
            dynamic(nonce, 0, 0)
        };
        let raw = sign(&unsigned, &key).unwrap();
        let err = pool
            .add(decode(&raw).unwrap(), raw, &empty, U256::zero())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "transaction gas price below minimum: gas tip cap 0, minimum needed 1"
        );
    }
    assert!(pool.is_empty());
    // At the floor a transaction costs something, which an empty account cannot pay, even
    // gapped and with a base fee of zero.
    assert_eq!(
        refused(&mut pool, &empty, 0, &dynamic(5, 1, 1)),
        "insufficient funds for gas * price + value: balance 0, tx cost 21001, overshot 21001"
    );
    let mut no_value = legacy(5, 1);
    no_value.value = U256::zero();
    assert_eq!(
        refused(&mut pool, &empty, 0, &no_value),
        "insufficient funds for gas * price + value: balance 0, tx cost 21000, overshot 21000"
    );
    assert!(pool.is_empty());
}

#[test]
fn price_limit_is_the_minimum_tip() {
    let state = FakeState::funded();
    let mut pool = limited(PoolLimits {
        price_limit: U256::from(GWEI),
        ..PoolLimits::default()
    });
    assert_eq!(
        refused(&mut pool, &state, 0, &dynamic(0, 100 * GWEI, GWEI - 1)),
        "transaction gas price below minimum: gas tip cap 999999999, minimum needed 1000000000"
    );
    // A legacy price is its tip.
    assert_eq!(
        refused(&mut pool, &state, 0, &legacy(0, GWEI - 1)),
        "transaction gas price below minimum: gas tip cap 999999999, minimum needed 1000000000"
    );
    add(&mut pool, &state, 0, &dynamic(0, GWEI, GWEI)).unwrap();
    add(&mut pool, &state, 0, &legacy(1, GWEI)).unwrap();
}

#[test]
fn executable_transaction_below_the_base_fee_is_refused() {
    let state = FakeState::funded();
    let mut pool = pool();
    let base_fee = U256::from(10 * GWEI);
    let at = |pool: &mut Pool, i: usize, unsigned: &UnsignedTransaction| {
        let (tx, raw) = signed(i, unsigned);
        pool.add(tx, raw, &state, base_fee)
    };
    let err = at(&mut pool, 0, &dynamic(0, 10 * GWEI - 1, GWEI)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "max fee per gas less than block base fee: maxFeePerGas: 9999999999, baseFee: 10000000000"
    );
    assert_eq!(err.code(), -32000);
    // The floor comes before the funds check: a poor sender hears about the price first.
    let mut poor = FakeState::funded();
    poor.set_balance(1, 0u64);
    let (tx, raw) = signed(1, &legacy(0, GWEI));
    assert!(
        pool.add(tx, raw, &poor, base_fee)
            .unwrap_err()
            .to_string()
            .starts_with("max fee per gas less than block base fee")
    );
    // A gapped transaction may wait for the base fee to fall.
    at(&mut pool, 0, &dynamic(2, GWEI, GWEI)).unwrap();
    // At the base fee exactly it is executable (tip 0 at this base fee).
    at(&mut pool, 0, &dynamic(0, 10 * GWEI, GWEI)).unwrap();
    // Filling the gap is executable too, so it must pay the base fee.
    assert!(
        at(&mut pool, 0, &dynamic(1, 5 * GWEI, GWEI))
            .unwrap_err()
            .to_string()
            .starts_with("max fee per gas less than block base fee")
    );
    // So must a replacement of an executable one.
    assert!(
        at(&mut pool, 0, &legacy(0, 9 * GWEI))
            .unwrap_err()
            .to_string()
            .starts_with("max fee per gas less than block base fee")
    );
    assert_eq!(pool.len(), 2);
}

#[test]
fn transactions_priced_like_the_rpc_suggests_are_accepted() {
    // eth_gasPrice answers next base fee + 1 gwei, eth_maxPriorityFeePerGas 1 gwei; ethers and
    // web3.py offer max fee 2 * base fee + tip. The dev genesis starts at 1 gwei.
    let state = FakeState::funded();
    let mut pool = pool();
    for base_fee in [0, 7, 875_000_000, GWEI, 50 * GWEI] {
        let tip = crate::rpc::eth::SUGGESTED_TIP;
        let gas_price = legacy(
            pool.pending_nonce(&addr(0), &state).unwrap(),
            base_fee + tip,
        );
        let (tx, raw) = signed(0, &gas_price);
        pool.add(tx, raw, &state, U256::from(base_fee)).unwrap();
        let eip1559 = dynamic(
            pool.pending_nonce(&addr(1), &state).unwrap(),
            2 * base_fee + tip,
            tip,
        );
        let (tx, raw) = signed(1, &eip1559);
        pool.add(tx, raw, &state, U256::from(base_fee)).unwrap();
    }
    // The node's own tests: max fee 10 gwei, tip 1 gwei, at the genesis base fee.
    let (tx, raw) = signed(2, &dynamic(0, 10 * GWEI, GWEI));
    pool.add(tx, raw, &state, U256::from(GWEI)).unwrap();
    assert_eq!(pool.len(), 11);
}

/// The review's lock-out: a full pool refused everyone ("txpool is full"), so cheap spam kept
/// paying senders out. Now the newcomer that pays more evicts the cheapest transaction (gapped
/// ones first); one that pays no more is refused.
#[test]
fn underpriced_spam_cannot_lock_out_a_paying_sender() {
    let state = FakeState::funded();
    let mut pool = limited(PoolLimits {
        account_slots: 3,
        global_slots: 3,
        account_queue: 2,
        global_queue: 2,
        ..PoolLimits::default()
    });
    // The spammer fills the pool at the minimum: three executable (its share), two gapped.
    let spam: Vec<H256> = [0, 1, 2, 5, 6]
        .into_iter()
        .map(|nonce| add(&mut pool, &state, 1, &legacy(nonce, 1)).unwrap())
        .collect();
    assert_eq!(pool.len(), 5);
    assert_eq!(
        refused(&mut pool, &state, 1, &legacy(3, 2)),
        "account limit exceeded: pooled 3 txs"
    );
    assert_eq!(
        refused(&mut pool, &state, 1, &legacy(7, 2)),
        "account limit exceeded: pooled 2 txs"
    );
    // Paying the same is not enough.
    assert_eq!(
        refused(&mut pool, &state, 0, &legacy(0, 1)),
        "transaction underpriced"
    );
    // Paying more evicts the cheapest: gapped ones first, the highest nonce first.
    let honest = add(&mut pool, &state, 0, &legacy(0, GWEI)).unwrap();
    assert!(pool.contains(&honest));
    assert!(!pool.contains(&spam[4]));
    add(&mut pool, &state, 2, &legacy(0, GWEI)).unwrap();
    assert!(!pool.contains(&spam[3]));
    // Then the spammer's executable ones, from its highest nonce down: what is left of the
    // spammer stays executable in nonce order.
    add(&mut pool, &state, 3, &legacy(0, GWEI)).unwrap();
    assert!(!pool.contains(&spam[2]));
    assert!(pool.contains(&spam[0]) && pool.contains(&spam[1]));
    assert_eq!(pool.pending_nonce(&addr(1), &state).unwrap(), 2);
    assert_eq!(pool.len(), 5);
    // Every sender who paid is in the next block.
    assert_eq!(
        order(&pool.best(&state, U256::zero(), 30_000_000).unwrap()),
        [(0, 0), (2, 0), (3, 0), (1, 0), (1, 1)]
    );
    // With only executable transactions cheaper, a gapped newcomer cannot get in.
    assert_eq!(
        refused(&mut pool, &state, 4, &legacy(3, GWEI)),
        "future transaction tries to replace pending"
    );
    // The spammer's last executable transaction goes the same way.
    add(&mut pool, &state, 0, &legacy(1, GWEI)).unwrap();
    assert!(!pool.contains(&spam[1]));
    assert!(pool.contains(&spam[0]));
    assert_eq!(pool.len(), 5);
}

#[test]
fn a_sender_owed_its_share_displaces_one_over_its_share() {
    let state = FakeState::funded();
    let mut pool = limited(PoolLimits {
        account_slots: 2,
        global_slots: 3,
        global_queue: 1,
        ..PoolLimits::default()
    });
    // Sender 0 takes every executable slot and the queue, all at one price.
    let big: Vec<H256> = [0, 1, 2, 9]
        .into_iter()
        .map(|nonce| add(&mut pool, &state, 0, &legacy(nonce, GWEI)).unwrap())
        .collect();
    // Paying the same, sender 1 gets in at the expense of sender 0's highest executable nonce
    // (sender 0 holds three executable slots, one over its share of two).
    let share = add(&mut pool, &state, 1, &legacy(0, GWEI)).unwrap();
    assert!(pool.contains(&share));
    assert!(!pool.contains(&big[2]));
    assert!(pool.contains(&big[3]));
    // Now nobody is over their share: paying the same is not enough.
    assert_eq!(
        refused(&mut pool, &state, 2, &legacy(0, GWEI)),
        "transaction underpriced"
    );
}

#[test]
fn eviction_takes_the_cheapest_senders_highest_nonce() {
    let state = FakeState::funded();
    let mut pool = limited(PoolLimits {
        global_slots: 3,
        global_queue: 1,
        ..PoolLimits::default()
    });
    // Sender 0's second transaction pays 100 gwei but cannot run before its 1 gwei first one,
    // so sender 0 is the cheapest: 1 gwei against sender 1's 2 gwei.
    let a0 = add(&mut pool, &state, 0, &legacy(0, GWEI)).unwrap();
    let a1 = add(&mut pool, &state, 0, &legacy(1, 100 * GWEI)).unwrap();
    let b0 = add(&mut pool, &state, 1, &legacy(0, 2 * GWEI)).unwrap();
    let b2 = add(&mut pool, &state, 1, &legacy(2, 50 * GWEI)).unwrap();
    // The gapped one goes first even though it pays more per gas than everything else but a1.
    let c0 = add(&mut pool, &state, 2, &legacy(0, 3 * GWEI)).unwrap();
    assert!(!pool.contains(&b2));
    // Then sender 0 loses nonce 1 (its highest), not nonce 0.
    let d0 = add(&mut pool, &state, 3, &legacy(0, 3 * GWEI)).unwrap();
    assert!(!pool.contains(&a1));
    for kept in [a0, b0, c0, d0] {
        assert!(pool.contains(&kept));
    }
    // A sender's own chain does not outbid itself: its next nonce is worth its cheapest
    // predecessor.
    assert_eq!(
        refused(&mut pool, &state, 0, &legacy(1, 100 * GWEI)),
        "transaction underpriced"
    );
    // The effective price at the base fee decides: at base fee 10 gwei a 12 gwei fee cap with
    // a 5 gwei tip pays 12, a legacy 11 gwei price pays 11.
    let mut pool = limited(PoolLimits {
        global_slots: 1,
        global_queue: 1,
        ..PoolLimits::default()
    });
    let base_fee = U256::from(10 * GWEI);
    for (i, unsigned) in [legacy(0, 11 * GWEI), dynamic(0, 12 * GWEI, 5 * GWEI)]
        .iter()
        .enumerate()
    {
        let (tx, raw) = signed(i, unsigned);
        pool.add(tx, raw, &state, base_fee).unwrap();
    }
    let (tx, raw) = signed(2, &legacy(0, 12 * GWEI));
    pool.add(tx, raw, &state, base_fee).unwrap();
    assert_eq!(
        order(&pool.best(&state, base_fee, 30_000_000).unwrap()),
        [(1, 0), (2, 0)]
    );
}

#[test]
fn global_queue_evicts_the_cheapest_gapped_transaction() {
    let state = FakeState::funded();
    let mut pool = limited(PoolLimits {
        global_queue: 2,
        ..PoolLimits::default()
    });
    let cheap = add(&mut pool, &state, 0, &legacy(5, GWEI)).unwrap();
    add(&mut pool, &state, 1, &legacy(5, 2 * GWEI)).unwrap();
    assert_eq!(
        refused(&mut pool, &state, 2, &legacy(5, GWEI)),
        "transaction underpriced"
    );
    add(&mut pool, &state, 2, &legacy(5, 3 * GWEI)).unwrap();
    assert!(!pool.contains(&cheap));
    assert_eq!(pool.queued_count(&state).unwrap(), 2);
    // The queue being full does not stop executable transactions.
    add(&mut pool, &state, 0, &legacy(0, 1)).unwrap();
    assert_eq!(pool.len(), 3);
}

#[test]
fn queued_transactions_expire_after_the_lifetime() {
    let mut state = FakeState::funded();
    let clock = Arc::new(ManualClock(std::sync::Mutex::new(Instant::now())));
    let mut pool = Pool::with_clock(
        PoolConfig {
            limits: PoolLimits {
                lifetime: Duration::from_secs(60),
                ..PoolLimits::default()
            },
            ..PoolConfig::new(CHAIN, 30_000_000, CalldataPrices::BYZANTIUM)
        },
        clock.clone(),
    );
    let pending = add(&mut pool, &state, 0, &legacy(0, GWEI)).unwrap();
    let queued = add(&mut pool, &state, 0, &legacy(2, GWEI)).unwrap();
    let other = add(&mut pool, &state, 1, &legacy(4, GWEI)).unwrap();
    // The lifetime counts from the sender's last accepted transaction.
    clock.advance(Duration::from_secs(40));
    add(&mut pool, &state, 0, &legacy(3, GWEI)).unwrap();
    clock.advance(Duration::from_secs(20));
    // Exactly the lifetime is not past it.
    pool.on_new_block(&state, &[]).unwrap();
    assert!(pool.contains(&other));
    clock.advance(Duration::from_secs(1));
    pool.on_new_block(&state, &[]).unwrap();
    assert!(!pool.contains(&other));
    assert!(pool.contains(&queued));
    // Sender 0's gapped ones go 60 s after its last add; its executable one stays.
    clock.advance(Duration::from_secs(40));
    add(&mut pool, &state, 2, &legacy(0, GWEI)).unwrap();
    assert!(!pool.contains(&queued));
    assert!(pool.contains(&pending));
    assert_eq!(pool.len(), 2);
    assert_eq!(pool.queued_count(&state).unwrap(), 0);
    // Once mined past, nothing of sender 0 is left to expire.
    state.set_nonce(0, 1);
    pool.on_new_block(&state, &[]).unwrap();
    assert_eq!(pool.len(), 1);
}

#[test]
fn checks_run_in_geth_order() {
    let mut state = FakeState::funded();
    state.set_nonce(0, 3);
    state.set_balance(0, 0u64);
    let mut pool = Pool::new(PoolConfig {
        max_tx_size: 1000,
        ..PoolConfig::new(CHAIN, 30_000_000, CalldataPrices::BYZANTIUM)
    });
    // Everything wrong at once, then one fault fixed at a time.
    let mut tx = legacy(0, GWEI);
    tx.kind = TxKind::Legacy { chain_id: Some(1) };
    tx.chain_id = Some(1);
    tx.to = None;
    tx.data = vec![1; 98_305];
    tx.gas_limit = 40_000_000;
    tx.gas_price = U256::zero();
    let expected = [
        "oversized data",
        "max initcode size exceeded",
        "exceeds block gas limit",
        "invalid sender",
        "intrinsic gas too low",
        "transaction gas price below minimum",
        "nonce too low",
        "insufficient funds",
    ];
    type Fix = Box<dyn Fn(&mut UnsignedTransaction, &mut Pool)>;
    let mut fixes: Vec<Fix> = vec![
        Box::new(|_, pool| pool.config.max_tx_size = DEFAULT_MAX_TX_SIZE),
        Box::new(|tx, _| tx.data = vec![1; 10]),
        Box::new(|tx, _| tx.gas_limit = 50_000),
        Box::new(|tx, _| {
            tx.kind = TxKind::Legacy {
                chain_id: Some(CHAIN),
            };
            tx.chain_id = Some(CHAIN);
        }),
        Box::new(|tx, _| tx.gas_limit = 100_000),
        Box::new(|tx, _| tx.gas_price = U256::from(GWEI)),
        Box::new(|tx, _| tx.nonce = 3),
    ];
    fixes.reverse();
    for prefix in expected {
        let message = refused(&mut pool, &state, 0, &tx);
        assert!(
            message.starts_with(prefix),
            "{message:?} should start with {prefix:?}"
        );
        if let Some(fix) = fixes.pop() {
            fix(&mut tx, &mut pool);
        }
    }
    // The tip check comes after the gas limit and before the chain id.
    let mut both = dynamic(0, 1, 2);
    both.chain_id = Some(1);
    both.gas_limit = 40_000_000;
    assert!(refused(&mut pool, &state, 0, &both).starts_with("exceeds block gas limit"));
    both.gas_limit = 21_000;
    assert!(refused(&mut pool, &state, 0, &both).starts_with("max priority fee"));
    // A known transaction is known before anything else is looked at.
    let funded = FakeState::funded();
    let hash = add(&mut pool, &funded, 1, &legacy(0, GWEI)).unwrap();
    assert!(pool.contains(&hash));
    let mut poorer = FakeState::funded();
    poorer.set_balance(1, 0u64);
    assert_eq!(
        refused(&mut pool, &poorer, 1, &legacy(0, GWEI)),
        "already known"
    );
}

#[test]
fn resubmitting_a_mined_transaction_is_nonce_too_low() {
    let mut state = FakeState::funded();
    let mut pool = pool();
    add(&mut pool, &state, 0, &legacy(0, GWEI)).unwrap();
    state.set_nonce(0, 1);
    assert_eq!(
        refused(&mut pool, &state, 0, &legacy(0, GWEI)),
        "nonce too low: next nonce 1, tx nonce 0"
    );
    assert!(pool.is_empty());
}

#[test]
fn gaps_wait() {
    let state = FakeState::funded();
    let mut pool = pool();
    add(&mut pool, &state, 0, &legacy(0, GWEI)).unwrap();
    add(&mut pool, &state, 0, &legacy(2, GWEI)).unwrap();
    assert_eq!(
        order(&pool.best(&state, U256::zero(), 30_000_000).unwrap()),
        [(0, 0)]
    );
    assert_eq!(pool.pending_count(&state).unwrap(), 1);
    assert_eq!(pool.queued_count(&state).unwrap(), 1);
    assert_eq!(pool.pending_nonce(&addr(0), &state).unwrap(), 1);

    add(&mut pool, &state, 0, &legacy(1, GWEI)).unwrap();
    assert_eq!(
        order(&pool.best(&state, U256::zero(), 30_000_000).unwrap()),
        [(0, 0), (0, 1), (0, 2)]
    );
    assert_eq!(pool.pending_count(&state).unwrap(), 3);
    assert_eq!(pool.queued_count(&state).unwrap(), 0);
    assert_eq!(pool.pending_nonce(&addr(0), &state).unwrap(), 3);
}

#[test]
fn nothing_is_executable_without_the_account_nonce() {
    let mut state = FakeState::funded();
    state.set_nonce(0, 4);
    let mut pool = pool();
    add(&mut pool, &state, 0, &legacy(5, GWEI)).unwrap();
    add(&mut pool, &state, 0, &legacy(6, GWEI)).unwrap();
    assert!(
        pool.best(&state, U256::zero(), 30_000_000)
            .unwrap()
            .is_empty()
    );
    assert_eq!(pool.pending_count(&state).unwrap(), 0);
    assert_eq!(pool.queued_count(&state).unwrap(), 2);
    assert_eq!(pool.pending_nonce(&addr(0), &state).unwrap(), 4);
}

#[test]
fn pending_nonce_counts_the_run_from_the_account_nonce() {
    let mut state = FakeState::funded();
    state.set_nonce(0, 5);
    let mut pool = pool();
    assert_eq!(pool.pending_nonce(&addr(0), &state).unwrap(), 5);
    assert_eq!(
        pool.pending_nonce(&H160::repeat_byte(9), &state).unwrap(),
        0
    );
    for nonce in [5, 6, 8] {
        add(&mut pool, &state, 0, &legacy(nonce, GWEI)).unwrap();
    }
    assert_eq!(pool.pending_nonce(&addr(0), &state).unwrap(), 7);
    assert_eq!(pool.pending_nonce(&addr(1), &state).unwrap(), 0);
    // Once the chain has mined 5 and 6 (the pool has not been told yet), the run starts at 7.
    state.set_nonce(0, 7);
    assert_eq!(pool.pending_nonce(&addr(0), &state).unwrap(), 7);
    state.set_nonce(0, 8);
    assert_eq!(pool.pending_nonce(&addr(0), &state).unwrap(), 9);
}

#[test]
fn best_orders_by_effective_tip_and_keeps_nonce_order() {
    let state = FakeState::funded();
    let mut pool = pool();
    let base_fee = 10 * GWEI;
    // Sender 0: a cheap first transaction holding back an expensive second one.
    add(&mut pool, &state, 0, &dynamic(0, 100 * GWEI, GWEI)).unwrap();
    add(&mut pool, &state, 0, &dynamic(1, 200 * GWEI, 100 * GWEI)).unwrap();
    // Senders 1 and 2: equal tips; 1 arrived first.
    add(&mut pool, &state, 1, &dynamic(0, 100 * GWEI, 50 * GWEI)).unwrap();
    add(&mut pool, &state, 2, &dynamic(0, 100 * GWEI, 50 * GWEI)).unwrap();
    // Sender 3: a 5 gwei tip, capped to 2 by its fee cap (12 - 10).
    add(&mut pool, &state, 3, &dynamic(0, 12 * GWEI, 5 * GWEI)).unwrap();
    let best = pool.best(&state, U256::from(base_fee), 30_000_000).unwrap();
    assert_eq!(order(&best), [(1, 0), (2, 0), (3, 0), (0, 0), (0, 1)]);
}

#[test]
fn effective_tip_depends_on_the_base_fee() {
    let state = FakeState::funded();
    let mut pool = pool();
    // A legacy price is both fee cap and tip: 13 gwei tips 3 at base fee 10, 13 at base fee 0.
    add(&mut pool, &state, 0, &legacy(0, 13 * GWEI)).unwrap();
    add(&mut pool, &state, 1, &dynamic(0, 100 * GWEI, 5 * GWEI)).unwrap();
    // Tips 2 at base fee 10 (capped by 12 - 10), 5 at base fee 0.
    add(&mut pool, &state, 2, &dynamic(0, 12 * GWEI, 5 * GWEI)).unwrap();
    let at_ten = pool
        .best(&state, U256::from(10 * GWEI), 30_000_000)
        .unwrap();
    assert_eq!(order(&at_ten), [(1, 0), (0, 0), (2, 0)]);
    // At base fee 0 senders 1 and 2 tie at 5 gwei; 1 arrived first.
    let at_zero = pool.best(&state, U256::zero(), 30_000_000).unwrap();
    assert_eq!(order(&at_zero), [(0, 0), (1, 0), (2, 0)]);
}

#[test]
fn fee_cap_below_a_risen_base_fee_stays_pooled_but_is_not_offered() {
    let state = FakeState::funded();
    let mut pool = pool();
    // Accepted while the base fee was low enough.
    add(&mut pool, &state, 0, &dynamic(0, 5 * GWEI, GWEI)).unwrap();
    add(&mut pool, &state, 0, &dynamic(1, 100 * GWEI, 50 * GWEI)).unwrap();
    add(&mut pool, &state, 1, &dynamic(0, 20 * GWEI, 2 * GWEI)).unwrap();
    // Then the base fee rose: sender 0's first transaction cannot pay it, so neither can run.
    let base_fee = U256::from(10 * GWEI);
    assert_eq!(
        order(&pool.best(&state, base_fee, 30_000_000).unwrap()),
        [(1, 0)]
    );
    // At the fee cap exactly it can (tip 0), and the base fee has dropped for everyone.
    let lower = U256::from(5 * GWEI);
    assert_eq!(
        order(&pool.best(&state, lower, 30_000_000).unwrap()),
        [(1, 0), (0, 0), (0, 1)]
    );
    // Still counted as pending: executable by nonce, only waiting for the price.
    assert_eq!(pool.pending_count(&state).unwrap(), 3);
}

#[test]
fn best_packs_up_to_the_gas_limit() {
    let state = FakeState::funded();
    let mut pool = pool();
    // Sender 0: two plain transfers with the highest and the lowest tip.
    add(&mut pool, &state, 0, &legacy(0, 3 * GWEI)).unwrap();
    add(&mut pool, &state, 0, &legacy(1, GWEI)).unwrap();
    // Sender 1: a 30000-gas transaction in the middle, then a transfer.
    let mut wide = legacy(0, 2 * GWEI);
    wide.gas_limit = 30_000;
    add(&mut pool, &state, 1, &wide).unwrap();
    add(&mut pool, &state, 1, &legacy(1, 2 * GWEI)).unwrap();

    let all = pool.best(&state, U256::zero(), 30_000_000).unwrap();
    assert_eq!(order(&all), [(0, 0), (1, 0), (1, 1), (0, 1)]);
    // 51000 fits 0/0 and 1/0; 0/1 and 1/1 would not.
    assert_eq!(
        order(&pool.best(&state, U256::zero(), 51_000).unwrap()),
        [(0, 0), (1, 0)]
    );
    // 50000: 1/0 no longer fits after 0/0, so sender 1 is done (1/1 cannot run without it),
    // and 0/1 fills the rest.
    assert_eq!(
        order(&pool.best(&state, U256::zero(), 50_000).unwrap()),
        [(0, 0), (0, 1)]
    );
    let gas: u64 = pool
        .best(&state, U256::zero(), 50_000)
        .unwrap()
        .iter()
        .map(|(tx, _)| tx.gas_limit)
        .sum();
    assert_eq!(gas, 42_000);
    assert!(pool.best(&state, U256::zero(), 20_999).unwrap().is_empty());
}

#[test]
fn on_new_block_drops_mined_stale_and_rejected() {
    let mut state = FakeState::funded();
    let mut pool = pool();
    let a: Vec<H256> = (0..3)
        .map(|n| add(&mut pool, &state, 0, &legacy(n, GWEI)).unwrap())
        .collect();
    let b0 = add(&mut pool, &state, 1, &legacy(0, GWEI)).unwrap();
    let b1 = add(&mut pool, &state, 1, &legacy(1, GWEI)).unwrap();
    // Sender 2's pooled nonce 0 is made obsolete by another transaction mined with nonce 0.
    let c0 = add(&mut pool, &state, 2, &legacy(0, GWEI)).unwrap();
    assert_eq!(pool.len(), 6);

    state.set_nonce(0, 2);
    state.set_nonce(2, 1);
    pool.on_new_block(&state, &[b0]).unwrap();

    assert_eq!(pool.len(), 2);
    for gone in [a[0], a[1], b0, c0] {
        assert!(!pool.contains(&gone));
        assert!(pool.get(&gone).is_none());
    }
    assert!(pool.contains(&a[2]));
    assert!(pool.contains(&b1));
    // Sender 1 lost nonce 0 without the chain moving: nonce 1 waits behind the gap.
    assert_eq!(
        order(&pool.best(&state, U256::zero(), 30_000_000).unwrap()),
        [(0, 2)]
    );
    assert_eq!(pool.pending_count(&state).unwrap(), 1);
    assert_eq!(pool.queued_count(&state).unwrap(), 1);
    assert_eq!(pool.pending_nonce(&addr(1), &state).unwrap(), 0);

    // Dropping unknown hashes is harmless; mining everything empties the pool.
    state.set_nonce(0, 3);
    state.set_nonce(1, 2);
    pool.on_new_block(&state, &[H256::repeat_byte(1)]).unwrap();
    assert!(pool.is_empty());
    assert_eq!(pool.pending_count(&state).unwrap(), 0);
    assert_eq!(pool.queued_count(&state).unwrap(), 0);
}

#[test]
fn stale_transactions_count_as_neither_pending_nor_queued() {
    let mut state = FakeState::funded();
    let mut pool = pool();
    for nonce in [0, 1, 3] {
        add(&mut pool, &state, 0, &legacy(nonce, GWEI)).unwrap();
    }
    state.set_nonce(0, 1);
    assert_eq!(pool.pending_count(&state).unwrap(), 1);
    assert_eq!(pool.queued_count(&state).unwrap(), 1);
    assert_eq!(pool.len(), 3);
    // The funds check ignores them too, once the sender's next transaction arrives.
    state.set_balance(0, 3 * 21_000 * GWEI + 3);
    add(&mut pool, &state, 0, &legacy(2, GWEI)).unwrap();
    assert_eq!(pool.len(), 3);
    assert_eq!(pool.pending_count(&state).unwrap(), 3);
}

/// Three senders, nonces 0..6, three prices each 10% above the last (so any higher-priced
/// version replaces a lower-priced one): every transaction the property test can submit,
/// signed once.
fn universe() -> &'static [(SignedTransaction, Vec<u8>)] {
    static TXS: OnceLock<Vec<(SignedTransaction, Vec<u8>)>> = OnceLock::new();
    TXS.get_or_init(|| {
        let mut txs = Vec::new();
        for sender in 0..3 {
            for nonce in 0..6 {
                for price in [100, 110, 121] {
                    let mut tx = legacy(nonce, price * GWEI);
                    tx.gas_limit = 21_000 + 1_000 * nonce;
                    txs.push(signed(sender, &tx));
                }
            }
        }
        txs
    })
}

#[derive(Clone, Debug)]
enum Op {
    Add(usize),
    Block {
        mined: [u64; 3],
        dropped: Vec<usize>,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..54usize).prop_map(Op::Add),
        1 => (
            proptest::array::uniform3(0..3u64),
            proptest::collection::vec(0..54usize, 0..3)
        )
            .prop_map(|(mined, dropped)| Op::Block { mined, dropped }),
    ]
}

fn check_invariants(pool: &Pool, state: &FakeState) -> Result<(), TestCaseError> {
    let pooled: Vec<&SignedTransaction> = universe()
        .iter()
        .filter(|(tx, _)| pool.contains(&tx.hash))
        .map(|(tx, _)| tx)
        .collect();
    prop_assert_eq!(pooled.len(), pool.len());
    let mut slots = HashSet::new();
    for tx in &pooled {
        prop_assert!(slots.insert((tx.sender, tx.nonce)), "two txs for one nonce");
        prop_assert_eq!(pool.get(&tx.hash), Some(*tx));
        prop_assert!(
            tx.nonce >= state.nonce(&tx.sender).unwrap(),
            "stale tx survived"
        );
    }
    prop_assert_eq!(
        pool.pending_count(state).unwrap() + pool.queued_count(state).unwrap(),
        pool.len()
    );

    for gas_limit in [30_000_000, 60_000] {
        let best = pool.best(state, U256::zero(), gas_limit).unwrap();
        let mut next: HashMap<H160, u64> = HashMap::new();
        let mut gas = 0;
        for (tx, raw) in &best {
            let expected = next
                .entry(tx.sender)
                .or_insert_with(|| state.nonce(&tx.sender).unwrap());
            prop_assert_eq!(tx.nonce, *expected, "best() skipped or reordered a nonce");
            *expected += 1;
            prop_assert!(pool.contains(&tx.hash));
            prop_assert_eq!(pool.get_raw(&tx.hash), Some(raw.as_slice()));
            gas += tx.gas_limit;
        }
        prop_assert!(gas <= gas_limit);
        if gas_limit == 30_000_000 {
            prop_assert_eq!(best.len(), pool.pending_count(state).unwrap());
            for i in 0..3 {
                let sender = addr(i);
                let taken = best.iter().filter(|(tx, _)| tx.sender == sender).count() as u64;
                prop_assert_eq!(
                    pool.pending_nonce(&sender, state).unwrap(),
                    state.nonce(&sender).unwrap() + taken
                );
            }
        }
    }
    Ok(())
}

/// Small limits the property test's universe (3 senders, 6 nonces) can reach.
fn small_limits() -> PoolLimits {
    PoolLimits {
        account_slots: 2,
        global_slots: 4,
        account_queue: 2,
        global_queue: 2,
        ..PoolLimits::default()
    }
}

/// The slot limits hold after every operation of `random_operations_keep_the_invariants`
/// under [`small_limits`]: evictions take a sender's highest nonce, so they never turn
/// executable transactions into queued ones, and a block cuts back what its rejected
/// transactions turned queued.
fn check_limits(pool: &Pool, state: &FakeState) -> Result<(), TestCaseError> {
    let limits = &pool.config().limits;
    prop_assert!(pool.len() <= limits.capacity());
    let mut total_queued = 0;
    for i in 0..3 {
        let sender = addr(i);
        let start = state.nonce(&sender).unwrap();
        let nonces: Vec<u64> = universe()
            .iter()
            .filter(|(tx, _)| tx.sender == sender && pool.contains(&tx.hash))
            .map(|(tx, _)| tx.nonce)
            .collect();
        let run = run_end_of(&nonces, start) - start;
        let queued = nonces.iter().filter(|&&n| n >= start).count() - run as usize;
        prop_assert!(
            queued <= limits.account_queue,
            "sender {} queues {}",
            i,
            queued
        );
        total_queued += queued;
    }
    prop_assert!(total_queued <= limits.global_queue);
    Ok(())
}

fn run_end_of(nonces: &[u64], start: u64) -> u64 {
    let mut next = start;
    while nonces.contains(&next) {
        next += 1;
    }
    next
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn random_operations_keep_the_invariants(
        ops in proptest::collection::vec(op(), 1..40),
        small in any::<bool>(),
    ) {
        let mut state = FakeState::funded();
        let mut pool = if small { limited(small_limits()) } else { pool() };
        for op in ops {
            match op {
                Op::Add(i) => {
                    let (tx, raw) = universe()[i].clone();
                    let hash = tx.hash;
                    let known = pool.contains(&hash);
                    let before = pool.len();
                    match pool.add(tx, raw, &state, U256::zero()) {
                        Ok(added) => {
                            prop_assert_eq!(added, hash);
                            prop_assert!(!known);
                            prop_assert!(pool.contains(&hash));
                            prop_assert!(pool.len() <= before + 1);
                        }
                        Err(PoolError::AlreadyKnown) => prop_assert!(known),
                        Err(PoolError::NonceTooLow { .. } | PoolError::ReplaceUnderpriced) => {
                            prop_assert!(!pool.contains(&hash));
                        }
                        Err(
                            PoolError::AccountLimitExceeded { .. }
                            | PoolError::Underpriced
                            | PoolError::FutureReplacePending,
                        ) if small => {
                            prop_assert!(!pool.contains(&hash));
                            prop_assert_eq!(pool.len(), before);
                        }
                        Err(other) => prop_assert!(false, "unexpected rejection: {other}"),
                    }
                }
                Op::Block { mined, dropped } => {
                    for (i, count) in mined.iter().enumerate() {
                        let nonce = state.nonce(&addr(i)).unwrap();
                        state.set_nonce(i, nonce + count);
                    }
                    let dropped: Vec<H256> =
                        dropped.iter().map(|&i| universe()[i].0.hash).collect();
                    pool.on_new_block(&state, &dropped).unwrap();
                    for hash in &dropped {
                        prop_assert!(!pool.contains(hash));
                    }
                }
            }
            check_invariants(&pool, &state)?;
            if small {
                check_limits(&pool, &state)?;
            }
        }
    }
}

/// Instant mining's group commit settles submissions on this flag: a block offered every
/// executable transaction leaves none behind.
#[test]
fn best_within_says_whether_the_gas_limit_left_transactions_out() {
    let state = FakeState::funded();
    let mut pool = pool();
    for sender in 0..3 {
        add(&mut pool, &state, sender, &dynamic(0, 100 * GWEI, GWEI)).unwrap();
    }
    let all = pool.best_within(&state, U256::zero(), 3 * 21_000).unwrap();
    assert_eq!((all.transactions.len(), all.complete), (3, true));
    let two = pool
        .best_within(&state, U256::zero(), 2 * 21_000 + 20_999)
        .unwrap();
    assert_eq!((two.transactions.len(), two.complete), (2, false));
    // A sender's nonce gap is not the gas limit's doing.
    add(&mut pool, &state, 3, &dynamic(5, 100 * GWEI, GWEI)).unwrap();
    let gapped = pool.best_within(&state, U256::zero(), 30_000_000).unwrap();
    assert_eq!((gapped.transactions.len(), gapped.complete), (3, true));
}
