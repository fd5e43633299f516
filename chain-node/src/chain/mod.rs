//! The chain: genesis, block building, reads of blocks, transactions, receipts and logs, calls
//! against any block's state, and replay.
//!
//! [`Chain`] is the one writer of the store. Building a block ([`Chain::mine`]) executes the
//! candidate transactions on a [`StoreState`](rewasm_store::StoreState) overlay, seals a header
//! over the resulting state, transactions and receipts roots, and commits everything as one
//! synced `WriteBatch` — so what a crash leaves behind is always a whole block. The same
//! execution code replays stored blocks in [`verify`], which is how a node proves its head.
//!
//! Everything consensus-relevant about a block is decided here: which transactions are valid in
//! it (chain id, fee cap against the base fee, the sender's balance for `gas × max fee + value`),
//! the price each pays (EIP-1559 effective gas price, base fee burned, tip to the coinbase), the
//! header fields and the base fee rule.

pub mod block;
mod build;
mod call;
pub mod edit;
pub mod header;
pub mod overrides;
mod printed;
pub mod receipt;
pub mod simulate;
pub mod snapshot;
mod trace;
mod verify;

use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use primitive_types::{H160, H256, U256};
use rewasm_executor::{
    AccountChange, BasicAccount, ExecutorPool, HostFailure, StateChanges, StateError, StateRead,
};
use rewasm_primitives::consensus::eip1559::INITIAL_BASE_FEE;
use rewasm_vm::{Engine, EngineError, VmConfig};

use crate::genesis::{Genesis, GenesisError};
use crate::tx::{RlpError, Signatures, SignedTransaction};
use rewasm_store::{BlockWrite, ChainParams, Store, StoreError, StoreMemory};

pub use block::{Block, BlockDecodeError, transactions_root};
pub use build::Rejection;
pub use call::{
    AccessListOutcome, BRIEF_CALL_GAS, BriefCall, CallError, CallLimits, CallOutcome, CallRequest,
    DEFAULT_CALL_TIMEOUT, StateBlock, revert_reason,
};
pub use edit::StateEdit;
pub use header::{Bloom, Header};
pub use receipt::{BlockLog, ReceiptRecord};
pub use snapshot::{MAX_SNAPSHOTS, SnapshotPoint, TooManySnapshots};
pub use trace::Traced;
pub use verify::{VerifyError, VerifyReport, verify};

/// Extra data of every block this node seals.
pub const EXTRA_DATA: &[u8] = b"rewasm";

/// Everything that can go wrong in the chain layer.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("genesis: {0}")]
    Genesis(#[from] GenesisError),
    #[error("vm engine: {0}")]
    Engine(#[from] EngineError),
    #[error("stored block {number}: {source}")]
    CorruptBlock {
        number: u64,
        source: BlockDecodeError,
    },
    #[error("stored {what} of {key}: {source}")]
    CorruptRecord {
        what: &'static str,
        key: String,
        source: RlpError,
    },
    #[error(
        "the data folder holds another chain: its genesis is {found:?}, this config's is {expected:?}"
    )]
    GenesisMismatch { found: H256, expected: H256 },
    #[error(
        "the data folder's chain runs with {setting} {stored}, this config has {configured}: \
         consensus settings are fixed when the chain is created (restore the genesis file, or \
         start a new data folder)"
    )]
    SettingMismatch {
        setting: ChainSetting,
        stored: String,
        configured: String,
    },
    #[error("block {0} is missing from the store")]
    MissingBlock(u64),
    /// The block's executor thread failed to start or panicked.
    #[error("executing the block: {0}")]
    ExecutorThread(Box<HostFailure>),
    /// A stored block holds a transaction the executor refuses: the store or the executor changed
    /// under the chain, so replay stops rather than produce a different state.
    #[error("stored transaction {tx:?} is invalid on replay: {reason}")]
    InvalidOnReplay { tx: H256, reason: String },
    /// The node itself failed while executing transaction `tx` (the executor, or a state read):
    /// not a property of the transaction, so the block was abandoned rather than given a
    /// made-up result for it.
    #[error("executing transaction {tx:?} failed the node (not the transaction): {failure}")]
    HostFailure { tx: H256, failure: Box<HostFailure> },
    /// A read of the head state failed outside a transaction.
    #[error("{0}")]
    State(Box<StateError>),
    /// A time limit stopped transaction `tx` of a block. Blocks run without one, so this is a
    /// failure of the node, never a result.
    #[error("executing transaction {tx:?} was aborted after {timeout:?}")]
    TransactionTimeout {
        tx: H256,
        timeout: std::time::Duration,
    },
    #[error("creating the data folder {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    InvalidEdit(String),
    #[error("stored state edit {index} after block {number}: {source}")]
    CorruptEdit {
        number: u64,
        index: usize,
        source: RlpError,
    },
    #[error(transparent)]
    TooManySnapshots(#[from] TooManySnapshots),
    #[error("the chain lock was poisoned by a panic")]
    Poisoned,
    /// An executed block no longer extends the head (another was committed meanwhile).
    #[error("block {number} was executed on another parent than the head, block {head}")]
    StaleBlock { number: u64, head: u64 },
}

