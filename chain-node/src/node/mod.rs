//! The node service: the chain, the transaction pool, the miner and the events the JSON-RPC
//! serves to filters and subscriptions.
//!
//! [`Node`] is what the RPC handlers hold. Nearly everything on it is synchronous and may touch
//! the disk or run contracts, so async code calls it from a blocking context; the exception is
//! [`Node::submit_raw_transaction_async`], whose wait for its block holds no thread.
//!
//! Blocks are sealed one at a time (a sealing lock spans taking the pool's best transactions,
//! building, committing and updating the pool):
//! - [`Mining::Instant`] (the default): `eth_sendRawTransaction` answers once the block holding
//!   its transaction is on disk, as anvil's and hardhat's automine do. A client's first receipt
//!   poll therefore finds the receipt: ethers' `tx.wait()` subscribes to new blocks only after
//!   that first poll, and on an idle chain would otherwise wait for a block that never comes.
//!   Submissions commit as a group ([`GroupCommit`]): one sealing turn on the block thread
//!   seals blocks of everything executable in the pool (one execution pass, one write batch,
//!   one sync each) while submitters wait, and the transactions that arrive during a block go
//!   into the next one together. The turn answers each submitter, once, as soon as its
//!   transaction has left the pool (mined, or dropped as invalid) or a block built after it
//!   arrived left nothing executable behind (its transaction waits for a nonce gap, as geth's
//!   queue does). A submitter is thus woken once, with its answer, whatever the blocks in
//!   between: at 16 concurrent senders that saves thousands of thread wake-ups a second over
//!   waking every waiter after every block.
//! - [`Mining::Interval`]: a task ([`Node::spawn_miner`]) seals a block every period, empty or
//!   not, like a real chain's slots.
//!
//! A block build that fails the node itself while executing a transaction
//! ([`ChainError::HostFailure`]: the executor could not run it, a state read failed) is built
//! again, since the failure may be transient; a transaction that fails the node
//! [`HOST_FAILURES_TO_DROP`] times in one sealing is dropped from the pool (logged at error) and
//! the block is built without it, so one poisoned transaction cannot stop the chain. A sealing
//! builds at most [`MAX_BUILD_ATTEMPTS`] times, then reports the failure and tries again at the
//! next block.
//!
//! After each block the pool forgets what was mined and what the block builder found
//! permanently invalid; candidates left out for now (a nonce gap, a fee cap under the base fee)
//! stay pooled. Each block is then published on a broadcast channel, which is how filters and
//! WebSocket subscriptions learn about it without polling the store.
//!
//! Stopping: the miner checks its stop signal only between blocks and awaits the block it is
//! building, so a shutdown never abandons a half-committed block (the store commits a block
//! as one write batch anyway; this makes the node also log and publish it).

pub mod allocator;
pub mod clock;
pub mod impersonation;
pub mod metrics;
mod store_fault;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use primitive_types::{H160, H256, U256};
use rewasm_vm::WarmLimits;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use crate::chain::{
    Block, CallLimits, Chain, ChainConfig, ChainError, ExecutedBlock, MinedBlock, ReceiptRecord,
};
use crate::genesis::Genesis;
use crate::pool::{AccountReader, Pool, PoolConfig, PoolError, PoolLimits};
use crate::tx::{self, SignedTransaction, TxDecodeError};
use rewasm_executor::{BasicAccount, HostFailure, StateError, StateRead};
pub use rewasm_store::StoreMemory;
use rewasm_store::{Store, StoreError};

pub use metrics::Metrics;
use store_fault::StoreFault;

/// How many published blocks a slow subscriber may fall behind before it skips some.
const BLOCK_EVENTS: usize = 256;
/// How many accepted transaction hashes a slow pending-transaction filter may fall behind.
const TRANSACTION_EVENTS: usize = 4096;

/// Builds of one block before a sealing gives up on a host failure ([`Node::mine_block`]).
pub const MAX_BUILD_ATTEMPTS: u32 = 4;
/// Host failures of one transaction within one sealing that get it dropped from the pool: the
/// first may be transient (the build is retried), the second is taken as the transaction's.
pub const HOST_FAILURES_TO_DROP: u32 = 2;

/// When the node seals blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mining {
    /// As soon as the pool holds an executable transaction.
    Instant,
    /// Every period, with or without transactions.
    Interval(Duration),
    /// Never by itself: a consensus engine asks for proposals ([`Node::propose_block`]) and
    /// hands over decided blocks ([`Node::commit_decided`]).
    Consensus,
}

/// A committed block as the events carry it.
#[derive(Clone, Debug)]
pub struct NewBlock {
    /// The block.
    pub block: Arc<Block>,
    /// Its receipts, in transaction order.
    pub receipts: Vec<ReceiptRecord>,
}

/// Why the node could not start.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error("opening the chain in {path}: {source}")]
    Open { path: String, source: ChainError },
    #[error("creating the data folder {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
}

/// Why `eth_sendRawTransaction` refused a transaction.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The bytes are not a well-formed signed transaction (geth's decoding texts).
    #[error(transparent)]
    Decode(#[from] TxDecodeError),
    /// The pool refused it (geth's pool texts; [`PoolError::code`] is the JSON-RPC code).
    #[error(transparent)]
    Pool(#[from] PoolError),
    /// The store failed to write a block (a full disk, an I/O error): the node takes no
    /// transactions until it can write again ([`store_fault`]).
    #[error(
        "the node cannot store blocks ({0}); it takes no transactions until its store accepts \
         writes again"
    )]
    StoreUnavailable(String),
    /// The node could not seal the block for it: its block thread is gone (the node is shutting
    /// down), or the sealing turn panicked. The transaction stays pooled.
    #[error("the node cannot seal blocks: {0}")]
    Sealing(HostFailure),
    /// The node could not admit the transaction (its ingest threads failed or are gone).
    #[error("the node could not admit the transaction: {0}")]
    Admission(HostFailure),
    /// The dev chain was reverted or reset while the transaction waited for its block; it
    /// was dropped with the pool.
    #[error(
        "the chain was reverted (evm_revert or anvil_reset) before the transaction was sealed; it was dropped"
    )]
    Rewound,
    /// A transaction with the impersonation marker for a sender the dev node does not
    /// impersonate (any more).
    #[error(
        "{0:?} is not impersonated: call anvil_impersonateAccount first, or sign the transaction"
    )]
    NotImpersonated(H160),
}

