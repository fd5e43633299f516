//! The transaction pool: signed transactions waiting for a block.
//!
//! `eth_sendRawTransaction` puts decoded transactions here and the block builder takes them out.
//! Clients expect geth's behaviour, so the pool follows geth's legacy pool
//! (core/txpool/legacypool) where a client can see the difference: the same checks in the same
//! order with the same error texts (see [`PoolError`]), nonce gaps allowed (a transaction waits
//! until the gap before it is filled), replacement of a pooled transaction only with both fees
//! raised by the price bump, blocks filled by effective tip across senders while each sender's
//! transactions keep their nonce order, and geth's limits ([`PoolLimits`], the `--txpool.*`
//! flags):
//! - A minimum tip (`price_limit`, at least 1 wei), so every transaction costs something and the
//!   funds check (`gas_limit * max_fee + value`) refuses every transaction from an empty account.
//! - Slots: the pool holds at most `global_slots + global_queue` transactions; at most
//!   `global_queue` of them behind a nonce gap ("queued"), `account_queue` per sender. Once
//!   `global_slots` executable ones ("pending") are pooled, a sender already holding its
//!   `account_slots` share of them gets no more. When the pool (or, for a queued newcomer, the
//!   queue) is full, a newcomer that pays more evicts the cheapest transaction, queued ones
//!   first; an executable newcomer whose sender has less than its share may instead evict the
//!   highest nonce of the sender furthest over its share; any other is refused ("transaction
//!   underpriced"), so cheap spam cannot lock out a sender who pays or one owed its share. A
//!   queued newcomer never evicts an executable transaction.
//! - Queued transactions of a sender are dropped once `lifetime` has passed since the sender
//!   last had a transaction accepted (checked on each add and each block).
//!
//! Where it differs from geth, on purpose:
//! - Every pooled transaction of a sender is in one nonce-ordered map; "pending" and "queued"
//!   are computed from the account nonce (cached per sender, refreshed on the sender's next add
//!   and on each block), not kept as two lists that must be promoted and demoted.
//! - A transaction executable now whose fee cap is below the next block's base fee is refused
//!   ("max fee per gas less than block base fee"); geth pools it. Such a transaction could not
//!   be mined, so it would only hold a slot; a queued one is still accepted (the base fee may
//!   have fallen by the time its gap is filled), and one already pooled stays when the base fee
//!   rises ([`Pool::best`] leaves it out, with the sender's later nonces, until it drops).
//! - Limits are enforced when a transaction arrives, synchronously: a sender over its queue is
//!   refused ("account limit exceeded") instead of having its highest nonces dropped later, and
//!   once `global_slots` are in use a sender at its `account_slots` share is refused rather
//!   than truncated later (so, as in geth, `global_slots` is where the per-sender share starts
//!   to bind, not a bound of its own; the total is). Eviction takes one transaction per
//!   arrival: the sender whose chain of transactions is cheapest loses its highest nonce (a
//!   transaction's eviction price is the lowest price among its sender's nonces up to it, since
//!   it cannot run before them), so a sender's remaining transactions stay gap-free and none
//!   of its executable ones becomes queued.
//! - There are no local transactions exempt from eviction (every transaction arrives over
//!   JSON-RPC), and the funds check counts all of the sender's pooled transactions, gapped
//!   ones included (geth counts its pending list), so a sender cannot queue more than its
//!   balance can ever pay for.
//!
//! Ties in tip are broken by arrival order (geth uses arrival time), through a sequence number,
//! so the same sequence of calls always yields the same blocks.

mod error;

use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use primitive_types::{H160, H256, U256, U512};
use rewasm_executor::StateError;
use rewasm_primitives::consensus::intrinsic::TX_GAS;
use rewasm_primitives::consensus::{CalldataPrices, MAX_CODE_SIZE};

pub use error::{Charge, POOL_ERROR_CODE, PoolError, Shortfall, SignedWei};

