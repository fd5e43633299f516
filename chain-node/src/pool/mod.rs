//! The transaction pool: signed transactions waiting for a block.
//!
//! `eth_sendRawTransaction` puts decoded transactions here and the block builder takes them out.
//! Clients expect geth's behaviour, so the pool follows geth's legacy pool where a client can see
//! the difference: the same checks in the same order with the same error texts (see
//! [`PoolError`]), nonce gaps allowed (a transaction waits until the gap before it is filled),
//! replacement of a pooled transaction only with both fees raised by the price bump, and blocks
//! filled by effective tip across senders while each sender's transactions keep their nonce
//! order.
//!
//! Where it is simpler than geth, on purpose, for a dev node:
//! - Every pooled transaction of a sender is in one nonce-ordered map; "pending" (executable now)
//!   and "queued" (behind a gap) are computed from the account nonce when asked, not kept as two
//!   lists that must be promoted and demoted after each block.
//! - A transaction whose fee cap is below the current base fee is accepted, as geth's legacy pool
//!   accepts it (the pool only enforces a minimum tip; the base fee is checked when a block is
//!   built). [`Pool::best`] leaves it out, with the sender's later nonces, until the base fee
//!   drops to its fee cap.
//! - A full pool refuses new transactions ("txpool is full") instead of evicting cheaper ones,
//!   and a sender over its limit is refused ("account limit exceeded") instead of having its
//!   highest nonces dropped later. A replacement never counts against either limit.
//! - The funds check counts all of the sender's pooled transactions, gapped ones included (geth
//!   counts its pending list), so a sender cannot queue more than its balance can ever pay for.
//! - There is no minimum gas price: dev chains commonly run with zero-priced transactions.
//!
//! Ties in tip are broken by arrival order (geth uses arrival time), through a sequence number,
//! so the same sequence of calls always yields the same blocks.

mod error;

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use primitive_types::{H160, H256, U256, U512};
use rewasm_vm::executor::transaction::TX_GAS;
use rewasm_vm::executor::{MAX_CODE_SIZE, Transaction, intrinsic_gas};

pub use error::{Charge, POOL_ERROR_CODE, PoolError, Shortfall, SignedWei};

use crate::genesis::{DEV_CHAIN_ID, DEV_GAS_LIMIT};
use crate::tx::SignedTransaction;

/// geth's default price bump for replacements (legacypool.go `DefaultConfig.PriceBump`).
pub const DEFAULT_PRICE_BUMP_PERCENT: u64 = 10;
/// Pooled transactions per sender (geth's `AccountQueue` default).
pub const DEFAULT_MAX_PER_SENDER: usize = 64;
/// Pooled transactions in all.
pub const DEFAULT_MAX_TOTAL: usize = 10_000;
/// Raw transaction size limit: geth's `txMaxSize` (legacypool.go), 128 KiB.
pub const DEFAULT_MAX_TX_SIZE: usize = 128 * 1024;
/// Init code limit for creating transactions: twice EIP-3860's `2 * MAX_CODE_SIZE`, i.e.
/// 98 304 bytes. Wasm contracts are larger than EVM bytecode for the same logic, and init code
/// carries the runtime code inside it; the runtime code itself stays capped at
/// [`MAX_CODE_SIZE`] by the executor.
pub const DEFAULT_MAX_CODE_SIZE: usize = 4 * MAX_CODE_SIZE;

/// What the pool needs to know about the head state.
pub trait AccountReader {
    /// The account's nonce (0 for an account that does not exist).
    fn nonce(&self, address: &H160) -> u64;
    /// The account's balance in wei (0 for an account that does not exist).
    fn balance(&self, address: &H160) -> U256;
}

/// The pool's limits and the chain parameters its checks need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolConfig {
    /// The chain id transactions must be signed for (pre-EIP-155 legacy ones carry none and are
    /// accepted).
    pub chain_id: u64,
    /// The block gas limit: a transaction above it could never be included.
    pub block_gas_limit: u64,
    /// A replacement must raise both the fee cap and the tip by this many percent.
    pub price_bump_percent: u64,
    /// Pooled transactions per sender.
    pub max_per_sender: usize,
    /// Pooled transactions in all.
    pub max_total: usize,
    /// Bytes of a raw transaction.
    pub max_tx_size: usize,
    /// Bytes of init code in a contract creation.
    pub max_code_size: usize,
}