/// The head state as the pool reads it: the store's committed accounts. A failed read is the
/// node's failure and reaches the request that caused it.
struct HeadState<'a>(&'a Store);

impl HeadState<'_> {
    fn account(&self, address: &H160) -> Result<Option<BasicAccount>, StateError> {
        self.0
            .account(address)
            .map_err(|error| StateError::new(StateRead::Account(*address), error))
    }
}

impl AccountReader for HeadState<'_> {
    fn nonce(&self, address: &H160) -> Result<u64, StateError> {
        Ok(self.account(address)?.map_or(0, |account| account.nonce))
    }

    fn balance(&self, address: &H160) -> Result<U256, StateError> {
        Ok(self
            .account(address)?
            .map_or(U256::zero(), |account| account.balance))
    }
}

/// The operator's bounds on what requests may make the node do (none of them consensus).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeLimits {
    /// The transaction pool's limits.
    pub pool: PoolLimits,
    /// `eth_call` and `eth_estimateGas`: time limit and concurrent executions.
    pub calls: CallLimits,
    /// Idle warm contract instances kept for reuse.
    pub warm: WarmLimits,
    /// The store's memory.
    pub store: StoreMemory,
}

/// Instant mining's group commit (module documentation): the submitters awaiting their blocks,
/// and whether a sealing turn is under way for them.
#[derive(Debug, Default)]
struct GroupCommit {
    /// A sealing turn is under way on the block thread.
    sealing: bool,
    /// Every submission numbered up to this one is settled: in a committed block, dropped, or
    /// found not executable by a block built after it was pooled.
    settled: u64,
    /// The submitters awaiting their transaction's block, by submission number. The sealing
    /// turn answers each exactly once, so a submitter is woken once, with its answer.
    waiting: BTreeMap<u64, Waiter>,
}

/// A submitter awaiting the block of its transaction.
#[derive(Debug)]
struct Waiter {
    hash: H256,
    reply: Reply,
}

/// Where a submitter awaits its answer: a task ([`Node::submit_raw_transaction_async`]) or a
/// thread ([`Node::submit_raw_transaction`]).
#[derive(Debug)]
enum Reply {
    Async(tokio::sync::oneshot::Sender<Result<H256, SubmitError>>),
    Blocking(std::sync::mpsc::SyncSender<Result<H256, SubmitError>>),
}

impl Reply {
    /// Sends the answer; a submitter that went away (its client hung up) is not an error.
    fn send(self, answer: Result<H256, SubmitError>) {
        let _ = match self {
            Reply::Async(sender) => sender.send(answer).map_err(drop),
            Reply::Blocking(sender) => sender.send(answer).map_err(drop),
        };
    }
}

/// The sealing turn under way. If it ends by a panic, the submitters it would have answered
/// get an error, and the next submission starts a new turn.
struct SealingTurn<'a> {
    node: &'a Node,
    finished: bool,
}

impl Drop for SealingTurn<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.node.end_turn(&HostFailure::Thread(
                "the sealing turn panicked".to_string(),
            ));
        }
    }
}

/// The error of a submission whose answer never came: the thread that held its reply ended
/// without sending it (the node is shutting down).
fn unanswered() -> SubmitError {
    SubmitError::Admission(HostFailure::Thread(
        "the submission ended without an answer".to_string(),
    ))
}

/// A lock whose holder panicked: the data is a plain value, valid between statements.
fn lock_or_recover<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The chain, the pool and the miner's wiring.
pub struct Node {
    chain: Arc<Chain>,
    pool: Mutex<Pool>,
    mining: Mining,
    sealing: Mutex<()>,
    /// Numbers the pooled submissions, in pool order (taken under the pool's lock).
    submissions: AtomicU64,
    group: Mutex<GroupCommit>,
    store_fault: StoreFault,
    /// The timestamps the dev chain's test methods ask blocks for.
    clock: clock::DevClock,
    /// The senders it sends for without their keys (dev chains only).
    impersonation: impersonation::Impersonation,
    /// The clock's settings when each held snapshot was taken, by snapshot id.
    clock_snapshots: Mutex<BTreeMap<u64, clock::ClockState>>,
    /// The pooled transactions the last rewind (`evm_revert`, `anvil_reset`) dropped, whose
    /// waiting submitters are told so.
    rewound: Mutex<std::collections::HashSet<H256>>,
    blocks: broadcast::Sender<Arc<NewBlock>>,
    transactions: broadcast::Sender<H256>,
    metrics: Metrics,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("chain", &self.chain)
            .field("mining", &self.mining)
            .finish_non_exhaustive()
    }
}

impl Node {
    /// Opens (or creates) the chain in `datadir` and an empty pool for it with the default
    /// limits.
    pub fn open(datadir: &Path, genesis: &Genesis, mining: Mining) -> Result<Self, NodeError> {
        Self::open_with(datadir, genesis, mining, NodeLimits::default())
    }

    /// Opens (or creates) the chain in `datadir` and an empty pool for it, with `limits`.
    pub fn open_with(
        datadir: &Path,
        genesis: &Genesis,
        mining: Mining,
        limits: NodeLimits,
    ) -> Result<Self, NodeError> {
        let shown = datadir.display().to_string();
        std::fs::create_dir_all(datadir).map_err(|source| NodeError::DataDir {
            path: shown.clone(),
            source,
        })?;
        let open = || -> Result<Chain, ChainError> {
            let mut config = ChainConfig {
                calls: limits.calls,
                store: limits.store,
                ..ChainConfig::from_genesis(genesis)?
            };
            config.vm.warm = limits.warm;
            Chain::open(datadir, genesis, config)
        };
        let chain = open().map_err(|source| NodeError::Open {
            path: shown,
            source,
        })?;
        Ok(Self::with_pool(Arc::new(chain), mining, limits.pool))
    }

    /// A node over an opened chain, with the default pool limits.
    pub fn new(chain: Arc<Chain>, mining: Mining) -> Self {
        Self::with_pool(chain, mining, PoolLimits::default())
    }