use crate::genesis::{DEV_CHAIN_ID, DEV_GAS_LIMIT};
use crate::tx::SignedTransaction;

/// geth's default price bump for replacements (legacypool.go `DefaultConfig.PriceBump`).
pub const DEFAULT_PRICE_BUMP_PERCENT: u64 = 10;
/// The minimum tip in wei (geth's `--txpool.pricelimit` default). One wei is enough to make
/// every transaction cost at least `21000 * 1` wei, so the funds check refuses empty accounts;
/// a higher floor would refuse transactions clients price below the suggested 1 gwei tip
/// without making spam from a funded account any costlier to refuse (eviction does that).
pub const DEFAULT_PRICE_LIMIT: u64 = 1;
/// Executable transaction slots guaranteed per sender (geth's `AccountSlots`).
pub const DEFAULT_ACCOUNT_SLOTS: usize = 16;
/// Executable transaction slots in all (geth's `GlobalSlots`, 4096 + 1024).
pub const DEFAULT_GLOBAL_SLOTS: usize = 4096 + 1024;
/// Gapped transactions per sender (geth's `AccountQueue`).
pub const DEFAULT_ACCOUNT_QUEUE: usize = 64;
/// Gapped transactions in all (geth's `GlobalQueue`).
pub const DEFAULT_GLOBAL_QUEUE: usize = 1024;
/// How long a sender's gapped transactions wait after its last accepted one (geth's
/// `Lifetime`, 3 hours).
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(3 * 60 * 60);
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
    fn nonce(&self, address: &H160) -> Result<u64, StateError>;
    /// The account's balance in wei (0 for an account that does not exist).
    fn balance(&self, address: &H160) -> Result<U256, StateError>;
}

/// Where the pool reads the time, for the queued transactions' lifetime; tests set it.
pub trait Clock: std::fmt::Debug + Send + Sync {
    /// The current instant.
    fn now(&self) -> Instant;
}

/// The system's monotonic clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// The operator's limits (geth's `--txpool.*` flags).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolLimits {
    /// The minimum tip in wei (`--txpool.pricelimit`).
    pub price_limit: U256,
    /// A replacement must raise both the fee cap and the tip by this many percent
    /// (`--txpool.pricebump`).
    pub price_bump_percent: u64,
    /// Executable transactions guaranteed per sender while the executable slots are full
    /// (`--txpool.accountslots`).
    pub account_slots: usize,
    /// Executable transactions in all (`--txpool.globalslots`).
    pub global_slots: usize,
    /// Gapped transactions per sender (`--txpool.accountqueue`).
    pub account_queue: usize,
    /// Gapped transactions in all (`--txpool.globalqueue`).
    pub global_queue: usize,
    /// How long a sender's gapped transactions stay after its last accepted transaction
    /// (`--txpool.lifetime`).
    pub lifetime: Duration,
}

impl Default for PoolLimits {
    fn default() -> Self {
        Self {
            price_limit: U256::from(DEFAULT_PRICE_LIMIT),
            price_bump_percent: DEFAULT_PRICE_BUMP_PERCENT,
            account_slots: DEFAULT_ACCOUNT_SLOTS,
            global_slots: DEFAULT_GLOBAL_SLOTS,
            account_queue: DEFAULT_ACCOUNT_QUEUE,
            global_queue: DEFAULT_GLOBAL_QUEUE,
            lifetime: DEFAULT_LIFETIME,
        }
    }
}