/// A consensus setting a store is tied to ([`ChainError::SettingMismatch`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainSetting {
    ChainId,
    GasSchedule,
    Limits,
    GasLimit,
    Validators,
    DevMode,
}

impl std::fmt::Display for ChainSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::ChainId => "chain id",
            Self::GasSchedule => "gas schedule",
            Self::Limits => "limits",
            Self::GasLimit => "block gas limit",
            Self::Validators => "validator set",
            Self::DevMode => "dev mode (genesis devMode)",
        })
    }
}

/// Chain-wide settings (from the genesis config).
#[derive(Clone, Debug)]
pub struct ChainConfig {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// Gas limit of every block.
    pub gas_limit: u64,
    /// The coinbase of the blocks this node seals.
    pub coinbase: H160,
    /// Validation limits and gas schedule.
    pub vm: VmConfig,
    /// Bounds on `eth_call` and `eth_estimateGas` (not consensus).
    pub calls: CallLimits,
    /// [`Genesis::validators_hash`]: the network's validators and powers.
    pub validators_hash: H256,
    /// [`Genesis::dev_mode`]: impersonated transactions are valid.
    pub dev_mode: bool,
    /// The store's memory bounds (not consensus).
    pub store: StoreMemory,
}

impl ChainConfig {
    /// The settings a genesis config names.
    pub fn from_genesis(genesis: &Genesis) -> Result<Self, ChainError> {
        Ok(Self {
            chain_id: genesis.chain_id,
            gas_limit: genesis.gas_limit,
            coinbase: H160::zero(),
            vm: VmConfig {
                schedule: genesis.schedule()?,
                limits: genesis.limits()?,
                ..VmConfig::default()
            },
            calls: CallLimits::default(),
            validators_hash: genesis.validators_hash()?,
            dev_mode: genesis.dev_mode,
            store: StoreMemory::default(),
        })
    }

    /// The consensus settings a store records and checks on open.
    pub fn params(&self) -> ChainParams {
        ChainParams {
            chain_id: self.chain_id,
            gas_limit: self.gas_limit,
            schedule_hash: H256(self.vm.schedule.hash()),
            limits_hash: H256(self.vm.limits.hash()),
            schedule_name: self.vm.schedule.name.to_string(),
            validators_hash: Some(self.validators_hash),
            dev_mode: Some(self.dev_mode),
        }
    }

    /// The signatures this chain's transactions may carry.
    pub fn signatures(&self) -> Signatures {
        if self.dev_mode {
            Signatures::DevMarkers
        } else {
            Signatures::Strict
        }
    }
}

/// The first setting in which a store's recorded `stored` and the configured `configured`
/// differ.
fn check_params(stored: &ChainParams, configured: &ChainParams) -> Result<(), ChainError> {
    let mismatch = |setting, stored: String, configured: String| {
        Err(ChainError::SettingMismatch {
            setting,
            stored,
            configured,
        })
    };
    let schedule = |params: &ChainParams| {
        format!(
            "{:?} (hash {:?})",
            params.schedule_name, params.schedule_hash
        )
    };
    if stored.chain_id != configured.chain_id {
        return mismatch(
            ChainSetting::ChainId,
            stored.chain_id.to_string(),
            configured.chain_id.to_string(),
        );
    }
    if stored.schedule_hash != configured.schedule_hash {
        return mismatch(
            ChainSetting::GasSchedule,
            schedule(stored),
            schedule(configured),
        );
    }
    if stored.limits_hash != configured.limits_hash {
        return mismatch(
            ChainSetting::Limits,
            format!("hash {:?}", stored.limits_hash),
            format!("hash {:?}", configured.limits_hash),
        );
    }
    if stored.gas_limit != configured.gas_limit {
        return mismatch(
            ChainSetting::GasLimit,
            stored.gas_limit.to_string(),
            configured.gas_limit.to_string(),
        );
    }
    if let Some(stored_validators) = stored.validators_hash
        && Some(stored_validators) != configured.validators_hash
    {
        return mismatch(
            ChainSetting::Validators,
            format!("hash {stored_validators:?}"),
            format!("hash {:?}", configured.validators_hash),
        );
    }
    if let Some(stored_dev_mode) = stored.dev_mode
        && Some(stored_dev_mode) != configured.dev_mode
    {
        return mismatch(
            ChainSetting::DevMode,
            stored_dev_mode.to_string(),
            format!("{}", configured.dev_mode.unwrap_or_default()),
        );
    }
    Ok(())
}

/// Where a transaction is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TxLocation {
    pub block_number: u64,
    pub block_hash: H256,
    /// The block's timestamp (`blockTimestamp` of a transaction object).
    pub block_timestamp: u64,
    pub index: u64,
}