impl PoolConfig {
    /// The default limits for a chain.
    pub fn new(chain_id: u64, block_gas_limit: u64) -> Self {
        Self {
            chain_id,
            block_gas_limit,
            price_bump_percent: DEFAULT_PRICE_BUMP_PERCENT,
            max_per_sender: DEFAULT_MAX_PER_SENDER,
            max_total: DEFAULT_MAX_TOTAL,
            max_tx_size: DEFAULT_MAX_TX_SIZE,
            max_code_size: DEFAULT_MAX_CODE_SIZE,
        }
    }
}

impl Default for PoolConfig {
    /// The dev chain's parameters with the default limits.
    fn default() -> Self {
        Self::new(DEV_CHAIN_ID, DEV_GAS_LIMIT)
    }
}

/// A pooled transaction with what the pool keeps about it.
#[derive(Clone, Debug)]
struct Pooled {
    tx: SignedTransaction,
    raw: Vec<u8>,
    /// `gas_limit * max_fee + value`, computed once.
    cost: U512,
    /// Arrival order, for tie-breaking.
    seq: u64,
}

/// The pool. Not synchronised: the node keeps it behind its own lock.
#[derive(Debug)]
pub struct Pool {
    config: PoolConfig,
    /// Each sender's transactions by nonce. A sender with none has no entry.
    by_sender: HashMap<H160, BTreeMap<u64, Pooled>>,
    /// Hash → (sender, nonce), the key into `by_sender`.
    by_hash: HashMap<H256, (H160, u64)>,
    next_seq: u64,
}