impl PoolLimits {
    /// The limits with every zero replaced by its default, as geth's `Config.sanitize` does: a
    /// zero price limit would let zero-fee transactions from empty accounts in, and a zero slot
    /// count or lifetime would make the pool refuse or drop everything.
    pub fn sanitized(self) -> Self {
        let defaults = Self::default();
        let warn =
            |name: &str| tracing::warn!(limit = name, "txpool limit 0 replaced by its default");
        let mut limits = self;
        if limits.price_limit.is_zero() {
            warn("pricelimit");
            limits.price_limit = defaults.price_limit;
        }
        if limits.price_bump_percent == 0 {
            warn("pricebump");
            limits.price_bump_percent = defaults.price_bump_percent;
        }
        for (value, default, name) in [
            (
                &mut limits.account_slots,
                defaults.account_slots,
                "accountslots",
            ),
            (
                &mut limits.global_slots,
                defaults.global_slots,
                "globalslots",
            ),
            (
                &mut limits.account_queue,
                defaults.account_queue,
                "accountqueue",
            ),
            (
                &mut limits.global_queue,
                defaults.global_queue,
                "globalqueue",
            ),
        ] {
            if *value == 0 {
                warn(name);
                *value = default;
            }
        }
        if limits.lifetime.is_zero() {
            warn("lifetime");
            limits.lifetime = defaults.lifetime;
        }
        limits
    }

    /// Transactions the pool holds at most.
    pub fn capacity(&self) -> usize {
        self.global_slots.saturating_add(self.global_queue)
    }
}

/// The pool's limits and the chain parameters its checks need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolConfig {
    /// The chain id transactions must be signed for (pre-EIP-155 legacy ones carry none and are
    /// accepted).
    pub chain_id: u64,
    /// The block gas limit: a transaction above it could never be included.
    pub block_gas_limit: u64,
    /// Bytes of a raw transaction.
    pub max_tx_size: usize,
    /// Bytes of init code in a contract creation.
    pub max_code_size: usize,
    /// Prices, slots and lifetime.
    pub limits: PoolLimits,
    /// The chain's price of transaction data (its gas schedule's), for the intrinsic gas.
    pub calldata: CalldataPrices,
}

impl PoolConfig {
    /// The default limits for a chain whose schedule prices data at `calldata`.
    pub fn new(chain_id: u64, block_gas_limit: u64, calldata: CalldataPrices) -> Self {
        Self {
            chain_id,
            block_gas_limit,
            max_tx_size: DEFAULT_MAX_TX_SIZE,
            max_code_size: DEFAULT_MAX_CODE_SIZE,
            limits: PoolLimits::default(),
            calldata,
        }
    }
}

impl Default for PoolConfig {
    /// The dev chain's parameters with the default limits.
    fn default() -> Self {
        let calldata = rewasm_vm::GasSchedule::v2().calldata;
        Self::new(DEV_CHAIN_ID, DEV_GAS_LIMIT, calldata)
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

/// One sender's pooled transactions.
#[derive(Debug)]
struct Sender {
    /// By nonce; none below `nonce`.
    txs: BTreeMap<u64, Pooled>,
    /// The account nonce when last read: on the sender's last add, or the last block.
    nonce: u64,
    /// When the sender last had a transaction accepted (geth's heartbeat).
    beat: Instant,
}

impl Sender {
    /// The nonce after the sender's executable run.
    fn run_end(&self) -> u64 {
        run_end(&self.txs, self.nonce)
    }

    fn slots(&self) -> Slots {
        let pending = run_len(&self.txs, self.nonce);
        Slots {
            pending,
            queued: self.txs.len().saturating_sub(pending),
        }
    }
}

/// Executable and gapped transaction counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Slots {
    pending: usize,
    queued: usize,
}

/// What a transaction pays per gas at a base fee, for eviction: the effective gas price
/// (`min(fee cap, base fee + tip)`), then the fee cap, then the tip — geth's priced list order.
type Price = (U256, U256, U256);

fn price(tx: &SignedTransaction, base_fee: U256) -> Price {
    let effective = tx.max_fee.min(base_fee.saturating_add(tx.max_priority_fee));
    (effective, tx.max_fee, tx.max_priority_fee)
}

/// The transaction eviction would take: a sender's highest nonce in one class.
#[derive(Clone, Copy, Debug)]
struct Victim {
    sender: H160,
    nonce: u64,
    /// The lowest price among the sender's nonces up to this one.
    rank: Price,
    seq: u64,
}

/// Which of a sender's transactions eviction looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Pending,
    Queued,
}