/// An included transaction with its block and receipt.
#[derive(Clone, Debug)]
pub struct IncludedTransaction {
    pub transaction: SignedTransaction,
    pub raw: Vec<u8>,
    pub location: TxLocation,
    /// The block's base fee (for the effective gas price clients compute).
    pub base_fee: U256,
}

/// A sealed and committed block with what it did.
#[derive(Clone, Debug)]
pub struct MinedBlock {
    pub block: Arc<Block>,
    pub receipts: Vec<ReceiptRecord>,
    /// Candidates left out and why (invalid now: wrong nonce, too poor, …).
    pub rejected: Vec<Rejection>,
    /// Time spent executing and sealing.
    pub execute_time: std::time::Duration,
    /// Time spent writing the block.
    pub commit_time: std::time::Duration,
}

/// A block executed on the head state and sealed, not committed: a block this node proposes,
/// or one it received and executed again ([`Chain::execute_proposed`]).
pub struct ExecutedBlock {
    built: build::Built,
    execute_time: std::time::Duration,
}

impl std::fmt::Debug for ExecutedBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecutedBlock")
            .field("number", &self.built.block.header.number)
            .field("hash", &self.built.block.hash)
            .finish_non_exhaustive()
    }
}

impl ExecutedBlock {
    /// The sealed block.
    pub fn block(&self) -> &Block {
        &self.built.block
    }

    /// Its receipts, in transaction order.
    pub fn receipts(&self) -> &[ReceiptRecord] {
        &self.built.receipts
    }
}

/// Why a block another node proposed is refused.
#[derive(Debug, thiserror::Error)]
pub enum ProposalError {
    /// The block is wrong (it does not extend the head, a transaction in it is invalid, or
    /// executing it gives another header).
    #[error("invalid block: {0}")]
    Invalid(String),
    /// This node failed while executing it: not the block's fault.
    #[error(transparent)]
    Node(ChainError),
}

/// Most bytes of a header's extra data (as Ethereum's).
pub const MAX_EXTRA_DATA: usize = 32;

/// How many nice steps the block thread runs below the node's threads. Sealing a block takes the CPU in bursts of about a
/// millisecond; at the handlers' priority a call arriving during one waited for it (an
/// `eth_call`'s p99 while 16 senders saturated a 2-core node was 6.8× its idle p99). Nice 10
/// gives the block thread about a tenth of the CPU against one busy handler; when nothing else
/// runs, it has all of it.
pub const BLOCK_THREAD_NICE: i32 = 10;

/// The fields in which `proposed` differs from `rebuilt`, the header its transactions give.
fn header_mismatch(proposed: &Header, rebuilt: &Header) -> String {
    let mut fields = Vec::new();
    let mut differs = |name: &str, a: String, b: String| {
        if a != b {
            fields.push(format!("{name} {a} (executed: {b})"));
        }
    };
    differs(
        "stateRoot",
        format!("{:?}", proposed.state_root),
        format!("{:?}", rebuilt.state_root),
    );
    differs(
        "receiptsRoot",
        format!("{:?}", proposed.receipts_root),
        format!("{:?}", rebuilt.receipts_root),
    );
    differs(
        "transactionsRoot",
        format!("{:?}", proposed.transactions_root),
        format!("{:?}", rebuilt.transactions_root),
    );
    differs(
        "gasUsed",
        proposed.gas_used.to_string(),
        rebuilt.gas_used.to_string(),
    );
    differs(
        "gasLimit",
        proposed.gas_limit.to_string(),
        rebuilt.gas_limit.to_string(),
    );
    differs(
        "baseFeePerGas",
        proposed.base_fee_per_gas.to_string(),
        rebuilt.base_fee_per_gas.to_string(),
    );
    if fields.is_empty() {
        "the header differs from the executed one (logsBloom, difficulty, mixHash or nonce)"
            .to_string()
    } else {
        fields.join(", ")
    }
}

/// The chain over a store.
pub struct Chain {
    store: Store,
    engine: Engine,
    config: ChainConfig,
    genesis_hash: H256,
    head: RwLock<Arc<Block>>,
    writer: Mutex<()>,
    /// The genesis, which `anvil_reset` returns to.
    genesis: Genesis,
    /// The snapshots held and what later commits overwrote ([`snapshot`]).
    journal: Mutex<snapshot::Journal>,
    call_slots: call::CallSlots,
    /// Taken by the one brief call that may run at a time ([`Chain::call_briefly`]).
    brief_call: Mutex<()>,
    /// Executor threads for `eth_call` and `eth_estimateGas`, one per call slot.
    call_threads: ExecutorPool,
    /// The executor thread blocks are built and replayed on, so a block never waits behind
    /// calls. It runs at a lower priority ([`BLOCK_THREAD_NICE`]) than the request handlers.
    block_thread: ExecutorPool,
    /// Threads that admit submitted transactions (decode, recover the sender, pool), at the
    /// block thread's priority: under a stream of submissions they are most of the node's CPU,
    /// and a call waiting for a core should not wait behind them. Started at the first
    /// submission: a chain opened to verify or replay never needs them.
    ingest_threads: OnceLock<Result<ExecutorPool, HostFailure>>,
}