    /// A node over an opened chain, with `limits` for its pool.
    pub fn with_pool(chain: Arc<Chain>, mining: Mining, limits: PoolLimits) -> Self {
        let pool = Pool::new(PoolConfig {
            limits,
            ..PoolConfig::new(
                chain.chain_id(),
                chain.config().gas_limit,
                chain.config().vm.schedule.calldata,
            )
        });
        let metrics = Metrics::new();
        metrics.set_head(chain.head().header.number);
        Self {
            chain,
            pool: Mutex::new(pool),
            mining,
            sealing: Mutex::new(()),
            submissions: AtomicU64::new(0),
            group: Mutex::default(),
            store_fault: StoreFault::default(),
            clock: clock::DevClock::default(),
            impersonation: impersonation::Impersonation::default(),
            clock_snapshots: Mutex::new(std::collections::BTreeMap::new()),
            rewound: Mutex::new(std::collections::HashSet::new()),
            blocks: broadcast::channel(BLOCK_EVENTS).0,
            transactions: broadcast::channel(TRANSACTION_EVENTS).0,
            metrics,
        }
    }

    /// The chain.
    pub fn chain(&self) -> &Arc<Chain> {
        &self.chain
    }

    /// The mining mode.
    pub fn mining(&self) -> Mining {
        self.mining
    }

    /// The clock blocks take their timestamps from (moved by the dev chain's test methods).
    pub fn clock(&self) -> &clock::DevClock {
        &self.clock
    }

    /// The accounts impersonated (`anvil_impersonateAccount`).
    pub fn impersonation(&self) -> &impersonation::Impersonation {
        &self.impersonation
    }