impl Pool {
    /// An empty pool.
    pub fn new(config: PoolConfig) -> Self {
        Self {
            config,
            by_sender: HashMap::new(),
            by_hash: HashMap::new(),
            next_seq: 0,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &PoolConfig {
        &self.config
    }

    /// Validates `tx` (decoded from `raw`) against the pool's rules and the head state, and
    /// pools it; returns its hash. A valid transaction with the nonce of a pooled one replaces
    /// it. The next block's base fee is taken but deliberately not enforced: a fee cap below it
    /// does not make the transaction invalid, as in geth's legacy pool (see the module
    /// documentation); [`Pool::best`] applies it.
    pub fn add(
        &mut self,
        mut tx: SignedTransaction,
        raw: Vec<u8>,
        state: &dyn AccountReader,
        _base_fee: U256,
    ) -> Result<H256, PoolError> {
        let account_nonce = state.nonce(&tx.sender);
        // Entries the chain has mined past are gone in geth by now; dropping them first gives a
        // resubmitted mined transaction geth's answer ("nonce too low", not "already known").
        self.drop_stale(&tx.sender, account_nonce);

        if self.by_hash.contains_key(&tx.hash) {
            return Err(PoolError::AlreadyKnown);
        }
        self.check_stateless(&mut tx, raw.len())?;
        let cost = cost(&tx);
        let replaced = self.check_stateful(&tx, cost, account_nonce, state.balance(&tx.sender))?;
        if !replaced {
            self.check_limits(&tx.sender)?;
        }

        let hash = tx.hash;
        let sender = tx.sender;
        let nonce = tx.nonce;
        let seq = self.next_seq;
        self.next_seq = self.next_seq.saturating_add(1);
        let txs = self.by_sender.entry(sender).or_default();
        if let Some(old) = txs.insert(nonce, Pooled { tx, raw, cost, seq }) {
            self.by_hash.remove(&old.tx.hash);
        }
        self.by_hash.insert(hash, (sender, nonce));
        Ok(hash)
    }

    /// The checks that need neither state nor the pool's contents, in geth's order
    /// (core/txpool/validation.go `ValidateTransaction`).
    fn check_stateless(&self, tx: &mut SignedTransaction, raw_len: usize) -> Result<(), PoolError> {
        let config = &self.config;
        if raw_len > config.max_tx_size {
            return Err(PoolError::OversizedData {
                size: raw_len,
                limit: config.max_tx_size,
            });
        }
        if tx.to.is_none() && tx.data.len() > config.max_code_size {
            return Err(PoolError::MaxInitCodeSizeExceeded {
                size: tx.data.len(),
                limit: config.max_code_size,
            });
        }
        if tx.gas_limit > config.block_gas_limit {
            return Err(PoolError::GasLimit {
                gas_limit: tx.gas_limit,
                block_gas_limit: config.block_gas_limit,
            });
        }
        if tx.max_priority_fee > tx.max_fee {
            return Err(PoolError::TipAboveFeeCap {
                tip: tx.max_priority_fee,
                fee_cap: tx.max_fee,
            });
        }
        if let Some(have) = tx.chain_id
            && have != config.chain_id
        {
            return Err(PoolError::InvalidChainId {
                have,
                want: config.chain_id,
            });
        }
        if tx.nonce == u64::MAX {
            return Err(PoolError::NonceMax);
        }
        let needed = intrinsic_gas_of(tx);
        if tx.gas_limit < needed {
            return Err(PoolError::IntrinsicGas {
                gas: tx.gas_limit,
                needed,
            });
        }
        Ok(())
    }

    /// Nonce and funds, in geth's order (core/txpool/validation.go
    /// `ValidateTransactionWithState`), then the replacement rule (legacypool.go `add`, list.go
    /// `Add`). Returns whether `tx` replaces a pooled transaction.
    fn check_stateful(
        &self,
        tx: &SignedTransaction,
        cost: U512,
        account_nonce: u64,
        balance: U256,
    ) -> Result<bool, PoolError> {
        if tx.nonce < account_nonce {
            return Err(PoolError::NonceTooLow {
                next: account_nonce,
                nonce: tx.nonce,
            });
        }
        let balance_wide = U512::from(balance);
        let short = |queued, charge, need: U512| {
            PoolError::InsufficientFunds(Box::new(Shortfall {
                balance,
                queued,
                charge,
                overshot: need.saturating_sub(balance_wide),
            }))
        };
        if balance_wide < cost {
            return Err(short(None, Charge::Cost(cost), cost));
        }
        let txs = self.by_sender.get(&tx.sender);
        let queued = txs.map_or(U512::zero(), |txs| {
            txs.values()
                .fold(U512::zero(), |sum, p| sum.saturating_add(p.cost))
        });
        match txs.and_then(|txs| txs.get(&tx.nonce)) {
            Some(old) => {
                let need = queued.saturating_sub(old.cost).saturating_add(cost);
                if balance_wide < need {
                    let bump = Charge::Bump(SignedWei::difference(cost, old.cost));
                    return Err(short(Some(queued), bump, need));
                }
                if !outbids(tx, &old.tx, self.config.price_bump_percent) {
                    return Err(PoolError::ReplaceUnderpriced);
                }
                Ok(true)
            }
            None => {
                let need = queued.saturating_add(cost);
                if balance_wide < need {
                    return Err(short(Some(queued), Charge::Cost(cost), need));
                }
                Ok(false)
            }
        }
    }

    /// The per-sender and total limits, for a transaction that takes a new nonce.
    fn check_limits(&self, sender: &H160) -> Result<(), PoolError> {
        let pooled = self.by_sender.get(sender).map_or(0, BTreeMap::len);
        if pooled >= self.config.max_per_sender {
            return Err(PoolError::AccountLimitExceeded { pooled });
        }
        if self.by_hash.len() >= self.config.max_total {
            return Err(PoolError::TxPoolOverflow);
        }
        Ok(())
    }

    /// Removes the sender's transactions with nonces below `account_nonce`.
    fn drop_stale(&mut self, sender: &H160, account_nonce: u64) {
        let Entry::Occupied(mut entry) = self.by_sender.entry(*sender) else {
            return;
        };
        let txs = entry.get_mut();
        if txs
            .first_key_value()
            .is_none_or(|(&lowest, _)| lowest >= account_nonce)
        {
            return;
        }
        let keep = txs.split_off(&account_nonce);
        let stale = std::mem::replace(txs, keep);
        for pooled in stale.values() {
            self.by_hash.remove(&pooled.tx.hash);
        }
        if entry.get().is_empty() {
            entry.remove();
        }
    }

    /// The next nonce the sender should use: the account nonce, plus the run of consecutive
    /// pooled nonces starting there (what `eth_getTransactionCount(addr, "pending")` returns).
    pub fn pending_nonce(&self, address: &H160, state: &dyn AccountReader) -> u64 {
        let start = state.nonce(address);
        match self.by_sender.get(address) {
            Some(txs) => run_end(txs, start),
            None => start,
        }
    }

    /// Executable transactions for the next block, as (transaction, raw bytes) pairs.
    ///
    /// Per sender only the gap-free run starting at the account nonce counts. Across senders
    /// the transaction with the highest effective tip at `base_fee` (`min(tip cap, fee cap -
    /// base fee)`) goes first, earlier arrival breaking ties, and a sender's next nonce becomes
    /// a candidate once the previous one is taken — geth's `TransactionsByPriceAndNonce`. A
    /// transaction with fee cap below `base_fee` is skipped together with the sender's later
    /// nonces, which cannot run without it; so is one whose gas limit no longer fits in
    /// `gas_limit` (like geth's miner, other senders' smaller transactions may still fill the
    /// block).
    pub fn best(
        &self,
        state: &dyn AccountReader,
        base_fee: U256,
        gas_limit: u64,
    ) -> Vec<(SignedTransaction, Vec<u8>)> {
        let mut heads: BinaryHeap<Candidate<'_>> = self
            .by_sender
            .iter()
            .filter_map(|(sender, txs)| Candidate::at(txs, state.nonce(sender), base_fee))
            .collect();
        let mut out = Vec::new();
        let mut gas_left = gas_limit;
        while let Some(head) = heads.pop() {
            if gas_left < TX_GAS {
                break;
            }
            let Some(left) = gas_left.checked_sub(head.pooled.tx.gas_limit) else {
                continue;
            };
            gas_left = left;
            out.push((head.pooled.tx.clone(), head.pooled.raw.clone()));
            if let Some(next_nonce) = head.pooled.tx.nonce.checked_add(1)
                && let Some(next) = Candidate::at(head.txs, next_nonce, base_fee)
            {
                heads.push(next);
            }
        }
        out
    }

    /// After a block: drops every transaction whose nonce is now below its sender's account
    /// nonce (mined, or made obsolete by another transaction with that nonce) and every one in
    /// `dropped` (the block builder found it invalid). A sender's later transactions stay, behind
    /// the gap, until the gap is filled or they go stale.
    pub fn on_new_block(&mut self, state: &dyn AccountReader, dropped: &[H256]) {
        let by_hash = &mut self.by_hash;
        self.by_sender.retain(|sender, txs| {
            let account_nonce = state.nonce(sender);
            let keep = txs.split_off(&account_nonce);
            for pooled in txs.values() {
                by_hash.remove(&pooled.tx.hash);
            }
            *txs = keep;
            !txs.is_empty()
        });
        for hash in dropped {
            self.remove(hash);
        }
    }

    /// Removes one transaction; returns it with its raw bytes if it was pooled.
    pub fn remove(&mut self, hash: &H256) -> Option<(SignedTransaction, Vec<u8>)> {
        let (sender, nonce) = self.by_hash.remove(hash)?;
        let Entry::Occupied(mut entry) = self.by_sender.entry(sender) else {
            return None;
        };
        let removed = entry.get_mut().remove(&nonce);
        if entry.get().is_empty() {
            entry.remove();
        }
        removed.map(|pooled| (pooled.tx, pooled.raw))
    }

    /// A pooled transaction by hash.
    pub fn get(&self, hash: &H256) -> Option<&SignedTransaction> {
        self.pooled(hash).map(|pooled| &pooled.tx)
    }

    /// A pooled transaction's raw bytes by hash (`eth_getRawTransactionByHash`).
    pub fn get_raw(&self, hash: &H256) -> Option<&[u8]> {
        self.pooled(hash).map(|pooled| pooled.raw.as_slice())
    }

    fn pooled(&self, hash: &H256) -> Option<&Pooled> {
        let (sender, nonce) = self.by_hash.get(hash)?;
        self.by_sender.get(sender)?.get(nonce)
    }

    /// Whether a transaction with this hash is pooled.
    pub fn contains(&self, hash: &H256) -> bool {
        self.by_hash.contains_key(hash)
    }

    /// Pooled transactions, executable or not.
    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    /// Whether the pool is empty.
    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }

    /// Transactions executable now: each sender's gap-free run from its account nonce
    /// (`txpool_status.pending`).
    pub fn pending_count(&self, state: &dyn AccountReader) -> usize {
        self.by_sender
            .iter()
            .map(|(sender, txs)| run_len(txs, state.nonce(sender)))
            .sum()
    }

    /// Transactions waiting behind a nonce gap (`txpool_status.queued`). Transactions already
    /// below the account nonce, which [`Pool::on_new_block`] has yet to drop, count as neither
    /// pending nor queued.
    pub fn queued_count(&self, state: &dyn AccountReader) -> usize {
        self.by_sender
            .iter()
            .map(|(sender, txs)| {
                let start = state.nonce(sender);
                txs.range(start..)
                    .count()
                    .saturating_sub(run_len(txs, start))
            })
            .sum()
    }
}

/// `gas_limit * max_fee + value`, what the sender must hold for the transaction (geth's
/// `tx.Cost()`). 512 bits hold it without overflow.
fn cost(tx: &SignedTransaction) -> U512 {
    U512::from(tx.gas_limit)
        .saturating_mul(U512::from(tx.max_fee))
        .saturating_add(U512::from(tx.value))
}

/// The executor's intrinsic gas for `tx`. The executor's `Transaction` owns its data; the data is
/// lent to it and given back rather than copied (it can be 100 KiB of init code).
fn intrinsic_gas_of(tx: &mut SignedTransaction) -> u64 {
    let probe = Transaction {
        sender: tx.sender,
        to: tx.to,
        nonce: tx.nonce,
        gas_limit: tx.gas_limit,
        gas_price: tx.gas_price,
        value: tx.value,
        data: std::mem::take(&mut tx.data),
        access_list_addresses: tx.access_list_addresses(),
        access_list_storage_keys: tx.access_list_storage_keys(),
    };
    let needed = intrinsic_gas(&probe);
    tx.data = probe.data;
    needed
}

/// geth's replacement rule (core/txpool/legacypool/list.go `Add`): the new transaction must
/// raise the fee cap and the tip above the old ones, each to at least
/// `old * (100 + bump) / 100` (integer division).
fn outbids(new: &SignedTransaction, old: &SignedTransaction, bump_percent: u64) -> bool {
    if new.max_fee <= old.max_fee || new.max_priority_fee <= old.max_priority_fee {
        return false;
    }
    let factor = U512::from(100u64).saturating_add(U512::from(bump_percent));
    let threshold = |old: U256| U512::from(old).saturating_mul(factor) / U512::from(100u64);
    U512::from(new.max_fee) >= threshold(old.max_fee)
        && U512::from(new.max_priority_fee) >= threshold(old.max_priority_fee)
}

/// The nonce after the gap-free run of pooled nonces starting at `start`.
fn run_end(txs: &BTreeMap<u64, Pooled>, start: u64) -> u64 {
    let mut next = start;
    for &nonce in txs.range(start..).map(|(nonce, _)| nonce) {
        if nonce != next {
            break;
        }
        next = next.saturating_add(1);
    }
    next
}

/// The length of the gap-free run of pooled nonces starting at `start`.
fn run_len(txs: &BTreeMap<u64, Pooled>, start: u64) -> usize {
    usize::try_from(run_end(txs, start).saturating_sub(start)).unwrap_or(usize::MAX)
}

/// A sender's next transaction in [`Pool::best`], ordered by effective tip, then arrival.
struct Candidate<'a> {
    tip: U256,
    pooled: &'a Pooled,
    txs: &'a BTreeMap<u64, Pooled>,
}

impl<'a> Candidate<'a> {
    /// The candidate at `nonce`, if pooled and payable at `base_fee`.
    fn at(txs: &'a BTreeMap<u64, Pooled>, nonce: u64, base_fee: U256) -> Option<Self> {
        let pooled = txs.get(&nonce)?;
        let headroom = pooled.tx.max_fee.checked_sub(base_fee)?;
        Some(Self {
            tip: pooled.tx.max_priority_fee.min(headroom),
            pooled,
            txs,
        })
    }
}

impl PartialEq for Candidate<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Candidate<'_> {}

impl PartialOrd for Candidate<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Candidate<'_> {
    /// Greater = taken first: higher tip, then lower sequence number (earlier arrival).
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.tip
            .cmp(&other.tip)
            .then_with(|| other.pooled.seq.cmp(&self.pooled.seq))
    }
}

#[cfg(test)]
mod tests;