impl std::fmt::Debug for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chain")
            .field("store", &self.store)
            .field("chain_id", &self.config.chain_id)
            .field("genesis_hash", &self.genesis_hash)
            .finish()
    }
}

fn now_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// The state changes that create the genesis accounts.
fn genesis_changes(genesis: &Genesis) -> Result<StateChanges, ChainError> {
    Ok(genesis
        .state()?
        .accounts
        .into_iter()
        .map(|(address, account)| {
            (
                address,
                AccountChange::Updated {
                    account: account.basic,
                    storage_reset: true,
                    storage: account.storage,
                },
            )
        })
        .collect())
}

impl Chain {
    /// Opens the chain in `datadir` (creating the store and writing the genesis block when it is
    /// empty). A store that holds another genesis, or was created under other consensus
    /// settings, is refused.
    ///
    /// The store lives in `datadir/chaindata`; compiled contracts are cached on disk under
    /// `datadir/wasm-cache` unless the config names another folder.
    pub fn open(
        datadir: &Path,
        genesis: &Genesis,
        mut config: ChainConfig,
    ) -> Result<Self, ChainError> {
        std::fs::create_dir_all(datadir).map_err(|source| ChainError::DataDir {
            path: datadir.display().to_string(),
            source,
        })?;
        let store = Store::open_with(datadir.join("chaindata"), config.store)?;
        if config.vm.cache_dir.is_none() {
            config.vm.cache_dir = Some(datadir.join("wasm-cache"));
        }
        Self::with_store(store, genesis, config)
    }

    /// The chain over an opened store. A store is tied to the consensus settings it was created
    /// with (chain id, gas schedule, limits, block gas limit: [`ChainConfig::params`]), which the
    /// genesis hash does not cover; other ones are refused ([`ChainError::SettingMismatch`]).
    pub fn with_store(
        store: Store,
        genesis: &Genesis,
        mut config: ChainConfig,
    ) -> Result<Self, ChainError> {
        // Module `debug` is a dev chain's, whatever the schedule says: it follows `dev_mode`,
        // the recorded setting, since the schedule's hash leaves it out.
        config.vm.schedule.modules.debug = config.dev_mode;
        let engine = Engine::new(config.vm.clone())?;
        let changes = genesis_changes(genesis)?;
        let state_root = genesis.state()?.state_root();
        let header = Header {
            ommers_hash: header::EMPTY_OMMERS_HASH,
            beneficiary: H160::zero(),
            state_root,
            transactions_root: transactions_root(&[]),
            receipts_root: receipt::receipts_root(&[]),
            gas_limit: genesis.gas_limit,
            timestamp: genesis.timestamp,
            extra_data: EXTRA_DATA.to_vec(),
            base_fee_per_gas: U256::from(INITIAL_BASE_FEE),
            ..Header::default()
        };
        let genesis_block = Block::new(header, Vec::new(), config.signatures())
            .map_err(|source| ChainError::CorruptBlock { number: 0, source })?;
        let genesis_hash = genesis_block.hash;
        let params = config.params();
        if store.head()?.is_none() {
            store.commit_genesis(
                BlockWrite {
                    number: 0,
                    hash: genesis_hash,
                    header: genesis_block.encode(),
                    changes,
                    transactions: Vec::new(),
                    logs: receipt::encode_block_logs(&[]),
                    certificate: None,
                },
                &params,
            )?;
        }
        // Before the genesis hash: a changed gas limit changes both, and naming the setting
        // says more than two hashes.
        let recorded = store.chain_params()?;
        if let Some(stored) = &recorded {
            check_params(stored, &params)?;
        }
        let chain = Self {
            store,
            engine,
            genesis_hash,
            head: RwLock::new(Arc::new(genesis_block)),
            writer: Mutex::new(()),
            genesis: genesis.clone(),
            journal: Mutex::new(snapshot::Journal::default()),
            call_slots: call::CallSlots::new(config.calls.executors),
            brief_call: Mutex::new(()),
            call_threads: ExecutorPool::new(config.calls.executors, "rewasm-call")
                .map_err(|failure| ChainError::ExecutorThread(Box::new(failure)))?,
            block_thread: ExecutorPool::with_nice(1, "rewasm-block", BLOCK_THREAD_NICE)
                .map_err(|failure| ChainError::ExecutorThread(Box::new(failure)))?,
            ingest_threads: OnceLock::new(),
            config,
        };
        let stored_genesis = chain
            .header_by_number(0)?
            .ok_or(ChainError::MissingBlock(0))?
            .hash();
        if stored_genesis != genesis_hash {
            return Err(ChainError::GenesisMismatch {
                found: stored_genesis,
                expected: genesis_hash,
            });
        }
        if recorded
            .as_ref()
            .is_none_or(|stored| stored.validators_hash.is_none() || stored.dev_mode.is_none())
        {
            tracing::warn!(
                chain_id = params.chain_id,
                gas_schedule = %params.schedule_name,
                gas_limit = params.gas_limit,
                dev_mode = params.dev_mode,
                "the store lacks some recorded consensus settings (written by an older node: the \
                 settings, the validator set or the dev mode); recording this config's"
            );
            chain.store.record_chain_params(&params)?;
        }
        let (head_number, _) = chain.store.head()?.ok_or(ChainError::MissingBlock(0))?;
        let head = chain
            .block_by_number(head_number)?
            .ok_or(ChainError::MissingBlock(head_number))?;
        *chain.head.write().map_err(|_| ChainError::Poisoned)? = head;
        Ok(chain)
    }