    /// The metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The pool, even if a panic poisoned its lock: every pool operation leaves it consistent
    /// between statements that can panic, and a dev node is better served running on.
    fn pool(&self) -> MutexGuard<'_, Pool> {
        lock_or_recover(&self.pool)
    }

    /// The group commit's state, even if a panic poisoned its lock (as [`Node::pool`]).
    fn group(&self) -> MutexGuard<'_, GroupCommit> {
        lock_or_recover(&self.group)
    }

    /// Decodes raw transaction bytes and pools the transaction; with instant mining, also
    /// waits until the block that includes it is committed (sealed on the block thread).
    /// Returns the transaction hash.
    ///
    /// A failed block is logged, not returned, and the transaction stays pooled for the next
    /// one; except when the store failed: then the transaction leaves the pool and the error is
    /// returned, and later submissions are refused until the store writes again.
    ///
    /// Not to be called on the block thread (`Chain::on_block_thread`): the sealing turn it
    /// waits for runs there.
    pub fn submit_raw_transaction(self: &Arc<Self>, raw: Vec<u8>) -> Result<H256, SubmitError> {
        let (hash, ticket) = self.pool_raw_transaction(raw)?;
        if self.mining != Mining::Instant {
            return Ok(hash);
        }
        let (reply, answer) = std::sync::mpsc::sync_channel(1);
        self.await_block(hash, ticket, Reply::Blocking(reply));
        answer.recv().map_err(|_| unanswered())?
    }

    /// [`Node::submit_raw_transaction`] for async callers: the wait for the block holding the
    /// transaction holds no thread (a JSON-RPC handler awaits it). Decoding, sender recovery
    /// and pooling (tens of microseconds) run on the chain's ingest threads, below the request
    /// handlers' priority; the sealing turn answers the submitter when its block is committed,
    /// so the task is woken once, with its answer.
    pub async fn submit_raw_transaction_async(
        self: &Arc<Self>,
        raw: Vec<u8>,
    ) -> Result<H256, SubmitError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let node = Arc::clone(self);
        self.chain
            .spawn_ingest(move || match node.pool_raw_transaction(raw) {
                // Registered here, not by the submitter, which may be gone by the time it
                // would (a client that hung up): the transaction is sealed all the same.
                Ok((hash, ticket)) if node.mining == Mining::Instant => {
                    node.await_block(hash, ticket, Reply::Async(reply));
                }
                pooled => {
                    let _ = reply.send(pooled.map(|(hash, _)| hash));
                }
            })
            .map_err(SubmitError::Admission)?;
        answer.await.map_err(|_| unanswered())?
    }

    /// Decodes and pools a transaction: its hash and submission number.
    fn pool_raw_transaction(&self, raw: Vec<u8>) -> Result<(H256, u64), SubmitError> {
        self.store_fault
            .check(self.chain.store())
            .map_err(SubmitError::StoreUnavailable)?;
        let transaction = tx::decode_with(&raw, self.chain.config().signatures())?;
        if transaction.impersonated() && !self.impersonation.covers(&transaction.sender) {
            return Err(SubmitError::NotImpersonated(transaction.sender));
        }
        let head = HeadState(self.chain.store());
        let (hash, ticket) = {
            let mut pool = self.pool();
            let hash = pool.add(transaction, raw, &head, self.chain.next_base_fee())?;
            (hash, self.submissions.fetch_add(1, Ordering::SeqCst) + 1)
        };
        tracing::debug!(?hash, "transaction pooled");
        // No receiver (no pending filter or subscription) is the normal case.
        let _ = self.transactions.send(hash);
        Ok((hash, ticket))
    }

    /// The store's refusal of a settled transaction, if its block could not be written.
    fn refusal(&self, hash: &H256) -> Result<(), SubmitError> {
        if lock_or_recover(&self.rewound).remove(hash) {
            return Err(SubmitError::Rewound);
        }
        match self.store_fault.take_refusal(hash) {
            Some(error) => Err(SubmitError::StoreUnavailable(error)),
            None => Ok(()),
        }
    }

    /// Has `reply` answered once pooled submission `ticket` (transaction `hash`) is settled,
    /// starting a sealing turn unless one is under way.
    fn await_block(self: &Arc<Self>, hash: H256, ticket: u64, reply: Reply) {
        let mut group = self.group();
        // A turn that began after the transaction was pooled may have settled it already. A
        // transaction gone from the pool is left to the turn's check: a rewind or a failed
        // write may have removed it without having recorded the refusal yet.
        if group.settled >= ticket {
            drop(group);
            reply.send(self.answer(hash));
            return;
        }
        group.waiting.insert(ticket, Waiter { hash, reply });
        if group.sealing {
            return;
        }
        group.sealing = true;
        drop(group);
        let node = Arc::clone(self);
        if let Err(failure) = self
            .chain
            .spawn_on_block_thread(move || node.seal_while_awaited())
        {
            self.end_turn(&failure);
        }
    }

    /// The sealing turn, on the block thread: seals blocks while submitters await theirs, and
    /// answers each as soon as its submission is settled. It ends when no submitter waits; the
    /// check and a new submitter's registration both hold the group's lock, so none is left
    /// waiting without a turn.
    fn seal_while_awaited(&self) {
        let mut turn = SealingTurn {
            node: self,
            finished: false,
        };
        loop {
            let settled = self.seal_group();
            let (answered, finished) = {
                let mut group = self.group();
                if let Some(settled) = settled {
                    group.settled = group.settled.max(settled);
                }
                let settled = group.settled;
                let pool = self.pool();
                let answered: Vec<Waiter> = group
                    .waiting
                    .extract_if(.., |ticket, waiter| {
                        *ticket <= settled || !pool.contains(&waiter.hash)
                    })
                    .map(|(_, waiter)| waiter)
                    .collect();
                drop(pool);
                let finished = group.waiting.is_empty();
                group.sealing = !finished;
                (answered, finished)
            };
            // Before the answers: from here on a newer turn may own the waiters.
            turn.finished = finished;
            for waiter in answered {
                waiter.reply.send(self.answer(waiter.hash));
            }
            if finished {
                return;
            }
        }
    }

    /// Ends a turn that could not go on (`failure`): every waiting submitter gets the error.
    /// Their transactions stay pooled, for the next submission's turn.
    fn end_turn(&self, failure: &HostFailure) {
        let waiting = {
            let mut group = self.group();
            group.sealing = false;
            std::mem::take(&mut group.waiting)
        };
        for waiter in waiting.into_values() {
            waiter
                .reply
                .send(Err(SubmitError::Sealing(failure.clone())));
        }
    }

    /// What a settled submission answers: its hash, or the refusal of its block.
    fn answer(&self, hash: H256) -> Result<H256, SubmitError> {
        self.refusal(&hash).map(|()| hash)
    }

    /// Seals one block of what is executable in the pool. Returns the last submission it
    /// settled all submissions up to: those the pool held when it started, unless the gas limit
    /// left some of them for the next block. A block that fails is logged, not returned: its
    /// transactions stay pooled for the next sealing, unless its write failed (then they were
    /// refused, [`store_fault`]).
    fn seal_group(&self) -> Option<u64> {
        let snapshot = self.submissions.load(Ordering::SeqCst);
        match self.mine_from_pool(false) {
            Ok(Some((mined, complete))) => {
                (complete || mined.block.transactions.is_empty()).then_some(snapshot)
            }
            Ok(None) => Some(snapshot),
            Err(error) => {
                tracing::error!(%error, "sealing a block failed");
                Some(snapshot)
            }
        }
    }

    /// The next nonce of `address` counting its pooled transactions
    /// (`eth_getTransactionCount(address, "pending")`).
    pub fn pending_nonce(&self, address: &H160) -> Result<u64, StateError> {
        let head = HeadState(self.chain.store());
        self.pool().pending_nonce(address, &head)
    }

    /// A transaction still in the pool.
    pub fn pooled_transaction(&self, hash: &H256) -> Option<SignedTransaction> {
        self.pool().get(hash).cloned()
    }

    /// The raw bytes of a transaction still in the pool.
    pub fn pooled_raw_transaction(&self, hash: &H256) -> Option<Vec<u8>> {
        self.pool().get_raw(hash).map(<[u8]>::to_vec)
    }

    /// Receives every block committed from now on.
    pub fn subscribe_blocks(&self) -> broadcast::Receiver<Arc<NewBlock>> {
        self.blocks.subscribe()
    }

    /// Receives the hash of every transaction pooled from now on.
    pub fn subscribe_transactions(&self) -> broadcast::Receiver<H256> {
        self.transactions.subscribe()
    }

    /// The metrics page, with the pool gauges and head number brought up to date.
    pub fn render_metrics(&self) -> String {
        let head = HeadState(self.chain.store());
        let counts = {
            let pool = self.pool();
            pool.pending_count(&head)
                .and_then(|pending| Ok((pending, pool.queued_count(&head)?)))
        };
        // The page still serves the other metrics; the gauges keep their last values.
        match counts {
            Ok((pending, queued)) => self.metrics.set_pool(pending, queued),
            Err(error) => tracing::error!(%error, "counting the pool for the metrics"),
        }
        self.metrics.set_head(self.chain.head().header.number);
        self.metrics
            .set_store_memory(&self.chain.store().memory_usage());
        self.metrics.set_allocator(&allocator::stats());
        self.metrics.render()
    }

    /// Seals one block from the pool's best transactions and publishes it. With
    /// `allow_empty` false and nothing executable in the pool, seals nothing and returns `None`.
    ///
    /// A host failure is retried, and its transaction dropped after [`HOST_FAILURES_TO_DROP`]
    /// of them (see the module documentation).
    pub fn mine_block(&self, allow_empty: bool) -> Result<Option<MinedBlock>, ChainError> {
        Ok(self.mine_from_pool(allow_empty)?.map(|(mined, _)| mined))
    }

    /// Holds a snapshot of the chain and the dev clock (`evm_snapshot`); its id.
    pub fn snapshot(&self) -> Result<u64, ChainError> {
        self.on_block_thread(|| {
            let _sealing = self.sealing();
            let id = self.chain.snapshot()?;
            lock_or_recover(&self.clock_snapshots).insert(id, self.clock.save());
            Ok(id)
        })
    }

    /// Returns the chain and the dev clock to snapshot `id` (`evm_revert`) and empties the pool,
    /// whose transactions were checked against the state left behind; `false` if no such
    /// snapshot is held. It and later snapshots are released.
    pub fn revert_to_snapshot(&self, id: u64) -> Result<bool, ChainError> {
        self.on_block_thread(|| {
            let _sealing = self.sealing();
            let Some(point) = self.chain.revert_to(id)? else {
                return Ok(false);
            };
            let mut clocks = lock_or_recover(&self.clock_snapshots);
            if let Some(state) = clocks.get(&id) {
                self.clock.restore(*state);
            }
            clocks.retain(|held, _| *held < id);
            drop(clocks);
            self.after_rewind(point.number);
            tracing::info!(id, head = point.number, "reverted to a snapshot");
            Ok(true)
        })
    }

    /// Returns the chain to its genesis (`anvil_reset`): blocks, state edits, snapshots, the
    /// pool and the dev clock's settings are gone.
    pub fn reset(&self) -> Result<(), ChainError> {
        self.on_block_thread(|| {
            let _sealing = self.sealing();
            self.chain.reset()?;
            lock_or_recover(&self.clock_snapshots).clear();
            self.clock.restore(clock::ClockState::default());
            self.impersonation.clear();
            self.after_rewind(0);
            tracing::info!("reset to the genesis");
            Ok(())
        })
    }

    fn after_rewind(&self, head: u64) {
        let dropped = self.pool().clear();
        *lock_or_recover(&self.rewound) = dropped.into_iter().collect();
        self.metrics.set_head(head);
    }

    /// Runs `f` on the block thread, where every change of the head happens.
    fn on_block_thread<R: Send>(
        &self,
        f: impl FnOnce() -> Result<R, ChainError> + Send,
    ) -> Result<R, ChainError> {
        self.chain
            .on_block_thread(f)
            .map_err(|failure| ChainError::ExecutorThread(Box::new(failure)))?
    }

    /// [`Node::mine_block`], saying whether the block was offered every executable transaction
    /// ([`crate::pool::Candidates::complete`]).
    ///
    /// Every sealing runs on the chain's block thread, below the request handlers' priority
    /// (`Chain::on_block_thread`), and takes the sealing lock only there: a caller holding the
    /// lock while it waited for the block thread could deadlock with a sealing on it.
    fn mine_from_pool(&self, allow_empty: bool) -> Result<Option<(MinedBlock, bool)>, ChainError> {
        self.chain
            .on_block_thread(|| self.seal_from_pool(allow_empty))
            .map_err(|failure| ChainError::ExecutorThread(Box::new(failure)))?
    }

    /// [`Node::mine_from_pool`] on the block thread.
    fn seal_from_pool(&self, allow_empty: bool) -> Result<Option<(MinedBlock, bool)>, ChainError> {
        let _sealing = self.sealing();
        let attempted = std::cell::RefCell::new(Vec::new());
        let asked = std::cell::Cell::new(None);
        let built = self.build_from_pool(allow_empty, |candidates| {
            *attempted.borrow_mut() = candidates.iter().map(|(tx, _)| tx.hash).collect();
            asked.set(self.clock.next_timestamp());
            self.chain.mine(candidates, asked.get())
        });
        if !matches!(built, Ok(None)) {
            self.store_fault.observe(&built);
        }
        if let Err(error @ ChainError::Store(StoreError::Write(_))) = &built {
            // Out of the pool while the sealing lock holds, so that no later block takes them
            // and their submitters can be told (module documentation of `store_fault`).
            let attempted = attempted.take();
            let mut pool = self.pool();
            for hash in &attempted {
                pool.remove(hash);
            }
            drop(pool);
            if self.mining == Mining::Instant {
                self.store_fault.refuse(attempted, error);
            }
        }
        let Some((mined, complete)) = built? else {
            return Ok(None);
        };
        self.clock.sealed(asked.get());
        self.after_block(&mined, "mined block");
        Ok(Some((mined, complete)))
    }

    /// Builds the block this node proposes to the network from the pool's best transactions,
    /// stamped `timestamp` (or just after the parent), without committing it. Host failures
    /// are handled as [`Node::mine_block`] handles them.
    pub fn propose_block(&self, timestamp: u64) -> Result<ExecutedBlock, ChainError> {
        self.chain
            .on_block_thread(|| {
                let _sealing = self.sealing();
                let build = |candidates| self.chain.execute_candidates(candidates, Some(timestamp));
                match self.build_from_pool(true, build)? {
                    Some((executed, _)) => Ok(executed),
                    None => build(Vec::new()),
                }
            })
            .map_err(|failure| ChainError::ExecutorThread(Box::new(failure)))?
    }

    /// Commits a block the network decided, with its commit certificate, and publishes it.
    pub fn commit_decided(
        &self,
        executed: ExecutedBlock,
        certificate: Vec<u8>,
    ) -> Result<Arc<Block>, ChainError> {
        let _sealing = self.sealing();
        let committed = self.chain.commit_executed(executed, Some(certificate));
        self.store_fault.observe(&committed);
        let mined = committed?;
        self.after_block(&mined, "committed decided block");
        Ok(mined.block)
    }

    fn sealing(&self) -> MutexGuard<'_, ()> {
        lock_or_recover(&self.sealing)
    }

    /// Runs `build` on the pool's best transactions, retrying host failures (and dropping a
    /// transaction that fails the node [`HOST_FAILURES_TO_DROP`] times), with whether those were
    /// all the executable ones. `None` when the pool has nothing executable and `allow_empty` is
    /// false.
    fn build_from_pool<T>(
        &self,
        allow_empty: bool,
        build: impl Fn(Vec<(SignedTransaction, Vec<u8>)>) -> Result<T, ChainError>,
    ) -> Result<Option<(T, bool)>, ChainError> {
        let head = HeadState(self.chain.store());
        let mut host_failures: HashMap<H256, u32> = HashMap::new();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let candidates = self
                .pool()
                .best_within(
                    &head,
                    self.chain.next_base_fee(),
                    self.chain.config().gas_limit,
                )
                .map_err(|error| ChainError::State(Box::new(error)))?;
            if candidates.transactions.is_empty() && !allow_empty {
                return Ok(None);
            }
            match build(candidates.transactions) {
                Ok(built) => return Ok(Some((built, candidates.complete))),
                Err(ChainError::HostFailure { tx, failure }) if attempts < MAX_BUILD_ATTEMPTS => {
                    let failures = host_failures.entry(tx).or_default();
                    *failures += 1;
                    let drop = *failures >= HOST_FAILURES_TO_DROP;
                    self.metrics.host_failure(drop);
                    if drop {
                        self.pool().remove(&tx);
                        tracing::error!(
                            hash = ?tx,
                            %failure,
                            failures = *failures,
                            "dropping the transaction from the pool: executing it failed the \
                             node again; building the block without it"
                        );
                    } else {
                        tracing::warn!(
                            hash = ?tx,
                            %failure,
                            "executing the transaction failed the node (not the transaction); \
                             building the block again"
                        );
                    }
                }
                Err(error) => {
                    if matches!(error, ChainError::HostFailure { .. }) {
                        self.metrics.host_failure(false);
                    }
                    return Err(error);
                }
            }
        }
    }

    /// What follows a committed block: the pool forgets what it mined (and what it found
    /// permanently invalid), the block is logged, counted and published.
    fn after_block(&self, mined: &MinedBlock, what: &'static str) {
        let head = HeadState(self.chain.store());
        let dropped: Vec<H256> = mined
            .rejected
            .iter()
            .filter(|rejection| rejection.permanent)
            .map(|rejection| rejection.hash)
            .collect();
        // The block is committed either way; senders the sweep did not reach keep their
        // mined transactions until the next block's sweep (they can never be mined again).
        if let Err(error) = self.pool().on_new_block(&head, &dropped) {
            tracing::error!(%error, "updating the pool after a block");
        }

        let block = &mined.block;
        for rejection in &mined.rejected {
            tracing::debug!(
                hash = ?rejection.hash,
                reason = %rejection.reason,
                dropped = rejection.permanent,
                "transaction left out of block {}",
                block.header.number
            );
        }
        tracing::info!(
            number = block.header.number,
            hash = ?block.hash,
            txs = block.transactions.len(),
            gas_used = block.header.gas_used,
            execute_ms = mined.execute_time.as_secs_f64() * 1000.0,
            commit_ms = mined.commit_time.as_secs_f64() * 1000.0,
            "{what}"
        );
        self.metrics.block_mined(
            block.header.number,
            block.transactions.len(),
            block.header.gas_used,
            mined.execute_time,
            mined.commit_time,
        );
        // No receiver (no subscription or filter task) is the normal case.
        let _ = self.blocks.send(Arc::new(NewBlock {
            block: Arc::clone(block),
            receipts: mined.receipts.clone(),
        }));
    }

    /// Starts the interval miner task, or nothing with instant mining (submissions start the
    /// sealing turn); it stops (after finishing the block it is building) when `stop` turns true
    /// or its sender is dropped.
    pub fn spawn_miner(self: &Arc<Self>, stop: watch::Receiver<bool>) -> Option<JoinHandle<()>> {
        let Mining::Interval(period) = self.mining else {
            return None;
        };
        let node = Arc::clone(self);
        Some(tokio::spawn(node.mine_every(period, stop)))
    }

    async fn mine_every(self: Arc<Self>, period: Duration, mut stop: watch::Receiver<bool>) {
        let start = tokio::time::Instant::now() + period;
        let mut ticker = tokio::time::interval_at(start, period);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = stop.changed() => return,
            }
            self.mine_blocking(true).await;
        }
    }

    /// Runs [`Node::mine_block`] on the blocking pool and waits for it.
    async fn mine_blocking(self: &Arc<Self>, allow_empty: bool) {
        let node = Arc::clone(self);
        match tokio::task::spawn_blocking(move || node.mine_block(allow_empty)).await {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => tracing::error!(%error, "sealing a block failed"),
            Err(error) => tracing::error!(%error, "the block builder panicked"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genesis::{DEV_MNEMONIC, derive_accounts};
    use crate::tx::{TxKind, UnsignedTransaction};
    use rewasm_primitives::keccak256;

    fn transfer(nonce: u64, value: u64) -> Vec<u8> {
        transfer_from(0, nonce, H160::repeat_byte(0x42), value)
    }

    /// A transfer from dev account `sender`.
    fn transfer_from(sender: usize, nonce: u64, to: H160, value: u64) -> Vec<u8> {
        let count = u32::try_from(sender).unwrap() + 1;
        let key = &derive_accounts(DEV_MNEMONIC, count).unwrap()[sender].key;
        tx::sign(
            &UnsignedTransaction {
                kind: TxKind::DynamicFee,
                chain_id: Some(crate::genesis::DEV_CHAIN_ID),
                nonce,
                gas_limit: 21_000,
                gas_price: U256::zero(),
                max_fee: U256::from(10_000_000_000u64),
                max_priority_fee: U256::from(1_000_000_000u64),
                to: Some(to),
                value: U256::from(value),
                data: Vec::new(),
                access_list: Vec::new(),
            },
            key,
        )
        .unwrap()
    }

    /// A period no test waits for: blocks are sealed only by `mine_block`.
    const MANUAL: Mining = Mining::Interval(Duration::from_secs(3600));

    #[test]
    fn instant_mining_seals_before_the_submission_returns() {
        let dir = tempfile::tempdir().unwrap();
        let node =
            Arc::new(Node::open(dir.path(), &Genesis::dev().unwrap(), Mining::Instant).unwrap());
        let mut blocks = node.subscribe_blocks();
        let first = node.submit_raw_transaction(transfer(0, 1)).unwrap();
        let (block, location) = node
            .chain()
            .transaction(&first)
            .unwrap()
            .map(|included| (included.location.block_number, included.location.index))
            .expect("mined when submit returns");
        assert_eq!((block, location), (1, 0));
        assert!(node.pooled_transaction(&first).is_none());
        assert_eq!(blocks.try_recv().unwrap().block.header.number, 1);

        // A nonce gap waits in the pool and seals nothing; filling it mines both.
        let gapped = node.submit_raw_transaction(transfer(2, 3)).unwrap();
        assert_eq!(node.chain().head().header.number, 1);
        assert!(node.pooled_transaction(&gapped).is_some());
        node.submit_raw_transaction(transfer(1, 2)).unwrap();
        assert!(node.pooled_transaction(&gapped).is_none());
        assert!(node.chain().transaction(&gapped).unwrap().is_some());
        assert_eq!(node.chain().head().header.number, 2, "both share one block");
    }

    /// Group commit: submissions that arrive while a block is being sealed share the next
    /// block, and each answers with its receipt already stored (a client's first poll finds it).
    #[test]
    fn concurrent_submissions_share_a_block_and_answer_with_their_receipt() {
        let dir = tempfile::tempdir().unwrap();
        let node =
            Arc::new(Node::open(dir.path(), &Genesis::dev().unwrap(), Mining::Instant).unwrap());
        let raws: Vec<Vec<u8>> = (0..8)
            .map(|sender| transfer_from(sender, 0, H160::repeat_byte(0x42), 1))
            .collect();
        let hashes: Vec<H256> = raws.iter().map(|raw| keccak256(raw)).collect();
        // A block being sealed: whatever is submitted meanwhile waits for the next one.
        let sealing = node.sealing();
        let submitters: Vec<_> = raws
            .into_iter()
            .map(|raw| {
                let node = Arc::clone(&node);
                std::thread::spawn(move || {
                    let hash = node.submit_raw_transaction(raw).unwrap();
                    (hash, node.chain().receipt(&hash).unwrap().is_some())
                })
            })
            .collect();
        while !hashes.iter().all(|hash| node.pool().contains(hash)) {
            std::thread::sleep(Duration::from_millis(1));
        }
        drop(sealing);
        for submitter in submitters {
            let (hash, receipt) = submitter.join().unwrap();
            assert!(
                receipt,
                "{hash:?} was answered before its receipt was stored"
            );
        }
        let head = node.chain().head();
        assert_eq!(head.header.number, 1, "one block for all eight");
        assert_eq!(head.transactions.len(), 8);
        assert_turn_ended(&node);
    }

    /// The same for submitters that await their block ([`Node::submit_raw_transaction_async`])
    /// beside ones that wait on a thread: they share blocks, and each answers with its receipt
    /// stored, whichever kind started the sealing.
    #[test]
    fn awaiting_and_blocking_submitters_share_blocks_and_answer_with_their_receipt() {
        let dir = tempfile::tempdir().unwrap();
        let node =
            Arc::new(Node::open(dir.path(), &Genesis::dev().unwrap(), Mining::Instant).unwrap());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let raws: Vec<Vec<u8>> = (0..8)
            .map(|sender| transfer_from(sender, 0, H160::repeat_byte(0x42), 1))
            .collect();
        let hashes: Vec<H256> = raws.iter().map(|raw| keccak256(raw)).collect();
        let sealing = node.sealing();
        let (awaiting, blocking) = raws.split_at(4);
        let threads: Vec<_> = blocking
            .iter()
            .cloned()
            .map(|raw| {
                let node = Arc::clone(&node);
                std::thread::spawn(move || {
                    let hash = node.submit_raw_transaction(raw).unwrap();
                    (hash, node.chain().receipt(&hash).unwrap().is_some())
                })
            })
            .collect();
        let tasks: Vec<_> = awaiting
            .iter()
            .cloned()
            .map(|raw| {
                let node = Arc::clone(&node);
                runtime.spawn(async move {
                    let hash = node.submit_raw_transaction_async(raw).await.unwrap();
                    (hash, node.chain().receipt(&hash).unwrap().is_some())
                })
            })
            .collect();
        runtime.block_on(async {
            while !hashes.iter().all(|hash| node.pool().contains(hash)) {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        });
        drop(sealing);
        let mut answered: Vec<(H256, bool)> =
            threads.into_iter().map(|t| t.join().unwrap()).collect();
        for task in tasks {
            answered.push(runtime.block_on(task).unwrap());
        }
        for (hash, receipt) in &answered {
            assert!(
                receipt,
                "{hash:?} was answered before its receipt was stored"
            );
        }
        let mut answered: Vec<H256> = answered.into_iter().map(|(hash, _)| hash).collect();
        answered.sort();
        let mut expected = hashes.clone();
        expected.sort();
        assert_eq!(answered, expected);
        let head = node.chain().head();
        assert_eq!(head.header.number, 1, "one block for all eight");
        assert_eq!(head.transactions.len(), 8);
        assert_turn_ended(&node);
    }

    /// A submitter that goes away while its transaction is admitted (a client that hung up)
    /// still has it sealed: the ingest job starts the turn nobody else would.
    #[test]
    fn a_gone_submitters_transaction_is_still_sealed() {
        let dir = tempfile::tempdir().unwrap();
        let node =
            Arc::new(Node::open(dir.path(), &Genesis::dev().unwrap(), Mining::Instant).unwrap());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let raw = transfer_from(0, 0, H160::repeat_byte(0x42), 1);
        let hash = keccak256(&raw);
        runtime.block_on(async {
            let submission = node.submit_raw_transaction_async(raw);
            tokio::pin!(submission);
            // One poll hands the transaction to an ingest thread; then the submitter is gone.
            let polled = futures_poll_once(submission.as_mut()).await;
            assert!(polled.is_none(), "answered before its block: {polled:?}");
        });
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while node.chain().transaction(&hash).unwrap().is_none() {
            assert!(std::time::Instant::now() < deadline, "never sealed");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(node.chain().head().header.number, 1);
    }

    /// Once every submitter is answered, the sealing turn has ended and holds no one.
    fn assert_turn_ended(node: &Node) {
        let group = node.group();
        assert!(!group.sealing, "a turn still runs with no one waiting");
        assert!(group.waiting.is_empty(), "{:?}", group.waiting);
    }

    /// A turn that cannot go on (the block thread is gone, or the turn panicked) answers
    /// everyone waiting with the failure, and the next submission may start a turn.
    #[test]
    fn a_failed_turn_answers_its_waiters_with_the_failure() {
        let dir = tempfile::tempdir().unwrap();
        let node =
            Arc::new(Node::open(dir.path(), &Genesis::dev().unwrap(), Mining::Instant).unwrap());
        let (reply, answer) = std::sync::mpsc::sync_channel(1);
        {
            let mut group = node.group();
            group.sealing = true;
            let hash = H256::repeat_byte(7);
            let reply = Reply::Blocking(reply);
            group.waiting.insert(1, Waiter { hash, reply });
        }
        drop(SealingTurn {
            node: &node,
            finished: false,
        });
        match answer.recv().unwrap() {
            Err(SubmitError::Sealing(failure)) => {
                assert_eq!(
                    failure.to_string(),
                    "the executor thread failed: the sealing turn panicked"
                );
            }
            other => panic!("expected the turn's failure, got {other:?}"),
        }
        assert_turn_ended(&node);

        let hash = node.submit_raw_transaction(transfer(0, 1)).unwrap();
        assert!(
            node.chain().transaction(&hash).unwrap().is_some(),
            "sealed by a new turn"
        );
        assert_turn_ended(&node);
    }

    /// Polls `future` once: its output if it was ready.
    async fn futures_poll_once<F: std::future::Future + Unpin>(mut future: F) -> Option<F::Output> {
        std::future::poll_fn(|context| {
            std::task::Poll::Ready(match std::pin::Pin::new(&mut future).poll(context) {
                std::task::Poll::Ready(output) => Some(output),
                std::task::Poll::Pending => None,
            })
        })
        .await
    }

    #[test]
    fn a_block_takes_the_pooled_transactions_and_the_pool_forgets_them() {
        let dir = tempfile::tempdir().unwrap();
        let node = Arc::new(Node::open(dir.path(), &Genesis::dev().unwrap(), MANUAL).unwrap());
        let mut blocks = node.subscribe_blocks();
        let mut pooled = node.subscribe_transactions();
        let first = node.submit_raw_transaction(transfer(0, 1)).unwrap();
        let second = node.submit_raw_transaction(transfer(1, 2)).unwrap();
        assert_eq!(pooled.try_recv().unwrap(), first);
        assert_eq!(pooled.try_recv().unwrap(), second);
        let sender = derive_accounts(DEV_MNEMONIC, 1).unwrap()[0].address;
        assert_eq!(node.pending_nonce(&sender).unwrap(), 2);
        assert!(node.pooled_transaction(&first).is_some());

        let mined = node.mine_block(false).unwrap().unwrap();
        assert_eq!(mined.block.header.number, 1);
        assert_eq!(mined.block.transactions.len(), 2);
        assert!(node.pooled_transaction(&first).is_none());
        assert_eq!(node.pending_nonce(&sender).unwrap(), 2);
        let event = blocks.try_recv().unwrap();
        assert_eq!(event.block.hash, mined.block.hash);
        assert_eq!(event.receipts.len(), 2);

        assert!(node.mine_block(false).unwrap().is_none(), "nothing to mine");
        let empty = node.mine_block(true).unwrap().unwrap();
        assert_eq!(empty.block.header.number, 2);
        assert!(empty.block.transactions.is_empty());
        let page = node.render_metrics();
        assert!(page.contains("rewasm_head_block_number 2"), "{page}");
        assert!(page.contains("rewasm_transactions_mined_total 2"), "{page}");
    }

    #[test]
    fn bad_submissions_are_typed_errors() {
        let dir = tempfile::tempdir().unwrap();
        let node = Arc::new(Node::open(dir.path(), &Genesis::dev().unwrap(), MANUAL).unwrap());
        assert!(matches!(
            node.submit_raw_transaction(vec![0x05, 0xc0]),
            Err(SubmitError::Decode(TxDecodeError::TxTypeNotSupported))
        ));
        node.submit_raw_transaction(transfer(0, 1)).unwrap();
        assert!(matches!(
            node.submit_raw_transaction(transfer(0, 1)),
            Err(SubmitError::Pool(PoolError::AlreadyKnown))
        ));
    }

    /// A transaction whose execution fails the node itself (here: the store cannot read the
    /// account it pays) must neither get a made-up result in a block nor stop the chain: the
    /// block is built again, then without it, and it leaves the pool.
    #[test]
    fn a_transaction_that_fails_the_node_is_retried_then_dropped_and_mining_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let genesis = Genesis::dev().unwrap();
        drop(Node::open(dir.path(), &genesis, MANUAL).unwrap());
        let unreadable = H160::repeat_byte(0x66);
        {
            let path = dir.path().join("chaindata");
            let names = rocksdb::DB::list_cf(&rocksdb::Options::default(), &path).unwrap();
            let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), &path, names).unwrap();
            let accounts = db.cf_handle(rewasm_store::cf::ACCOUNTS).unwrap();
            db.put_cf(accounts, unreadable.as_bytes(), b"corrupt")
                .unwrap();
        }
        let node = Arc::new(Node::open(dir.path(), &genesis, MANUAL).unwrap());
        let first = node.submit_raw_transaction(transfer(0, 1)).unwrap();
        let poisoned = node
            .submit_raw_transaction(transfer_from(1, 0, unreadable, 1))
            .unwrap();
        let second = node.submit_raw_transaction(transfer(1, 2)).unwrap();

        let mined = node.mine_block(false).unwrap().unwrap();
        let included: Vec<H256> = mined.block.transactions.iter().map(|t| t.hash).collect();
        assert_eq!(included, vec![first, second]);
        assert!(mined.receipts.iter().all(|receipt| receipt.success));
        assert!(node.chain().transaction(&poisoned).unwrap().is_none());
        assert!(node.chain().receipt(&poisoned).unwrap().is_none());
        assert!(node.pooled_transaction(&poisoned).is_none(), "dropped");
        let page = node.render_metrics();
        assert!(
            page.contains("rewasm_block_host_failures_total 2"),
            "{page}"
        );
        assert!(
            page.contains("rewasm_txpool_host_failure_drops_total 1"),
            "{page}"
        );

        // The chain goes on, and the other sender is not held up either.
        let third = node.submit_raw_transaction(transfer(2, 3)).unwrap();
        let other = node
            .submit_raw_transaction(transfer_from(1, 0, H160::repeat_byte(0x43), 1))
            .unwrap();
        let mined = node.mine_block(false).unwrap().unwrap();
        assert_eq!(mined.block.header.number, 2);
        let mut included: Vec<H256> = mined.block.transactions.iter().map(|t| t.hash).collect();
        included.sort();
        let mut expected = vec![third, other];
        expected.sort();
        assert_eq!(included, expected);
    }

    /// The pool prices an access list as the block does (EIP-2930's 2400 per address and 1900
    /// per key): a transaction whose gas covers 21000 but not its list is refused up front.
    #[test]
    fn the_pool_refuses_gas_below_the_access_list_intrinsic_gas() {
        let dir = tempfile::tempdir().unwrap();
        let node = Arc::new(Node::open(dir.path(), &Genesis::dev().unwrap(), MANUAL).unwrap());
        let key = &derive_accounts(DEV_MNEMONIC, 1).unwrap()[0].key;
        let needed = 21_000 + 2 * 2_400 + 3 * 1_900;
        let listed = |gas_limit: u64| {
            tx::sign(
                &UnsignedTransaction {
                    kind: TxKind::DynamicFee,
                    chain_id: Some(crate::genesis::DEV_CHAIN_ID),
                    nonce: 0,
                    gas_limit,
                    gas_price: U256::zero(),
                    max_fee: U256::from(10_000_000_000u64),
                    max_priority_fee: U256::from(1_000_000_000u64),
                    to: Some(H160::repeat_byte(0x42)),
                    value: U256::one(),
                    data: Vec::new(),
                    access_list: vec![
                        (H160::repeat_byte(1), vec![H256::repeat_byte(1)]),
                        (
                            H160::repeat_byte(2),
                            vec![H256::repeat_byte(2), H256::repeat_byte(3)],
                        ),
                    ],
                },
                key,
            )
            .unwrap()
        };
        match node.submit_raw_transaction(listed(needed - 1)) {
            Err(SubmitError::Pool(error @ PoolError::IntrinsicGas { .. })) => assert_eq!(
                error.to_string(),
                format!(
                    "intrinsic gas too low: gas {}, minimum needed {needed}",
                    needed - 1
                )
            ),
            other => panic!("expected intrinsic gas too low, got {other:?}"),
        }
        let hash = node.submit_raw_transaction(listed(needed)).unwrap();
        let mined = node.mine_block(false).unwrap().unwrap();
        assert_eq!(mined.block.transactions[0].hash, hash);
        assert_eq!(mined.receipts[0].gas_used, needed);
    }
}