/// The pool. Not synchronised: the node keeps it behind its own lock.
/// The transactions for the next block ([`Pool::best_within`]).
#[derive(Debug)]
pub struct Candidates {
    /// (transaction, raw bytes), in block order.
    pub transactions: Vec<(SignedTransaction, Vec<u8>)>,
    /// Whether every executable transaction is among them (none left out by the gas limit).
    pub complete: bool,
}

#[derive(Debug)]
pub struct Pool {
    config: PoolConfig,
    clock: Arc<dyn Clock>,
    /// Each sender's transactions. A sender with none has no entry.
    by_sender: HashMap<H160, Sender>,
    /// Hash → (sender, nonce), the key into `by_sender`.
    by_hash: HashMap<H256, (H160, u64)>,
    /// The senders' slots summed, by their cached account nonces.
    slots: Slots,
    next_seq: u64,
}

impl Pool {
    /// An empty pool on the system clock.
    pub fn new(config: PoolConfig) -> Self {
        Self::with_clock(config, Arc::new(SystemClock))
    }

    /// An empty pool reading the time from `clock`. Zero limits are replaced by their
    /// defaults ([`PoolLimits::sanitized`]).
    pub fn with_clock(mut config: PoolConfig, clock: Arc<dyn Clock>) -> Self {
        config.limits = config.limits.sanitized();
        Self {
            config,
            clock,
            by_sender: HashMap::new(),
            by_hash: HashMap::new(),
            slots: Slots::default(),
            next_seq: 0,
        }
    }

    /// Drops every transaction (the chain they were checked against is gone: `evm_revert`);
    /// their hashes.
    pub fn clear(&mut self) -> Vec<H256> {
        let dropped = self.by_hash.drain().map(|(hash, _)| hash).collect();
        self.by_sender.clear();
        self.slots = Slots::default();
        dropped
    }

    /// The configuration.
    pub fn config(&self) -> &PoolConfig {
        &self.config
    }

    /// Validates `tx` (decoded from `raw`) against the pool's rules, the head state and
    /// `base_fee` (the next block's), and pools it; returns its hash. A valid transaction with
    /// the nonce of a pooled one replaces it; one that needs a new slot in a full pool evicts a
    /// cheaper transaction or is refused.
    pub fn add(
        &mut self,
        tx: SignedTransaction,
        raw: Vec<u8>,
        state: &dyn AccountReader,
        base_fee: U256,
    ) -> Result<H256, PoolError> {
        let now = self.clock.now();
        self.expire(now);
        let account_nonce = state.nonce(&tx.sender)?;
        // Entries the chain has mined past are gone in geth by now; dropping them first gives a
        // resubmitted mined transaction geth's answer ("nonce too low", not "already known").
        self.sync_sender(&tx.sender, account_nonce);

        if self.by_hash.contains_key(&tx.hash) {
            return Err(PoolError::AlreadyKnown);
        }
        self.check_stateless(&tx, raw.len())?;
        let cost = cost(&tx);
        let executable = tx.nonce
            <= self
                .by_sender
                .get(&tx.sender)
                .map_or(account_nonce, Sender::run_end);
        let replaced = self.check_stateful(
            &tx,
            cost,
            account_nonce,
            state.balance(&tx.sender)?,
            executable.then_some(base_fee),
        )?;
        if !replaced {
            self.make_room(&tx, executable, base_fee)?;
        }

        let hash = tx.hash;
        let sender = tx.sender;
        let nonce = tx.nonce;
        let seq = self.next_seq;
        self.next_seq = self.next_seq.saturating_add(1);
        let mut entry = self.take_sender(&sender).unwrap_or_else(|| Sender {
            txs: BTreeMap::new(),
            nonce: account_nonce,
            beat: now,
        });
        entry.beat = now;
        if let Some(old) = entry.txs.insert(nonce, Pooled { tx, raw, cost, seq }) {
            self.by_hash.remove(&old.tx.hash);
        }
        self.put_sender(sender, entry);
        self.by_hash.insert(hash, (sender, nonce));
        Ok(hash)
    }