    /// Runs `f` on the block thread, at its lower priority, and waits for it (in place when
    /// called from it): every sealing runs there, so that a node saturated with transactions
    /// still answers calls promptly (`docs/NODE.md`, "The request path").
    pub fn on_block_thread<R: Send>(&self, f: impl FnOnce() -> R + Send) -> Result<R, HostFailure> {
        self.block_thread.run_on_pool(f)
    }

    /// Starts `f` on the block thread without waiting for it (the sealing turn, which answers
    /// the submitters itself).
    pub fn spawn_on_block_thread(
        &self,
        f: impl FnOnce() + Send + 'static,
    ) -> Result<(), HostFailure> {
        self.block_thread.spawn(f)
    }

    /// Sends `f` to the threads that admit submitted transactions (two, one per core of the
    /// reference machine), without waiting for it.
    pub fn spawn_ingest(&self, f: impl FnOnce() + Send + 'static) -> Result<(), HostFailure> {
        self.ingest_threads
            .get_or_init(|| ExecutorPool::with_nice(2, "rewasm-ingest", BLOCK_THREAD_NICE))
            .as_ref()
            .map_err(Clone::clone)?
            .spawn(f)
    }

    /// The store underneath (read-only use).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The chain settings.
    pub fn config(&self) -> &ChainConfig {
        &self.config
    }

    /// The chain id.
    pub fn chain_id(&self) -> u64 {
        self.config.chain_id
    }

    /// The genesis block's hash.
    pub fn genesis_hash(&self) -> H256 {
        self.genesis_hash
    }

    /// The head block.
    pub fn head(&self) -> Arc<Block> {
        match self.head.read() {
            Ok(head) => Arc::clone(&head),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// The base fee the next block will have.
    pub fn next_base_fee(&self) -> U256 {
        self.head().header.next_base_fee()
    }

    /// A block by number.
    pub fn block_by_number(&self, number: u64) -> Result<Option<Arc<Block>>, ChainError> {
        let head = self.head();
        if head.header.number == number {
            return Ok(Some(head));
        }
        match self.store.block_header(number)? {
            None => Ok(None),
            Some(bytes) => Block::decode(&bytes, self.config.signatures())
                .map(|block| Some(Arc::new(block)))
                .map_err(|source| ChainError::CorruptBlock { number, source }),
        }
    }

    /// Block `number`'s header for executing on its state: the head's from memory, any other
    /// from the store.
    pub(crate) fn state_header(&self, number: u64) -> Result<Header, ChainError> {
        let head = self.head();
        if head.header.number == number {
            return Ok(head.header.clone());
        }
        self.header_by_number(number)?
            .ok_or(ChainError::MissingBlock(number))
    }

    /// A block's header by number, without recovering its transactions' senders.
    pub fn header_by_number(&self, number: u64) -> Result<Option<Header>, ChainError> {
        match self.store.block_header(number)? {
            None => Ok(None),
            Some(bytes) => Block::decode_parts(&bytes)
                .map(|(header, _)| Some(header))
                .map_err(|source| ChainError::CorruptBlock {
                    number,
                    source: BlockDecodeError::Rlp(source),
                }),
        }
    }

    /// A block by hash.
    pub fn block_by_hash(&self, hash: &H256) -> Result<Option<Arc<Block>>, ChainError> {
        match self.store.block_number(hash)? {
            None => Ok(None),
            Some(number) => self.block_by_number(number),
        }
    }

    /// The number of a block hash.
    pub fn block_number(&self, hash: &H256) -> Result<Option<u64>, ChainError> {
        Ok(self.store.block_number(hash)?)
    }

    /// An included transaction. Only that transaction is decoded and only its sender
    /// recovered, not every transaction of its block.
    pub fn transaction(&self, hash: &H256) -> Result<Option<IncludedTransaction>, ChainError> {
        let Some((number, index)) = self.store.tx_location(hash)? else {
            return Ok(None);
        };
        let position = usize::try_from(index).unwrap_or(usize::MAX);
        let location = |header: &Header, block_hash| TxLocation {
            block_number: number,
            block_hash,
            block_timestamp: header.timestamp,
            index: u64::from(index),
        };
        let head = self.head();
        if head.header.number == number {
            // The head is kept decoded: nothing to recover.
            let (Some(transaction), Some(raw)) = (
                head.transactions.get(position),
                head.raw_transactions.get(position),
            ) else {
                return Err(ChainError::MissingBlock(number));
            };
            return Ok(Some(IncludedTransaction {
                transaction: transaction.clone(),
                raw: raw.clone(),
                location: location(&head.header, head.hash),
                base_fee: head.header.base_fee_per_gas,
            }));
        }
        let bytes = self
            .store
            .block_header(number)?
            .ok_or(ChainError::MissingBlock(number))?;
        let (header, transaction, raw) =
            Block::decode_transaction(&bytes, position, self.config.signatures())
                .map_err(|source| ChainError::CorruptBlock { number, source })?
                .ok_or(ChainError::MissingBlock(number))?;
        Ok(Some(IncludedTransaction {
            transaction,
            raw,
            location: location(&header, header.hash()),
            base_fee: header.base_fee_per_gas,
        }))
    }

    /// The receipt of an included transaction.
    pub fn receipt(&self, hash: &H256) -> Result<Option<ReceiptRecord>, ChainError> {
        match self.store.receipt(hash)? {
            None => Ok(None),
            Some(bytes) => ReceiptRecord::decode(&bytes).map(Some).map_err(|source| {
                ChainError::CorruptRecord {
                    what: "receipt",
                    key: format!("{hash:?}"),
                    source,
                }
            }),
        }
    }

    /// The logs of a block, in order (position = log index).
    pub fn block_logs(&self, number: u64) -> Result<Vec<BlockLog>, ChainError> {
        match self.store.block_logs(number)? {
            None => Ok(Vec::new()),
            Some(bytes) => {
                receipt::decode_block_logs(&bytes).map_err(|source| ChainError::CorruptRecord {
                    what: "logs",
                    key: format!("block {number}"),
                    source,
                })
            }
        }
    }

    /// An account at the state after block `number`: for the head, from its flat state and the
    /// head cache; for an older block, through the trie at its root.
    pub fn account_at(&self, address: &H160, number: u64) -> Result<BasicAccount, ChainError> {
        let view = self.store.state();
        if view.head() == Some(number) {
            return Ok(view.committed_account(address)?.unwrap_or_default());
        }
        let header = self
            .header_by_number(number)?
            .ok_or(ChainError::MissingBlock(number))?;
        Ok(self
            .store
            .account_at(header.state_root, address)?
            .unwrap_or_default())
    }

    /// A storage slot at the state after block `number` (read as [`Chain::account_at`] reads).
    pub fn storage_at(&self, address: &H160, slot: &H256, number: u64) -> Result<H256, ChainError> {
        let view = self.store.state();
        if view.head() == Some(number) {
            return Ok(view.committed_slot(address, slot)?);
        }
        let header = self
            .header_by_number(number)?
            .ok_or(ChainError::MissingBlock(number))?;
        Ok(self.store.storage_at(header.state_root, address, slot)?)
    }

    /// Applies a dev chain's state edit to the head state and records it for replay
    /// ([`edit`]). Code is validated as a deployment's is. Returns the new state root.
    pub fn edit_state(&self, edit: &StateEdit) -> Result<H256, ChainError> {
        if let StateEdit::Code { code, .. } = edit
            && !code.is_empty()
        {
            let vm = &self.config.vm;
            rewasm_vm::validate_for(
                code,
                &vm.limits,
                rewasm_vm::Rules::Contract,
                vm.schedule.modules,
            )
            .map_err(|error| ChainError::InvalidEdit(format!("invalid code: {error}")))?;
        }
        let _writer = self.writer.lock().map_err(|_| ChainError::Poisoned)?;
        let changes = edit.changes(&self.store)?;
        let mut journal = self.journal()?;
        journal.record(&self.store, &changes)?;
        self.store
            .commit_state_edit(&changes, &edit.encode())
            .inspect_err(|_| journal.discard_last())
            .map_err(Into::into)
    }

    /// Holds a snapshot of the head state (`evm_snapshot`); its id.
    pub fn snapshot(&self) -> Result<u64, ChainError> {
        let _writer = self.writer.lock().map_err(|_| ChainError::Poisoned)?;
        let head = self.head();
        let number = head.header.number;
        let edits = u32::try_from(self.store.state_edits(number)?.len()).unwrap_or(u32::MAX);
        let point = SnapshotPoint {
            number,
            hash: head.hash,
            state_root: self.store.state_root()?,
            edits,
        };
        Ok(self.journal()?.take(point)?)
    }

    /// Returns the chain to snapshot `id` (`evm_revert`): the point returned to, or `None` if
    /// no such snapshot is held. It and every later snapshot are released.
    pub fn revert_to(&self, id: u64) -> Result<Option<SnapshotPoint>, ChainError> {
        let _writer = self.writer.lock().map_err(|_| ChainError::Poisoned)?;
        let mut journal = self.journal()?;
        let Some((point, changes)) = journal.restore(id) else {
            return Ok(None);
        };
        self.rewind(rewasm_store::RewindWrite {
            number: point.number,
            hash: point.hash,
            changes,
            state_root: point.state_root,
            edits_kept: point.edits,
            removed: Vec::new(),
        })?;
        journal.reverted(id);
        Ok(Some(point))
    }

    /// Returns the chain to its genesis (`anvil_reset`): every later block, state edit and
    /// snapshot is gone.
    pub fn reset(&self) -> Result<(), ChainError> {
        let _writer = self.writer.lock().map_err(|_| ChainError::Poisoned)?;
        let mut changes: StateChanges = self
            .store
            .addresses()?
            .into_iter()
            .map(|address| (address, AccountChange::Deleted))
            .collect();
        changes.extend(genesis_changes(&self.genesis)?);
        let genesis = self
            .header_by_number(0)?
            .ok_or(ChainError::MissingBlock(0))?;
        self.rewind(rewasm_store::RewindWrite {
            number: 0,
            hash: self.genesis_hash,
            changes,
            state_root: genesis.state_root,
            edits_kept: 0,
            removed: Vec::new(),
        })?;
        self.journal()?.clear();
        Ok(())
    }

    /// Writes `rewind` with the blocks after its head listed for removal, and makes its block
    /// the head. The writer lock is held.
    fn rewind(&self, mut rewind: rewasm_store::RewindWrite) -> Result<(), ChainError> {
        let head = self.head().header.number;
        for number in rewind.number.saturating_add(1)..=head {
            let block = self
                .block_by_number(number)?
                .ok_or(ChainError::MissingBlock(number))?;
            rewind.removed.push(rewasm_store::RemovedBlock {
                number,
                hash: block.hash,
                transactions: block.transactions.iter().map(|tx| tx.hash).collect(),
            });
        }
        // Read before the write, so that a failure leaves the chain as it was.
        let block = self
            .block_by_number(rewind.number)?
            .ok_or(ChainError::MissingBlock(rewind.number))?;
        let mut head = self.head.write().map_err(|_| ChainError::Poisoned)?;
        self.store.rewind(&rewind)?;
        *head = block;
        Ok(())
    }

    fn journal(&self) -> Result<std::sync::MutexGuard<'_, snapshot::Journal>, ChainError> {
        self.journal.lock().map_err(|_| ChainError::Poisoned)
    }

    /// The state edits recorded after block `number`, in order.
    pub fn state_edits(&self, number: u64) -> Result<Vec<StateEdit>, ChainError> {
        self.store
            .state_edits(number)?
            .iter()
            .enumerate()
            .map(|(index, record)| {
                StateEdit::decode(record).map_err(|source| ChainError::CorruptEdit {
                    number,
                    index,
                    source,
                })
            })
            .collect()
    }

    /// EIP-1186 proofs of `address` and its `slots` in the state after block `number` (for the
    /// head, after its state edits too: the state reads at the head see).
    pub fn proof(
        &self,
        address: &H160,
        slots: &[H256],
        number: u64,
    ) -> Result<rewasm_store::AccountProof, ChainError> {
        let view = self.store.state();
        let root = if view.head() == Some(number) {
            view.state_root()?
        } else {
            self.header_by_number(number)?
                .ok_or(ChainError::MissingBlock(number))?
                .state_root
        };
        Ok(self.store.proof_at(root, address, slots)?)
    }

    /// Builds, seals and commits the next block from `candidates` (in the given order; each is
    /// included if valid at that point and if it fits the remaining gas, else left out with the
    /// reason). `timestamp` defaults to the wall clock, and is always after the parent's.
    pub fn mine(
        &self,
        candidates: Vec<(SignedTransaction, Vec<u8>)>,
        timestamp: Option<u64>,
    ) -> Result<MinedBlock, ChainError> {
        let _writer = self.writer.lock().map_err(|_| ChainError::Poisoned)?;
        let executed = self.execute_candidates(candidates, timestamp)?;
        self.commit_on_head(executed, None)
    }

    /// Builds and seals the next block from `candidates` as [`Chain::mine`] does, without
    /// committing it.
    pub fn execute_candidates(
        &self,
        candidates: Vec<(SignedTransaction, Vec<u8>)>,
        timestamp: Option<u64>,
    ) -> Result<ExecutedBlock, ChainError> {
        let parent = self.head();
        let timestamp = timestamp
            .unwrap_or_else(now_seconds)
            .max(parent.header.timestamp.saturating_add(1));
        let started = std::time::Instant::now();
        let env = build::BlockEnv::child_of(&parent.header, &self.config, timestamp);
        let built = build::build_block(self, &env, candidates, build::Mode::Mine)?;
        Ok(ExecutedBlock {
            built,
            execute_time: started.elapsed(),
        })
    }

    /// Executes a block another node proposed on the head state. It is valid if it extends the
    /// head, every transaction in it is valid in turn, and executing them gives exactly its
    /// header: the proposer chose only the timestamp (after the parent's), the beneficiary and
    /// the extra data; the gas limit and base fee follow from the chain and the parent.
    pub fn execute_proposed(&self, proposed: &Block) -> Result<ExecutedBlock, ProposalError> {
        let parent = self.head();
        let header = &proposed.header;
        let invalid = |reason: String| Err(ProposalError::Invalid(reason));
        if header.parent_hash != parent.hash
            || header.number != parent.header.number.saturating_add(1)
        {
            return invalid(format!(
                "block {} with parent {:?} does not extend the head, block {} {:?}",
                header.number, header.parent_hash, parent.header.number, parent.hash
            ));
        }
        if header.timestamp <= parent.header.timestamp {
            return invalid(format!(
                "timestamp {} is not after the parent's {}",
                header.timestamp, parent.header.timestamp
            ));
        }
        if header.extra_data.len() > MAX_EXTRA_DATA {
            return invalid(format!(
                "extra data of {} bytes (at most {MAX_EXTRA_DATA})",
                header.extra_data.len()
            ));
        }
        let env = build::BlockEnv {
            number: header.number,
            parent_hash: parent.hash,
            timestamp: header.timestamp,
            coinbase: header.beneficiary,
            gas_limit: self.config.gas_limit,
            base_fee: parent.header.next_base_fee(),
            extra_data: header.extra_data.clone(),
            difficulty: U256::zero(),
        };
        let candidates = proposed
            .transactions
            .iter()
            .cloned()
            .zip(proposed.raw_transactions.iter().cloned())
            .collect();
        let started = std::time::Instant::now();
        let built = match build::build_block(self, &env, candidates, build::Mode::Replay) {
            Ok(built) => built,
            Err(ChainError::InvalidOnReplay { tx, reason }) => {
                return invalid(format!("transaction {tx:?}: {reason}"));
            }
            Err(error) => return Err(ProposalError::Node(error)),
        };
        if built.block.hash != proposed.hash {
            return invalid(header_mismatch(header, &built.block.header));
        }
        Ok(ExecutedBlock {
            built,
            execute_time: started.elapsed(),
        })
    }

    /// Commits an executed block, with the `certificate` that decided it on a network, if it
    /// still extends the head.
    pub fn commit_executed(
        &self,
        executed: ExecutedBlock,
        certificate: Option<Vec<u8>>,
    ) -> Result<MinedBlock, ChainError> {
        let _writer = self.writer.lock().map_err(|_| ChainError::Poisoned)?;
        self.commit_on_head(executed, certificate)
    }

    /// [`Chain::commit_executed`] with the writer lock held.
    fn commit_on_head(
        &self,
        executed: ExecutedBlock,
        certificate: Option<Vec<u8>>,
    ) -> Result<MinedBlock, ChainError> {
        let head = self.head();
        let ExecutedBlock {
            mut built,
            execute_time,
        } = executed;
        if built.block.header.parent_hash != head.hash {
            return Err(ChainError::StaleBlock {
                number: built.block.header.number,
                head: head.header.number,
            });
        }
        let committed = std::time::Instant::now();
        built.write.certificate = certificate;
        let receipts = built.receipts.clone();
        let rejected = built.rejected.clone();
        let block = self.commit_built(built)?;
        Ok(MinedBlock {
            block,
            receipts,
            rejected,
            execute_time,
            commit_time: committed.elapsed(),
        })
    }

    /// Commits a built block and makes it the head.
    fn commit_built(&self, built: build::Built) -> Result<Arc<Block>, ChainError> {
        let mut journal = self.journal()?;
        journal.record(&self.store, &built.write.changes)?;
        if let Err(error) = self.store.commit_block(built.write) {
            journal.discard_last();
            return Err(error.into());
        }
        drop(journal);
        let block = Arc::new(built.block);
        *self.head.write().map_err(|_| ChainError::Poisoned)? = Arc::clone(&block);
        Ok(block)
    }

    /// The commit certificate that decided block `number` on a network (opaque bytes).
    pub fn certificate(&self, number: u64) -> Result<Option<Vec<u8>>, ChainError> {
        Ok(self.store.certificate(number)?)
    }

    /// The VM engine (compiled-module cache shared by blocks and calls).
    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The hash of block `number`, for the EEI's `getBlockHash`. A store error is the node's
    /// failure, not an absent block: the execution aborts with it.
    pub(crate) fn block_hash_of(&self, number: u64) -> Result<Option<H256>, StateError> {
        self.header_by_number(number)
            .map(|header| header.map(|header| header.hash()))
            .map_err(|error| StateError::new(StateRead::BlockHash(number), error))
    }
}