    /// The checks that need neither state nor the pool's contents, in geth's order
    /// (core/txpool/validation.go `ValidateTransaction`).
    fn check_stateless(&self, tx: &SignedTransaction, raw_len: usize) -> Result<(), PoolError> {
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
        let needed = intrinsic_gas_of(tx, config.calldata);
        if tx.gas_limit < needed {
            return Err(PoolError::IntrinsicGas {
                gas: tx.gas_limit,
                needed,
            });
        }
        if tx.max_priority_fee < config.limits.price_limit {
            return Err(PoolError::TipBelowMinimum {
                tip: tx.max_priority_fee,
                minimum: config.limits.price_limit,
            });
        }
        Ok(())
    }

    /// Nonce, the base fee for a transaction executable now (`base_fee` is given only for
    /// one), and funds, in geth's order (core/txpool/validation.go
    /// `ValidateTransactionWithState`), then the replacement rule (legacypool.go `add`, list.go
    /// `Add`). Returns whether `tx` replaces a pooled transaction.
    fn check_stateful(
        &self,
        tx: &SignedTransaction,
        cost: U512,
        account_nonce: u64,
        balance: U256,
        base_fee: Option<U256>,
    ) -> Result<bool, PoolError> {
        if tx.nonce < account_nonce {
            return Err(PoolError::NonceTooLow {
                next: account_nonce,
                nonce: tx.nonce,
            });
        }
        if let Some(base_fee) = base_fee
            && tx.max_fee < base_fee
        {
            return Err(PoolError::FeeCapTooLow {
                fee_cap: tx.max_fee,
                base_fee,
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
        let txs = self.by_sender.get(&tx.sender).map(|entry| &entry.txs);
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
                if !outbids(tx, &old.tx, self.config.limits.price_bump_percent) {
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

    /// The slot limits, for a transaction that takes a new nonce: refuses it when its sender
    /// is at its limit, and when the pool (or, for a gapped one, the queue) is full evicts the
    /// cheapest transaction it outbids, gapped ones first, or refuses it (legacypool.go `add`).
    fn make_room(
        &mut self,
        tx: &SignedTransaction,
        executable: bool,
        base_fee: U256,
    ) -> Result<(), PoolError> {
        let limits = &self.config.limits;
        let own = self
            .by_sender
            .get(&tx.sender)
            .map_or(Slots::default(), Sender::slots);
        if !executable && own.queued >= limits.account_queue {
            return Err(PoolError::AccountLimitExceeded { pooled: own.queued });
        }
        if executable
            && self.slots.pending >= limits.global_slots
            && own.pending >= limits.account_slots
        {
            return Err(PoolError::AccountLimitExceeded {
                pooled: own.pending,
            });
        }
        let queue_full = !executable && self.slots.queued >= limits.global_queue;
        let pool_full = self.by_hash.len() >= limits.capacity();
        if !(queue_full || pool_full) {
            return Ok(());
        }

        let rank = self.rank_of_new(tx, base_fee);
        let queued = self.cheapest(Class::Queued, base_fee);
        let pending = self.cheapest(Class::Pending, base_fee);
        let outbid = |victim: &Option<Victim>| victim.filter(|victim| victim.rank < rank);
        let victim = if executable {
            // When it outbids nobody, a sender owed its share still takes the place of one
            // over its share, whatever either pays (legacypool.go `truncatePending`).
            let share = || {
                (own.pending < limits.account_slots)
                    .then(|| self.over_share(limits.account_slots))
                    .flatten()
            };
            outbid(&queued)
                .or(outbid(&pending))
                .or_else(share)
                .ok_or(PoolError::Underpriced)?
        } else {
            let cheapest = match (queued, pending) {
                (Some(q), Some(p)) => Some(if p.rank < q.rank { p } else { q }),
                (q, p) => q.or(p),
            };
            if outbid(&cheapest).is_none() {
                return Err(PoolError::Underpriced);
            }
            // A transaction that cannot run yet never pushes out one that can.
            outbid(&queued).ok_or(PoolError::FutureReplacePending)?
        };
        if let Some(evicted) = self.remove_at(&victim.sender, victim.nonce) {
            tracing::debug!(
                hash = ?evicted.tx.hash,
                by = ?tx.hash,
                "pool full: evicted a transaction"
            );
        }
        Ok(())
    }

    /// The highest executable nonce of the sender with the most executable transactions, if
    /// that is more than `account_slots`; of equal counts, the latest arrival's.
    fn over_share(&self, account_slots: usize) -> Option<Victim> {
        self.by_sender
            .iter()
            .filter_map(|(sender, entry)| {
                let count = run_len(&entry.txs, entry.nonce);
                if count <= account_slots {
                    return None;
                }
                let (&nonce, pooled) = entry.txs.range(..entry.run_end()).next_back()?;
                let victim = Victim {
                    sender: *sender,
                    nonce,
                    rank: price(&pooled.tx, U256::zero()),
                    seq: pooled.seq,
                };
                Some((count, victim))
            })
            .max_by(|(a, x), (b, y)| a.cmp(b).then_with(|| x.seq.cmp(&y.seq)))
            .map(|(_, victim)| victim)
    }

    /// What `tx` would be worth in the pool: its price, or less if one of its sender's lower
    /// nonces pays less (it cannot run before them).
    fn rank_of_new(&self, tx: &SignedTransaction, base_fee: U256) -> Price {
        let own = price(tx, base_fee);
        self.by_sender
            .get(&tx.sender)
            .and_then(|entry| {
                entry
                    .txs
                    .range(..tx.nonce)
                    .map(|(_, pooled)| price(&pooled.tx, base_fee))
                    .min()
            })
            .map_or(own, |below| below.min(own))
    }

    /// The eviction candidate of a class: of each sender, the highest nonce in the class,
    /// ranked by the lowest price among the sender's nonces up to it; the lowest rank, and of
    /// equal ranks the latest arrival.
    fn cheapest(&self, class: Class, base_fee: U256) -> Option<Victim> {
        self.by_sender
            .iter()
            .filter_map(|(sender, entry)| {
                let end = entry.run_end();
                let (&nonce, pooled) = match class {
                    Class::Pending => entry.txs.range(..end).next_back()?,
                    Class::Queued => entry.txs.range(end..).next_back()?,
                };
                let rank = entry
                    .txs
                    .range(..=nonce)
                    .map(|(_, pooled)| price(&pooled.tx, base_fee))
                    .min()?;
                Some(Victim {
                    sender: *sender,
                    nonce,
                    rank,
                    seq: pooled.seq,
                })
            })
            .min_by(|a, b| a.rank.cmp(&b.rank).then_with(|| b.seq.cmp(&a.seq)))
    }

    /// Drops the queued transactions of every sender whose last accepted transaction is older
    /// than the lifetime (legacypool.go `loop`, the eviction ticker).
    fn expire(&mut self, now: Instant) {
        let lifetime = self.config.limits.lifetime;
        let expired: Vec<H160> = self
            .by_sender
            .iter()
            .filter(|(_, entry)| {
                now.saturating_duration_since(entry.beat) > lifetime
                    && entry
                        .txs
                        .last_key_value()
                        .is_some_and(|(&last, _)| last >= entry.run_end())
            })
            .map(|(sender, _)| *sender)
            .collect();
        for sender in expired {
            let Some(mut entry) = self.take_sender(&sender) else {
                continue;
            };
            let gone = entry.txs.split_off(&entry.run_end());
            for pooled in gone.values() {
                self.by_hash.remove(&pooled.tx.hash);
            }
            tracing::debug!(?sender, count = gone.len(), "queued transactions expired");
            self.put_sender(sender, entry);
        }
    }

    /// Takes a sender's entry out, with its slots.
    fn take_sender(&mut self, sender: &H160) -> Option<Sender> {
        let entry = self.by_sender.remove(sender)?;
        let slots = entry.slots();
        self.slots.pending = self.slots.pending.saturating_sub(slots.pending);
        self.slots.queued = self.slots.queued.saturating_sub(slots.queued);
        Some(entry)
    }

    /// Puts a sender's entry (back) in, with its slots, unless it is empty.
    fn put_sender(&mut self, sender: H160, entry: Sender) {
        if entry.txs.is_empty() {
            return;
        }
        let slots = entry.slots();
        self.slots.pending = self.slots.pending.saturating_add(slots.pending);
        self.slots.queued = self.slots.queued.saturating_add(slots.queued);
        self.by_sender.insert(sender, entry);
    }

    /// Records the sender's account nonce and removes its transactions below it.
    fn sync_sender(&mut self, sender: &H160, account_nonce: u64) {
        let Some(mut entry) = self.take_sender(sender) else {
            return;
        };
        let keep = entry.txs.split_off(&account_nonce);
        for pooled in entry.txs.values() {
            self.by_hash.remove(&pooled.tx.hash);
        }
        entry.txs = keep;
        entry.nonce = account_nonce;
        self.put_sender(*sender, entry);
    }

    /// Removes the sender's transaction with this nonce.
    fn remove_at(&mut self, sender: &H160, nonce: u64) -> Option<Pooled> {
        let mut entry = self.take_sender(sender)?;
        let removed = entry.txs.remove(&nonce);
        if let Some(pooled) = &removed {
            self.by_hash.remove(&pooled.tx.hash);
        }
        self.put_sender(*sender, entry);
        removed
    }

    /// The next nonce the sender should use: the account nonce, plus the run of consecutive
    /// pooled nonces starting there (what `eth_getTransactionCount(addr, "pending")` returns).
    pub fn pending_nonce(
        &self,
        address: &H160,
        state: &dyn AccountReader,
    ) -> Result<u64, StateError> {
        let start = state.nonce(address)?;
        Ok(match self.by_sender.get(address) {
            Some(entry) => run_end(&entry.txs, start),
            None => start,
        })
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
    ) -> Result<Vec<(SignedTransaction, Vec<u8>)>, StateError> {
        Ok(self.best_within(state, base_fee, gas_limit)?.transactions)
    }

    /// [`Pool::best`], saying whether the gas limit left executable transactions out.
    pub fn best_within(
        &self,
        state: &dyn AccountReader,
        base_fee: U256,
        gas_limit: u64,
    ) -> Result<Candidates, StateError> {
        let mut heads = BinaryHeap::new();
        for (sender, entry) in &self.by_sender {
            heads.extend(Candidate::at(&entry.txs, state.nonce(sender)?, base_fee));
        }
        let mut out = Vec::new();
        let mut gas_left = gas_limit;
        let mut complete = true;
        while let Some(head) = heads.pop() {
            if gas_left < TX_GAS {
                complete = false;
                break;
            }
            let Some(left) = gas_left.checked_sub(head.pooled.tx.gas_limit) else {
                complete = false;
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
        Ok(Candidates {
            transactions: out,
            complete,
        })
    }

    /// After a block: drops every transaction whose nonce is now below its sender's account
    /// nonce (mined, or made obsolete by another transaction with that nonce) and every one in
    /// `dropped` (the block builder found it invalid). A sender's later transactions stay, behind
    /// the gap, until the gap is filled, they go stale or their lifetime ends (checked here
    /// too). A dropped transaction can leave more queued transactions than the queue limits
    /// allow; those are cut back as geth's reorg does.
    ///
    /// A failed read stops the sweep; the senders not reached keep their transactions until
    /// the next block's sweep.
    pub fn on_new_block(
        &mut self,
        state: &dyn AccountReader,
        dropped: &[H256],
    ) -> Result<(), StateError> {
        for hash in dropped {
            self.remove(hash);
        }
        let senders: Vec<H160> = self.by_sender.keys().copied().collect();
        for sender in senders {
            self.sync_sender(&sender, state.nonce(&sender)?);
        }
        self.expire(self.clock.now());
        self.truncate_queues();
        Ok(())
    }

    /// Drops queued transactions over the limits, highest nonces first: each sender's beyond
    /// `account_queue` (legacypool.go `promoteExecutables`), then, while more than
    /// `global_queue` are queued, those of the sender heard from longest ago
    /// (legacypool.go `truncateQueue`).
    fn truncate_queues(&mut self) {
        let limits = &self.config.limits;
        let (account_queue, global_queue) = (limits.account_queue, limits.global_queue);
        let mut senders: Vec<(Instant, H160)> = self
            .by_sender
            .iter()
            .filter(|(_, entry)| entry.slots().queued > 0)
            .map(|(sender, entry)| (entry.beat, *sender))
            .collect();
        senders.sort();
        for (_, sender) in &senders {
            self.trim_queue(sender, account_queue);
        }
        for (_, sender) in &senders {
            let excess = self.slots.queued.saturating_sub(global_queue);
            if excess == 0 {
                break;
            }
            let queued = self
                .by_sender
                .get(sender)
                .map_or(0, |entry| entry.slots().queued);
            self.trim_queue(sender, queued.saturating_sub(excess));
        }
    }

    /// Drops the sender's highest nonces until at most `keep` of its transactions are queued.
    fn trim_queue(&mut self, sender: &H160, keep: usize) {
        let Some(mut entry) = self.take_sender(sender) else {
            return;
        };
        while entry.slots().queued > keep {
            let Some((_, pooled)) = entry.txs.pop_last() else {
                break;
            };
            self.by_hash.remove(&pooled.tx.hash);
            tracing::debug!(hash = ?pooled.tx.hash, "queued transaction over the limits dropped");
        }
        self.put_sender(*sender, entry);
    }

    /// Removes one transaction; returns it with its raw bytes if it was pooled.
    pub fn remove(&mut self, hash: &H256) -> Option<(SignedTransaction, Vec<u8>)> {
        let &(sender, nonce) = self.by_hash.get(hash)?;
        self.remove_at(&sender, nonce)
            .map(|pooled| (pooled.tx, pooled.raw))
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
        self.by_sender.get(sender)?.txs.get(nonce)
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
    pub fn pending_count(&self, state: &dyn AccountReader) -> Result<usize, StateError> {
        let mut pending = 0;
        for (sender, entry) in &self.by_sender {
            pending += run_len(&entry.txs, state.nonce(sender)?);
        }
        Ok(pending)
    }

    /// Transactions waiting behind a nonce gap (`txpool_status.queued`). Transactions already
    /// below the account nonce, which [`Pool::on_new_block`] has yet to drop, count as neither
    /// pending nor queued.
    pub fn queued_count(&self, state: &dyn AccountReader) -> Result<usize, StateError> {
        let mut queued = 0;
        for (sender, entry) in &self.by_sender {
            let start = state.nonce(sender)?;
            queued += entry
                .txs
                .range(start..)
                .count()
                .saturating_sub(run_len(&entry.txs, start));
        }
        Ok(queued)
    }
}

/// `gas_limit * max_fee + value`, what the sender must hold for the transaction (geth's
/// `tx.Cost()`). 512 bits hold it without overflow.
fn cost(tx: &SignedTransaction) -> U512 {
    U512::from(tx.gas_limit)
        .saturating_mul(U512::from(tx.max_fee))
        .saturating_add(U512::from(tx.value))
}

/// The intrinsic gas of `tx` under `calldata`'s prices.
fn intrinsic_gas_of(tx: &SignedTransaction, calldata: CalldataPrices) -> u64 {
    rewasm_primitives::consensus::intrinsic_gas(
        tx.to.is_none(),
        &tx.data,
        tx.access_list_addresses(),
        tx.access_list_storage_keys(),
        calldata,
    )
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
