//! The node's persistent store: world state, blocks, receipts and indexes in RocksDB.
//!
//! # Layout
//!
//! One RocksDB database with these column families (all keys and values fixed-width big-endian
//! unless said otherwise; see [`codec`]):
//!
//! | column family  | key                       | value                                           |
//! |----------------|---------------------------|-------------------------------------------------|
//! | `accounts`     | address (20)              | nonce (8) ++ balance (32) ++ code hash (32)     |
//! |                |                           | ++ storage root (32)                            |
//! | `storage`      | address (20) ++ slot (32) | value (32); a zero value is never stored        |
//! | `trie_nodes`   | keccak of the node (32)   | the node's RLP (never deleted: content-addressed) |
//! | `code`         | code hash (32)            | code (never deleted: content-addressed)         |
//! | `blocks`       | number (8)                | header bytes (opaque for now)                   |
//! | `block_hashes` | block hash (32)           | number (8)                                      |
//! | `receipts`     | tx hash (32)              | receipt bytes (opaque)                          |
//! | `tx_index`     | tx hash (32)              | block number (8) ++ index in block (4)          |
//! | `logs`         | number (8)                | the block's logs (opaque)                       |
//! | `meta`         | `schema_version`          | version (4)                                     |
//! |                | `head`                    | head number (8) ++ hash (32)                    |
//! |                | `state_root`              | the head's state root (32)                      |
//! |                | `chain_params`            | chain id (8) ++ gas limit (8) ++ schedule hash  |
//! |                |                           | (32) ++ limits hash (32) ++ schedule name       |
//! |                | `validators`              | the validator set's hash (32)                   |
//! |                | `state_edit` ++ number (8) | a dev chain's state edit after that block (the  |
//! |                | ++ sequence (4)           | chain's encoding), replayed before the next one |
//!
//! `accounts` and `storage` are the head state, flat, so that execution reads a slot with one
//! lookup; `trie_nodes` holds the Merkle-Patricia tries of every committed state, for the roots
//! and for reads at older roots.
//!
//! `chain_params` ([`ChainParams`]) is written with the genesis block ([`Store::commit_genesis`])
//! and never changes: the consensus settings the genesis header does not cover, which the chain
//! checks on every open. Stores written before the key existed get it on their first open
//! ([`Store::record_chain_params`]); no layout changed, so the schema version did not either.
//! `validators` came later the same way: a store without it records the configured set.
//!
//! # Atomicity
//!
//! A block — its state changes, new trie nodes, header, receipts, indexes, logs, the new head
//! and its state root — is written by [`Store::commit_block`] as ONE `WriteBatch` with
//! `sync = true`: after a crash the store holds either the whole block or none of it, and an
//! acknowledged block is on disk.
//!
//! # Execution
//!
//! [`StoreState`] is the executor's [`State`](rewasm_primitives::state::State) over a store: the
//! transactions of a block commit into an in-memory overlay (so each sees the ones before it),
//! and [`StoreState::into_block_changes`] hands the merged changes to [`BlockWrite`].
//! [`StateAt`] is the same over the state at an older root (for `eth_call` on an old block).
//!
//! # State root
//!
//! The state is a persisted secure Merkle-Patricia trie ([`trie`]): the account trie maps
//! keccak(address) to the account's RLP, each account's storage trie maps keccak(slot) to the
//! value's RLP, exactly as Ethereum (and `rewasm_primitives`, the reference) does. Nodes are
//! stored content-addressed in `trie_nodes`; the head's root is in `meta` and each account's
//! storage root in its `accounts` record, so [`Store::state_root`] is one read.
//!
//! [`Store::state_root_after`] and [`Store::prepare_block`] update only what a block touches:
//! each touched account's storage trie (from its stored root, or from the empty trie after a
//! storage reset) and the touched paths of the account trie, reading and writing O(touched ×
//! depth) nodes whatever the size of the state. A deleted account leaves the account trie and
//! its storage trie is dropped with it.
//!
//! Old nodes are kept (no pruning): every root ever committed stays readable through
//! [`Store::account_at`], [`Store::storage_at`] and [`Store::state_at`]. The cost is disk: each
//! block adds its changed nodes (a few hundred bytes per touched key and trie level).
//! [`Store::state_root_uncached`] recomputes the root from the flat state with the reference
//! (sort-based) trie, as a consistency check.

mod code_cache;
pub mod codec;
mod head_cache;
mod state;
pub mod trie;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use primitive_types::{H160, H256, U256};
use rewasm_primitives::state::{AccountChange, BasicAccount, Bytecode, StateChanges};
use rewasm_primitives::{
    AccountLeaf, EMPTY_CODE_HASH, EMPTY_ROOT, RlpError, keccak256, storage_value_rlp,
};
use rocksdb::{
    BlockBasedOptions, Cache, ColumnFamily, ColumnFamilyDescriptor, DB, DBCompressionType,
    DBRecoveryMode, FlushOptions, IteratorMode, Options, PrefixRange, ReadOptions,
    SnapshotWithThreadMode as Snapshot, WriteBatch, WriteOptions,
};

use code_cache::CodeCache;
pub use code_cache::DEFAULT_CODE_CACHE_BYTES;
pub use codec::ChainParams;
use codec::StoredAccount;
use head_cache::{HeadCache, HeadChanges};
pub use state::{StateAt, StoreState};

/// The layout version this code reads and writes. Bump it on any change of layout or encoding;
/// a store of another version is refused at open ([`StoreError::SchemaMismatch`]).
///
/// 2: the `trie_nodes` column family and the `state_root` meta key; `accounts` records carry the
/// storage root; `storage_roots` is gone.
pub const SCHEMA_VERSION: u32 = 2;

/// Column family names.
pub mod cf {
    /// address → account (with its storage root).
    pub const ACCOUNTS: &str = "accounts";
    /// address ++ slot → value.
    pub const STORAGE: &str = "storage";
    /// keccak(node RLP) → node RLP: the state and storage tries of every committed block.
    pub const TRIE_NODES: &str = "trie_nodes";
    /// code hash → code.
    pub const CODE: &str = "code";
    /// number → header bytes.
    pub const BLOCKS: &str = "blocks";
    /// block hash → number.
    pub const BLOCK_HASHES: &str = "block_hashes";
    /// tx hash → receipt bytes.
    pub const RECEIPTS: &str = "receipts";
    /// tx hash → block number ++ index.
    pub const TX_INDEX: &str = "tx_index";
    /// number → logs bytes.
    pub const LOGS: &str = "logs";
    /// Schema version, head, the head's state root and the chain's consensus settings.
    pub const META: &str = "meta";
    /// What a network's consensus keeps beside the blocks: `c` ++ number → the block's commit
    /// certificate; `p` ++ height ++ hash → a proposed block not decided yet; `o` ++ height ++
    /// round → the hash of the block this node proposed in that round. Added after schema 2
    /// without a version change: an older store gets it, empty, when opened.
    pub const CONSENSUS: &str = "consensus";
    /// Every column family of the schema.
    pub const ALL: [&str; 11] = [
        ACCOUNTS,
        STORAGE,
        TRIE_NODES,
        CODE,
        BLOCKS,
        BLOCK_HASHES,
        RECEIPTS,
        TX_INDEX,
        LOGS,
        META,
        CONSENSUS,
    ];
}

/// Key prefixes in [`cf::CONSENSUS`].
mod consensus_key {
    pub(crate) const CERTIFICATE: u8 = b'c';
    pub(crate) const PROPOSED: u8 = b'p';
    pub(crate) const OWN: u8 = b'o';

    pub(crate) fn certificate(number: u64) -> Vec<u8> {
        with_height(CERTIFICATE, number)
    }

    pub(crate) fn with_height(prefix: u8, height: u64) -> Vec<u8> {
        let mut key = Vec::with_capacity(1 + 8 + 32);
        key.push(prefix);
        key.extend_from_slice(&height.to_be_bytes());
        key
    }

    pub(crate) fn proposed(height: u64, hash: &primitive_types::H256) -> Vec<u8> {
        let mut key = with_height(PROPOSED, height);
        key.extend_from_slice(hash.as_bytes());
        key
    }

    pub(crate) fn own(height: u64, round: u32) -> Vec<u8> {
        let mut key = with_height(OWN, height);
        key.extend_from_slice(&round.to_be_bytes());
        key
    }
}

/// `meta` key of the schema version (4 bytes big-endian).
pub const META_SCHEMA_VERSION: &[u8] = b"schema_version";
/// `meta` key of the head (number ++ hash).
pub const META_HEAD: &[u8] = b"head";
/// `meta` key of the head's state root (32 bytes; absent before the first block, when the root
/// is [`EMPTY_ROOT`]).
pub const META_STATE_ROOT: &[u8] = b"state_root";
/// `meta` key of the consensus settings the chain was created with ([`ChainParams`]).
pub const META_CHAIN_PARAMS: &[u8] = b"chain_params";

/// `meta` key of the validator set's hash ([`ChainParams::validators_hash`]).
pub const META_VALIDATORS: &[u8] = b"validators";

/// `meta` key of the dev mode ([`ChainParams::dev_mode`]).
pub const META_DEV_MODE: &[u8] = b"dev_mode";

/// `meta` key the node writes to learn whether the store takes writes again after a failure;
/// its value means nothing.
pub const META_WRITE_PROBE: &[u8] = b"write_probe";

/// Prefix of the `meta` keys of state edits: `state_edit` ++ block number (8) ++ sequence (4)
/// → the edit as the chain encoded it ([`Store::commit_state_edit`]).
pub const META_STATE_EDIT: &[u8] = b"state_edit";

fn state_edit_prefix(number: u64) -> Vec<u8> {
    [META_STATE_EDIT, &number.to_be_bytes()].concat()
}

fn state_edit_key(number: u64, sequence: u32) -> Vec<u8> {
    [
        state_edit_prefix(number).as_slice(),
        &sequence.to_be_bytes(),
    ]
    .concat()
}

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// RocksDB failed (I/O, corruption it detected itself, lock held by another process, …).
    #[error("rocksdb: {0}")]
    Rocks(#[from] rocksdb::Error),
    /// RocksDB refused to write a block (a full disk, an I/O error; after one, it refuses every
    /// write until it has recovered): the node's cue to stop taking transactions.
    #[error("writing to rocksdb: {0}")]
    Write(rocksdb::Error),
    /// The store was written by another layout version.
    #[error("store schema version {found}, this node reads version {expected}")]
    SchemaMismatch { found: u32, expected: u32 },
    /// An existing database without a schema version: not a rewasm store (or a broken one).
    #[error("the database has no schema version: not a rewasm store")]
    SchemaMissing,
    /// An existing database without one of the schema's column families.
    #[error("the database has no column family {0:?}")]
    MissingColumnFamily(&'static str),
    /// A value or key read from disk does not have the shape we write.
    #[error("corrupt {column} entry: {reason}")]
    Corrupt {
        column: &'static str,
        reason: String,
    },
    /// A trie node that should be in `trie_nodes` is not: the root asked for was never
    /// committed here, or the store lost a node.
    #[error("trie node {hash:?} is not in the store (unknown state root, or a damaged store)")]
    MissingTrieNode { hash: H256 },
    /// A block that does not extend the head.
    #[error("block {number} does not extend the head {head:?}")]
    NotNextBlock { head: Option<u64>, number: u64 },
    /// More transactions in one block than a `u32` index counts.
    #[error(
        "rewinding to block {number} would give state root {computed:?}, not the recorded \
         {expected:?}"
    )]
    RewindMismatch {
        number: u64,
        expected: H256,
        computed: H256,
    },
    #[error("too many transactions in one block")]
    TooManyTransactions,
    /// A table file on disk is not the size the database recorded for it.
    #[error("{file} is {found} bytes, the database recorded {recorded} (truncated or replaced)")]
    FileSize {
        file: String,
        recorded: usize,
        found: u64,
    },
    /// RocksDB found damage at open; `detail` is its own log's line on it, which names the
    /// file where the error alone may not (a damaged write-ahead log record).
    #[error("rocksdb: {error} ({detail})")]
    Damaged {
        error: rocksdb::Error,
        detail: String,
    },
    /// A table file the database lists cannot be read.
    #[error("{file}: {source}")]
    File {
        file: String,
        source: std::io::Error,
    },
}

/// What [`Store::check_files`] read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileCheck {
    /// Table files.
    pub files: usize,
    /// Their bytes.
    pub bytes: u64,
    /// Entries read back through their checksums, over all column families.
    pub entries: u64,
}

impl StoreError {
    pub(crate) fn corrupt(column: &'static str, reason: String) -> Self {
        Self::Corrupt { column, reason }
    }
}

/// One transaction of a block, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxWrite {
    /// The transaction hash (key of `receipts` and `tx_index`).
    pub hash: H256,
    /// The receipt, encoded by the caller.
    pub receipt: Vec<u8>,
}

/// Everything a block writes, committed atomically by [`Store::commit_block`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockWrite {
    /// Block number: the head's plus one (0 for the first block of an empty store).
    pub number: u64,
    /// Block hash.
    pub hash: H256,
    /// The encoded header (opaque to the store for now).
    pub header: Vec<u8>,
    /// The state changes of all the block's transactions, merged in order
    /// ([`StoreState::into_block_changes`]).
    pub changes: StateChanges,
    /// The transactions in block order (their position is their index).
    pub transactions: Vec<TxWrite>,
    /// The block's logs (opaque).
    pub logs: Vec<u8>,
    /// The commit certificate that decided the block, on a network (opaque).
    pub certificate: Option<Vec<u8>>,
}

/// What [`Store::proof_at`] proves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountProof {
    /// The account's leaf, if it exists.
    pub account: Option<AccountLeaf>,
    /// The account trie's nodes on its path.
    pub proof: Vec<Vec<u8>>,
    /// Each slot asked for: its value and its storage trie's nodes on its path.
    pub storage: Vec<(H256, Vec<Vec<u8>>)>,
}

/// A dev chain's rewind to an earlier head (`evm_revert`, `anvil_reset`), written atomically by
/// [`Store::rewind`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RewindWrite {
    /// The block that becomes the head again.
    pub number: u64,
    /// Its hash.
    pub hash: H256,
    /// The changes that turn the current head state back into the state to return to.
    pub changes: StateChanges,
    /// The state root they must give (the write is refused otherwise).
    pub state_root: H256,
    /// How many of the state edits after block `number` stay ([`Store::commit_state_edit`]).
    pub edits_kept: u32,
    /// The blocks after `number`, which are removed with their receipts, indexes and logs.
    pub removed: Vec<RemovedBlock>,
}

/// A block a [`RewindWrite`] removes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RemovedBlock {
    /// Its number.
    pub number: u64,
    /// Its hash.
    pub hash: H256,
    /// Its transactions' hashes.
    pub transactions: Vec<H256>,
}

/// A block turned into one `WriteBatch`, not yet written: [`Store::write_prepared`] writes it,
/// dropping it writes nothing.
pub struct PreparedBlock {
    batch: WriteBatch,
    number: u64,
    head_changes: HeadChanges,
    state_root: H256,
    trie_nodes: usize,
}

impl PreparedBlock {
    /// The state root after the block.
    pub fn state_root(&self) -> H256 {
        self.state_root
    }

    /// How many trie nodes the block writes (new or changed nodes of the tries it touches).
    pub fn trie_nodes_written(&self) -> usize {
        self.trie_nodes
    }
}

impl std::fmt::Debug for PreparedBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedBlock")
            .field("operations", &self.batch.len())
            .field("state_root", &self.state_root)
            .field("trie_nodes", &self.trie_nodes)
            .finish()
    }
}

/// The persistent store. Cheap reads through `&self`; RocksDB handles concurrency, the caller
/// (the block builder) serialises block commits.
pub struct Store {
    db: DB,
    /// The block cache every column family shares ([`StoreMemory::cache_bytes`]).
    cache: Cache,
    /// Code verified against its hash.
    codes: CodeCache,
    /// Trie nodes read from `trie_nodes` since open: a cost measure for metrics and tests.
    trie_node_reads: AtomicU64,
    /// Accounts and slots of the head state.
    head_cache: HeadCache,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.db.path())
            .finish()
    }
}

/// How much memory RocksDB may hold, whatever the load: without these bounds each of the
/// eleven column families would keep its own 32 MiB block cache and up to two 64 MiB memtables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreMemory {
    /// One LRU block cache for every column family, holding data blocks and the index and
    /// filter blocks (so that table readers do not grow outside it).
    pub cache_bytes: usize,
    /// All memtables together; past it the largest is flushed.
    pub write_buffer_bytes: usize,
    /// Table files kept open.
    pub max_open_files: i32,
}

impl Default for StoreMemory {
    fn default() -> Self {
        Self {
            cache_bytes: 64 << 20,
            write_buffer_bytes: 64 << 20,
            max_open_files: 512,
        }
    }
}

/// Bytes the store holds in memory ([`Store::memory_usage`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemoryUsage {
    /// In the shared block cache (data, index and filter blocks), at most its capacity.
    pub block_cache: usize,
    /// In all memtables.
    pub memtables: u64,
    /// In the readers of open table files, outside the block cache (RocksDB's estimate).
    pub table_readers: u64,
}

/// The options of the database and of every column family. Point lookups (accounts, slots,
/// trie nodes, receipts by hash) dominate, so every table carries a bloom filter (10 bits a
/// key, about 1% false positives); level-0 filters and indexes stay pinned in the cache.
fn cf_options(cache: &Cache, memory: &StoreMemory) -> Options {
    let mut table = BlockBasedOptions::default();
    table.set_block_cache(cache);
    table.set_bloom_filter(10.0, false);
    table.set_cache_index_and_filter_blocks(true);
    table.set_pin_l0_filter_and_index_blocks_in_cache(true);
    let mut options = Options::default();
    options.set_compression_type(DBCompressionType::Lz4);
    options.set_block_based_table_factory(&table);
    options.set_db_write_buffer_size(memory.write_buffer_bytes);
    // No one memtable larger than all of them may be; RocksDB also waits for this much free
    // space before it takes writes again after a full disk.
    options.set_write_buffer_size(memory.write_buffer_bytes);
    options.set_max_open_files(memory.max_open_files);
    options
}

/// Maps an open error, adding for damage what RocksDB's log says about it.
fn damage_named(path: &Path) -> impl Fn(rocksdb::Error) -> StoreError + '_ {
    move |error| {
        if error.kind() != rocksdb::ErrorKind::Corruption {
            return StoreError::Rocks(error);
        }
        match damage_reported(path) {
            Some(detail) => StoreError::Damaged { error, detail },
            None => StoreError::Rocks(error),
        }
    }
}

/// The last line of RocksDB's log (`LOG`, rotated at each open) on damage it dropped, without
/// its time and source prefix.
fn damage_reported(path: &Path) -> Option<String> {
    const TAIL_BYTES: usize = 1 << 16;
    let log = std::fs::read(path.join("LOG")).ok()?;
    let tail = log.get(log.len().saturating_sub(TAIL_BYTES)..)?;
    String::from_utf8_lossy(tail)
        .lines()
        .rev()
        .find(|line| line.contains("dropping") && line.contains("Corruption"))
        .map(|line| {
            line.rsplit_once("] ")
                .map_or(line, |(_, text)| text)
                .to_string()
        })
}

fn sync_write() -> WriteOptions {
    let mut options = WriteOptions::default();
    options.set_sync(true);
    options
}

/// What a block does to the state: the new root, the trie nodes to store and the records of
/// the updated accounts.
struct StateUpdate {
    root: H256,
    nodes: Vec<(H256, Vec<u8>)>,
    accounts: BTreeMap<H160, StoredAccount>,
}

impl Store {
    /// Opens the store at `path`, creating it (with the current schema version) if there is no
    /// database there. An existing database must carry [`SCHEMA_VERSION`] and every column
    /// family, or the open fails with a typed error.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path, StoreMemory::default())
    }

    /// [`Store::open`] within `memory`.
    pub fn open_with(path: impl AsRef<Path>, memory: StoreMemory) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let cache = Cache::new_lru_cache(memory.cache_bytes);
        let cf_options = || cf_options(&cache, &memory);
        let mut options = cf_options();
        options.set_paranoid_checks(true);
        // Every block is written with sync, so a write-ahead log can only lose a record that was
        // never acknowledged, at its end (a torn write). RocksDB's default recovery would also
        // stop quietly at a damaged record in the middle and drop the acknowledged blocks after
        // it; this mode refuses to open instead, naming the log file.
        options.set_wal_recovery_mode(DBRecoveryMode::TolerateCorruptedTailRecords);
        let existing = path.join("CURRENT").exists();
        if existing {
            // Open every column family the database has (a newer schema may have more, and
            // RocksDB refuses to open a subset), then check the version — so that an older
            // store is reported as such, not as missing a new column family — and ours.
            let names = DB::list_cf(&options, path)?;
            if !names.iter().any(|n| n == cf::META) {
                return Err(StoreError::MissingColumnFamily(cf::META));
            }
            let mut names = names;
            if !names.iter().any(|n| n == cf::CONSENSUS) {
                options.create_missing_column_families(true);
                names.push(cf::CONSENSUS.to_string());
            }
            let descriptors = names
                .iter()
                .map(|name| ColumnFamilyDescriptor::new(name, cf_options()));
            let db =
                DB::open_cf_descriptors(&options, path, descriptors).map_err(damage_named(path))?;
            let store = Self::new(db, cache);
            let Some(bytes) = store.db.get_cf(store.cf(cf::META)?, META_SCHEMA_VERSION)? else {
                return Err(StoreError::SchemaMissing);
            };
            let found = codec::u32_be(&bytes, "meta")?;
            if found != SCHEMA_VERSION {
                return Err(StoreError::SchemaMismatch {
                    found,
                    expected: SCHEMA_VERSION,
                });
            }
            for name in cf::ALL {
                if !names.iter().any(|n| n == name) {
                    return Err(StoreError::MissingColumnFamily(name));
                }
            }
            Ok(store)
        } else {
            options.create_if_missing(true);
            options.create_missing_column_families(true);
            // RocksDB's own column family too, or it gets default options (a 64 MiB memtable).
            let descriptors = std::iter::once(rocksdb::DEFAULT_COLUMN_FAMILY_NAME)
                .chain(cf::ALL)
                .map(|name| ColumnFamilyDescriptor::new(name, cf_options()));
            let db =
                DB::open_cf_descriptors(&options, path, descriptors).map_err(damage_named(path))?;
            let store = Self::new(db, cache);
            let mut batch = WriteBatch::default();
            batch.put_cf(
                store.cf(cf::META)?,
                META_SCHEMA_VERSION,
                SCHEMA_VERSION.to_be_bytes(),
            );
            store.db.write_opt(batch, &sync_write())?;
            Ok(store)
        }
    }

    fn new(db: DB, cache: Cache) -> Self {
        let store = Self {
            db,
            cache,
            codes: CodeCache::new(DEFAULT_CODE_CACHE_BYTES),
            trie_node_reads: AtomicU64::new(0),
            head_cache: HeadCache::new(None),
        };
        // A store that is not ours yet (the schema check follows) has no head to cache.
        store
            .head_cache
            .start_at(store.head().ok().flatten().map(|(number, _)| number));
        store
    }

    /// What the store holds in memory beside the code cache.
    pub fn memory_usage(&self) -> MemoryUsage {
        let sum = |property: &rocksdb::properties::PropName| -> u64 {
            cf::ALL
                .iter()
                .filter_map(|name| self.db.cf_handle(name))
                .filter_map(|handle| {
                    self.db
                        .property_int_value_cf(handle, property)
                        .ok()
                        .flatten()
                })
                .sum()
        };
        MemoryUsage {
            block_cache: self.cache.get_usage(),
            memtables: sum(rocksdb::properties::CUR_SIZE_ALL_MEM_TABLES),
            table_readers: sum(rocksdb::properties::ESTIMATE_TABLE_READERS_MEM),
        }
    }

    fn cf(&self, name: &'static str) -> Result<&ColumnFamily, StoreError> {
        self.db
            .cf_handle(name)
            .ok_or(StoreError::MissingColumnFamily(name))
    }

    /// A state view for executing a block on top of the committed state.
    pub fn state(&self) -> StoreState<'_> {
        StoreState::new(self)
    }

    /// A state view over the state with root `root` (any root this store committed), for
    /// executing on top of an older block. Reads go through the tries; commits stay in memory.
    pub fn state_at(&self, root: H256) -> StateAt<'_> {
        StateAt::new(self, root)
    }

    /// Trie nodes read from disk since the store was opened (a cost measure: an update or a
    /// historical read costs O(depth) node reads per key).
    pub fn trie_node_reads(&self) -> u64 {
        self.trie_node_reads.load(Ordering::Relaxed)
    }

    // ---- reads ------------------------------------------------------------------------------

    /// The head block: number and hash; `None` before the first block.
    pub fn head(&self) -> Result<Option<(u64, H256)>, StoreError> {
        self.db
            .get_cf(self.cf(cf::META)?, META_HEAD)?
            .map(|bytes| codec::decode_head(&bytes))
            .transpose()
    }

    fn stored_account(&self, address: &H160) -> Result<Option<StoredAccount>, StoreError> {
        self.db
            .get_pinned_cf(self.cf(cf::ACCOUNTS)?, address.as_bytes())?
            .map(|bytes| StoredAccount::decode(&bytes))
            .transpose()
    }

    /// The head block number in `snapshot`.
    fn head_in(&self, snapshot: &Snapshot<'_, DB>) -> Result<Option<u64>, StoreError> {
        snapshot
            .get_pinned_cf(self.cf(cf::META)?, META_HEAD)?
            .map(|bytes| codec::decode_head(&bytes).map(|(number, _)| number))
            .transpose()
    }

    fn stored_account_in(
        &self,
        snapshot: &Snapshot<'_, DB>,
        address: &H160,
    ) -> Result<Option<StoredAccount>, StoreError> {
        snapshot
            .get_pinned_cf(self.cf(cf::ACCOUNTS)?, address.as_bytes())?
            .map(|bytes| StoredAccount::decode(&bytes))
            .transpose()
    }

    fn stored_slot_in(
        &self,
        snapshot: &Snapshot<'_, DB>,
        address: &H160,
        slot: &H256,
    ) -> Result<H256, StoreError> {
        match snapshot.get_pinned_cf(self.cf(cf::STORAGE)?, codec::storage_key(address, slot))? {
            None => Ok(H256::zero()),
            Some(bytes) => codec::h256(&bytes, "storage"),
        }
    }

    /// The committed account (with its code), if it exists: from the head cache, or read and
    /// then kept there.
    pub fn account(&self, address: &H160) -> Result<Option<BasicAccount>, StoreError> {
        let stored = match self.head_cache.account(address) {
            Ok(stored) => stored,
            Err(epoch) => {
                let stored = self.stored_account(address)?;
                self.head_cache.keep_account(epoch, *address, stored);
                stored
            }
        };
        stored
            .map(|stored| self.basic_account(stored.nonce, stored.balance, &stored.code_hash))
            .transpose()
    }

    fn basic_account(
        &self,
        nonce: u64,
        balance: U256,
        code_hash: &H256,
    ) -> Result<BasicAccount, StoreError> {
        let code = self.code(code_hash)?.ok_or_else(|| {
            StoreError::corrupt("code", format!("no code for hash {code_hash:?}"))
        })?;
        Ok(BasicAccount {
            nonce,
            balance,
            code,
        })
    }

    /// Code by hash (the empty code for [`EMPTY_CODE_HASH`]). The hash is checked when the code
    /// is loaded: code whose keccak differs from its key is corruption.
    pub fn code(&self, hash: &H256) -> Result<Option<Bytecode>, StoreError> {
        if *hash == EMPTY_CODE_HASH {
            return Ok(Some(Bytecode::default()));
        }
        if let Some(code) = self.codes.get(hash) {
            return Ok(Some(Bytecode::with_hash(code, *hash)));
        }
        match self.db.get_pinned_cf(self.cf(cf::CODE)?, hash.as_bytes())? {
            None => Ok(None),
            Some(code) => {
                if keccak256(&code) != *hash {
                    return Err(StoreError::corrupt(
                        "code",
                        format!("code under {hash:?} hashes differently"),
                    ));
                }
                let code: Arc<[u8]> = Arc::from(code.as_ref());
                self.codes.put(*hash, code.clone());
                Ok(Some(Bytecode::with_hash(code, *hash)))
            }
        }
    }

    /// A committed storage slot (zero when absent).
    pub fn storage(&self, address: &H160, slot: &H256) -> Result<H256, StoreError> {
        match self.head_cache.slot(address, slot) {
            Ok(value) => Ok(value),
            Err(epoch) => {
                let value = self.stored_slot(address, slot)?;
                self.head_cache.keep_slot(epoch, *address, *slot, value);
                Ok(value)
            }
        }
    }

    fn stored_slot(&self, address: &H160, slot: &H256) -> Result<H256, StoreError> {
        match self
            .db
            .get_pinned_cf(self.cf(cf::STORAGE)?, codec::storage_key(address, slot))?
        {
            None => Ok(H256::zero()),
            Some(bytes) => codec::h256(&bytes, "storage"),
        }
    }

    /// Every committed non-zero slot of an account, in key order.
    pub fn storage_slots(&self, address: &H160) -> Result<BTreeMap<H256, H256>, StoreError> {
        let mut read = ReadOptions::default();
        read.set_iterate_range(PrefixRange(address.as_bytes()));
        let mut slots = BTreeMap::new();
        for item in self
            .db
            .iterator_cf_opt(self.cf(cf::STORAGE)?, read, IteratorMode::Start)
        {
            let (key, value) = item?;
            slots.insert(
                codec::storage_slot(&key, address)?,
                codec::h256(&value, "storage")?,
            );
        }
        Ok(slots)
    }

    /// The header bytes of block `number`.
    pub fn block_header(&self, number: u64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.db.get_cf(self.cf(cf::BLOCKS)?, number.to_be_bytes())?)
    }

    /// The number of the block with this hash.
    pub fn block_number(&self, hash: &H256) -> Result<Option<u64>, StoreError> {
        self.db
            .get_pinned_cf(self.cf(cf::BLOCK_HASHES)?, hash.as_bytes())?
            .map(|bytes| codec::u64_be(&bytes, "block_hashes"))
            .transpose()
    }

    /// The receipt bytes of a transaction.
    pub fn receipt(&self, tx_hash: &H256) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.db.get_cf(self.cf(cf::RECEIPTS)?, tx_hash.as_bytes())?)
    }

    /// Where a transaction is: block number and index in the block.
    pub fn tx_location(&self, tx_hash: &H256) -> Result<Option<(u64, u32)>, StoreError> {
        self.db
            .get_pinned_cf(self.cf(cf::TX_INDEX)?, tx_hash.as_bytes())?
            .map(|bytes| codec::decode_tx_location(&bytes))
            .transpose()
    }

    /// The consensus settings the chain was created with; `None` for an empty store, or one
    /// written before they were recorded.
    pub fn chain_params(&self) -> Result<Option<ChainParams>, StoreError> {
        let meta = self.cf(cf::META)?;
        let Some(params) = self.db.get_pinned_cf(meta, META_CHAIN_PARAMS)? else {
            return Ok(None);
        };
        let validators = self.db.get_pinned_cf(meta, META_VALIDATORS)?;
        let dev_mode = self.db.get_pinned_cf(meta, META_DEV_MODE)?;
        ChainParams::decode(&params, validators.as_deref(), dev_mode.as_deref()).map(Some)
    }

    /// The commit certificate of block `number` (opaque; absent on a dev chain).
    pub fn certificate(&self, number: u64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .db
            .get_cf(self.cf(cf::CONSENSUS)?, consensus_key::certificate(number))?)
    }

    /// Keeps `block`, proposed for `height` with `hash`, until a block at that height is
    /// committed (synced: a restarted node must still have what it voted for).
    pub fn put_proposed_block(
        &self,
        height: u64,
        hash: &H256,
        block: &[u8],
    ) -> Result<(), StoreError> {
        let mut batch = WriteBatch::default();
        batch.put_cf(
            self.cf(cf::CONSENSUS)?,
            consensus_key::proposed(height, hash),
            block,
        );
        self.db.write_opt(batch, &sync_write())?;
        Ok(())
    }

    /// A block kept by [`Store::put_proposed_block`] or [`Store::put_own_proposal`].
    pub fn proposed_block(&self, height: u64, hash: &H256) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.db.get_cf(
            self.cf(cf::CONSENSUS)?,
            consensus_key::proposed(height, hash),
        )?)
    }

    /// Keeps the block this node proposes for `height` and `round`, and which one it is, in
    /// one synced write: a node restarted in that round proposes it again rather than sign a
    /// second block for the round.
    pub fn put_own_proposal(
        &self,
        height: u64,
        round: u32,
        hash: &H256,
        block: &[u8],
    ) -> Result<(), StoreError> {
        let consensus = self.cf(cf::CONSENSUS)?;
        let mut batch = WriteBatch::default();
        batch.put_cf(consensus, consensus_key::proposed(height, hash), block);
        batch.put_cf(
            consensus,
            consensus_key::own(height, round),
            hash.as_bytes(),
        );
        self.db.write_opt(batch, &sync_write())?;
        Ok(())
    }

    /// The hash of the block this node proposed for `height` and `round`.
    pub fn own_proposal(&self, height: u64, round: u32) -> Result<Option<H256>, StoreError> {
        let Some(bytes) = self
            .db
            .get_cf(self.cf(cf::CONSENSUS)?, consensus_key::own(height, round))?
        else {
            return Ok(None);
        };
        <[u8; 32]>::try_from(bytes.as_slice())
            .map(|hash| Some(H256(hash)))
            .map_err(|_| {
                StoreError::corrupt(
                    "consensus",
                    format!("own proposal of {} bytes", bytes.len()),
                )
            })
    }

    /// The logs bytes of block `number`.
    pub fn block_logs(&self, number: u64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.db.get_cf(self.cf(cf::LOGS)?, number.to_be_bytes())?)
    }

    // ---- historical reads (through the tries) -----------------------------------------------

    /// The account trie's leaf for `address` in the state with root `root` (nonce, balance,
    /// storage root, code hash), if the account exists there.
    pub fn account_leaf_at(
        &self,
        root: H256,
        address: &H160,
    ) -> Result<Option<AccountLeaf>, StoreError> {
        let Some(rlp) = trie::get(self, &root, keccak256(address.as_bytes()).as_bytes())? else {
            return Ok(None);
        };
        AccountLeaf::decode_rlp(&rlp).map(Some).map_err(|error| {
            StoreError::corrupt(
                "trie_nodes",
                format!("account {address:?} under root {root:?}: {error}"),
            )
        })
    }

    /// EIP-1186 proofs in the state with root `root`: the account's (its leaf, if it exists, and
    /// the proof) and each slot's in its storage trie (the value and the proof; empty proofs
    /// when the account has no storage).
    pub fn proof_at(
        &self,
        root: H256,
        address: &H160,
        slots: &[H256],
    ) -> Result<AccountProof, StoreError> {
        let account = self.account_leaf_at(root, address)?;
        let proof = trie::prove(self, &root, keccak256(address.as_bytes()).as_bytes())?;
        let storage_root = account
            .as_ref()
            .map_or(EMPTY_ROOT, |leaf| leaf.storage_root);
        let mut storage = Vec::with_capacity(slots.len());
        for slot in slots {
            let key = keccak256(slot.as_bytes());
            let value = match trie::get(self, &storage_root, key.as_bytes())? {
                Some(rlp) => decode_storage_value(&rlp).map_err(|error| {
                    StoreError::corrupt(
                        "trie_nodes",
                        format!("slot {slot:?} of {address:?}: {error}"),
                    )
                })?,
                None => H256::zero(),
            };
            storage.push((value, trie::prove(self, &storage_root, key.as_bytes())?));
        }
        Ok(AccountProof {
            account,
            proof,
            storage,
        })
    }

    /// The account (with its code) in the state with root `root`, if it exists there.
    pub fn account_at(
        &self,
        root: H256,
        address: &H160,
    ) -> Result<Option<BasicAccount>, StoreError> {
        self.account_leaf_at(root, address)?
            .map(|leaf| self.basic_account(leaf.nonce, leaf.balance, &leaf.code_hash))
            .transpose()
    }

    /// A storage slot in the state with root `root` (zero when absent, or when the account does
    /// not exist there).
    pub fn storage_at(&self, root: H256, address: &H160, slot: &H256) -> Result<H256, StoreError> {
        match self.account_leaf_at(root, address)? {
            None => Ok(H256::zero()),
            Some(leaf) => self.slot_in(&leaf.storage_root, slot),
        }
    }

    /// A slot in the storage trie with root `storage_root`.
    fn slot_in(&self, storage_root: &H256, slot: &H256) -> Result<H256, StoreError> {
        match trie::get(self, storage_root, keccak256(slot.as_bytes()).as_bytes())? {
            None => Ok(H256::zero()),
            Some(rlp) => decode_storage_value(&rlp).map_err(|reason| {
                StoreError::corrupt(
                    "trie_nodes",
                    format!("slot {slot:?} under storage root {storage_root:?}: {reason}"),
                )
            }),
        }
    }

    // ---- state root -------------------------------------------------------------------------

    /// The Byzantium state root of the committed state (the head's), read from `meta`.
    pub fn state_root(&self) -> Result<H256, StoreError> {
        match self.db.get_pinned_cf(self.cf(cf::META)?, META_STATE_ROOT)? {
            None => Ok(EMPTY_ROOT),
            Some(bytes) => codec::h256(&bytes, "meta"),
        }
    }

    /// [`Store::state_root`] as `snapshot` holds it.
    fn state_root_in(&self, snapshot: &Snapshot<'_, DB>) -> Result<H256, StoreError> {
        match snapshot.get_pinned_cf(self.cf(cf::META)?, META_STATE_ROOT)? {
            None => Ok(EMPTY_ROOT),
            Some(bytes) => codec::h256(&bytes, "meta"),
        }
    }

    /// The state root the store would have after committing `changes` (what a block builder
    /// puts in the header before [`Store::commit_block`]). Nothing is written; the cost is
    /// O(touched accounts and slots × trie depth).
    pub fn state_root_after(&self, changes: &StateChanges) -> Result<H256, StoreError> {
        Ok(self.state_update(changes)?.root)
    }

    /// The state root recomputed from the flat `accounts` and `storage` column families with
    /// the reference (sort-based) trie, ignoring the persisted tries and stored storage roots:
    /// a consistency check, O(state).
    pub fn state_root_uncached(&self) -> Result<H256, StoreError> {
        let mut leaves = Vec::new();
        for item in self
            .db
            .iterator_cf(self.cf(cf::ACCOUNTS)?, IteratorMode::Start)
        {
            let (key, value) = item?;
            let address = address_key(&key)?;
            let stored = StoredAccount::decode(&value)?;
            let leaf = AccountLeaf {
                storage_root: rewasm_primitives::storage_root(self.storage_slots(&address)?),
                ..leaf(&stored)
            };
            leaves.push((address, leaf));
        }
        Ok(rewasm_primitives::state_root(leaves))
    }

    /// The state root after `changes` on the state with root `root` (any root this store
    /// committed), computed in memory: what a simulated block's header holds (`eth_simulateV1`).
    pub fn state_root_over(&self, root: H256, changes: &StateChanges) -> Result<H256, StoreError> {
        let storage_root = |address: &H160| {
            Ok(self
                .account_leaf_at(root, address)?
                .map_or(EMPTY_ROOT, |leaf| leaf.storage_root))
        };
        Ok(self.state_update_over(root, changes, storage_root)?.root)
    }

    /// Applies `changes` to the head's tries in memory: each updated account's storage trie
    /// (from its stored root, or empty after a reset), then the account trie.
    fn state_update(&self, changes: &StateChanges) -> Result<StateUpdate, StoreError> {
        let storage_root = |address: &H160| {
            Ok(self
                .stored_account(address)?
                .map_or(EMPTY_ROOT, |stored| stored.storage_root))
        };
        self.state_update_over(self.state_root()?, changes, storage_root)
    }

    /// [`Store::state_update`] on the state with root `root`, whose accounts' storage roots
    /// `storage_root` gives.
    fn state_update_over(
        &self,
        root: H256,
        changes: &StateChanges,
        storage_root: impl Fn(&H160) -> Result<H256, StoreError>,
    ) -> Result<StateUpdate, StoreError> {
        let mut nodes = Vec::new();
        let mut accounts = BTreeMap::new();
        let mut entries = Vec::with_capacity(changes.len());
        for (address, change) in changes {
            let key = keccak256(address.as_bytes());
            let AccountChange::Updated {
                account,
                storage_reset,
                storage,
            } = change
            else {
                entries.push((key, None));
                continue;
            };
            let base = if *storage_reset {
                EMPTY_ROOT
            } else {
                storage_root(address)?
            };
            let storage_root = if storage.is_empty() {
                base
            } else {
                let mut slots: Vec<(H256, Option<Vec<u8>>)> = storage
                    .iter()
                    .map(|(slot, value)| {
                        let rlp = storage_value_rlp(value);
                        (keccak256(slot.as_bytes()), Some(rlp))
                    })
                    .collect();
                // Path order: neighbouring updates share the nodes they load.
                slots.sort_unstable_by_key(|(key, _)| *key);
                let commit = trie::update(self, base, slots)?;
                nodes.extend(commit.nodes);
                commit.root
            };
            let stored = StoredAccount {
                nonce: account.nonce,
                balance: account.balance,
                code_hash: account.code_hash(),
                storage_root,
            };
            entries.push((key, Some(leaf(&stored).rlp())));
            accounts.insert(*address, stored);
        }
        entries.sort_unstable_by_key(|(key, _)| *key);
        let commit = trie::update(self, root, entries)?;
        nodes.extend(commit.nodes);
        Ok(StateUpdate {
            root: commit.root,
            nodes,
            accounts,
        })
    }

    // ---- writes -----------------------------------------------------------------------------

    /// Builds the `WriteBatch` of a block without writing it: the flat state, the new trie
    /// nodes and the new state root, and the block's data.
    pub fn prepare_block(&self, block: &BlockWrite) -> Result<PreparedBlock, StoreError> {
        let head = self.head()?.map(|(number, _)| number);
        let expected = head.map_or(Some(0), |head| head.checked_add(1));
        if expected != Some(block.number) {
            return Err(StoreError::NotNextBlock {
                head,
                number: block.number,
            });
        }

        let mut batch = WriteBatch::default();
        let (update, head_changes) = self.put_state(&mut batch, &block.changes)?;

        let number = block.number.to_be_bytes();
        batch.put_cf(self.cf(cf::BLOCKS)?, number, &block.header);
        batch.put_cf(self.cf(cf::BLOCK_HASHES)?, block.hash.as_bytes(), number);
        let receipts = self.cf(cf::RECEIPTS)?;
        let tx_index = self.cf(cf::TX_INDEX)?;
        for (index, tx) in block.transactions.iter().enumerate() {
            let index = u32::try_from(index).map_err(|_| StoreError::TooManyTransactions)?;
            batch.put_cf(receipts, tx.hash.as_bytes(), &tx.receipt);
            batch.put_cf(
                tx_index,
                tx.hash.as_bytes(),
                codec::encode_tx_location(block.number, index),
            );
        }
        batch.put_cf(self.cf(cf::LOGS)?, number, &block.logs);
        let consensus = self.cf(cf::CONSENSUS)?;
        if let Some(certificate) = &block.certificate {
            batch.put_cf(
                consensus,
                consensus_key::certificate(block.number),
                certificate,
            );
        }
        self.forget_proposals_below(&mut batch, block.number.saturating_add(1))?;
        let meta = self.cf(cf::META)?;
        batch.put_cf(
            meta,
            META_HEAD,
            codec::encode_head(block.number, &block.hash),
        );
        batch.put_cf(meta, META_STATE_ROOT, update.root.as_bytes());
        Ok(PreparedBlock {
            batch,
            number: block.number,
            head_changes,
            state_root: update.root,
            trie_nodes: update.nodes.len(),
        })
    }

    /// Puts `changes` into `batch`: the flat state, the code, the new trie nodes. Returns the
    /// trie update (with the new root) and what the head cache learns from it.
    fn put_state(
        &self,
        batch: &mut WriteBatch,
        changes: &StateChanges,
    ) -> Result<(StateUpdate, HeadChanges), StoreError> {
        let accounts_cf = self.cf(cf::ACCOUNTS)?;
        let storage_cf = self.cf(cf::STORAGE)?;
        let code_cf = self.cf(cf::CODE)?;
        let mut head_changes = HeadChanges::default();
        let update = self.state_update(changes)?;
        for (address, change) in changes {
            let (start, end) = codec::storage_range(address);
            match change {
                AccountChange::Deleted => {
                    head_changes.accounts.push((*address, None));
                    head_changes.storage_wiped = true;
                    batch.delete_cf(accounts_cf, address.as_bytes());
                    batch.delete_range_cf(storage_cf, start.as_slice(), end.as_slice());
                }
                AccountChange::Updated {
                    account,
                    storage_reset,
                    storage,
                } => {
                    let stored = update.accounts.get(address).ok_or_else(|| {
                        StoreError::corrupt(
                            "accounts",
                            format!("no updated record for {address:?}"),
                        )
                    })?;
                    if stored.code_hash != EMPTY_CODE_HASH {
                        batch.put_cf(code_cf, stored.code_hash.as_bytes(), account.code.as_ref());
                    }
                    batch.put_cf(accounts_cf, address.as_bytes(), stored.encode());
                    head_changes.accounts.push((*address, Some(*stored)));
                    head_changes.storage_wiped |= *storage_reset;
                    if *storage_reset {
                        // One range tombstone, whatever the number of old slots.
                        batch.delete_range_cf(storage_cf, start.as_slice(), end.as_slice());
                    }
                    // Batch operations apply in order: a slot set after the reset survives it.
                    for (slot, value) in storage {
                        head_changes.slots.push(((*address, *slot), *value));
                        let key = codec::storage_key(address, slot);
                        if value.is_zero() {
                            batch.delete_cf(storage_cf, key);
                        } else {
                            batch.put_cf(storage_cf, key, value.as_bytes());
                        }
                    }
                }
            }
        }
        let trie_cf = self.cf(cf::TRIE_NODES)?;
        for (hash, rlp) in &update.nodes {
            batch.put_cf(trie_cf, hash.as_bytes(), rlp);
        }
        Ok((update, head_changes))
    }

    /// Applies a state edit of the dev chain (`anvil_setBalance` and its kind) to the head
    /// state without a block, durably, and records `record` (the edit, opaque here) after the
    /// head's other edits, so that a replay can apply them in order before the next block
    /// ([`Store::state_edits`]). One synced `WriteBatch`: the flat state, trie nodes, the new
    /// state root and the record. The head block keeps its header, whose state root is now the
    /// state before the edits; [`Store::state_root`] is the state after them. Returns the new
    /// state root.
    pub fn commit_state_edit(
        &self,
        changes: &StateChanges,
        record: &[u8],
    ) -> Result<H256, StoreError> {
        let (head, _) = self.head()?.ok_or(StoreError::NotNextBlock {
            head: None,
            number: 0,
        })?;
        let sequence = u32::try_from(self.state_edits(head)?.len())
            .map_err(|_| StoreError::corrupt("meta", format!("too many edits after {head}")))?;
        let mut batch = WriteBatch::default();
        let (update, _) = self.put_state(&mut batch, changes)?;
        let meta = self.cf(cf::META)?;
        batch.put_cf(meta, META_STATE_ROOT, update.root.as_bytes());
        batch.put_cf(meta, state_edit_key(head, sequence), record);
        // The edit keeps the head's number: views from before it must not use the cache.
        self.head_cache.begin_rewrite();
        let written = self.db.write_opt(batch, &sync_write());
        self.head_cache.end_rewrite();
        written.map_err(StoreError::Write)?;
        Ok(update.root)
    }

    /// The state edits recorded after block `number`, in the order they were made
    /// ([`Store::commit_state_edit`]).
    pub fn state_edits(&self, number: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        let mut read = ReadOptions::default();
        read.set_iterate_range(PrefixRange(state_edit_prefix(number)));
        self.db
            .iterator_cf_opt(self.cf(cf::META)?, read, IteratorMode::Start)
            .map(|entry| Ok(entry?.1.into_vec()))
            .collect()
    }

    /// Makes block `rewind.number` the head again, with its state as `rewind.changes` restore
    /// it, and removes the blocks after it and the state edits made since: one synced
    /// `WriteBatch`, written only if the restored state's root is `rewind.state_root`.
    pub fn rewind(&self, rewind: &RewindWrite) -> Result<(), StoreError> {
        let mut batch = WriteBatch::default();
        let (update, _) = self.put_state(&mut batch, &rewind.changes)?;
        if update.root != rewind.state_root {
            return Err(StoreError::RewindMismatch {
                number: rewind.number,
                expected: rewind.state_root,
                computed: update.root,
            });
        }
        let (blocks, hashes) = (self.cf(cf::BLOCKS)?, self.cf(cf::BLOCK_HASHES)?);
        let (receipts, tx_index) = (self.cf(cf::RECEIPTS)?, self.cf(cf::TX_INDEX)?);
        let logs = self.cf(cf::LOGS)?;
        for removed in &rewind.removed {
            let number = removed.number.to_be_bytes();
            batch.delete_cf(blocks, number);
            batch.delete_cf(logs, number);
            batch.delete_cf(hashes, removed.hash.as_bytes());
            for tx in &removed.transactions {
                batch.delete_cf(receipts, tx.as_bytes());
                batch.delete_cf(tx_index, tx.as_bytes());
            }
        }
        let meta = self.cf(cf::META)?;
        let mut read = ReadOptions::default();
        read.set_iterate_range(
            state_edit_key(rewind.number, rewind.edits_kept)..state_edit_prefix(u64::MAX),
        );
        for entry in self.db.iterator_cf_opt(meta, read, IteratorMode::Start) {
            batch.delete_cf(meta, entry?.0);
        }
        batch.put_cf(
            meta,
            META_HEAD,
            codec::encode_head(rewind.number, &rewind.hash),
        );
        batch.put_cf(meta, META_STATE_ROOT, update.root.as_bytes());
        self.head_cache.begin_rewrite();
        let written = self.db.write_opt(batch, &sync_write());
        self.head_cache.end_rewrite();
        written.map_err(StoreError::Write)
    }

    /// The address of every account in the head state, in order.
    pub fn addresses(&self) -> Result<Vec<H160>, StoreError> {
        self.db
            .iterator_cf(self.cf(cf::ACCOUNTS)?, IteratorMode::Start)
            .map(|item| address_key(&item?.0))
            .collect()
    }

    /// A synced write of [`META_WRITE_PROBE`]: whether the store takes writes (after a full disk,
    /// RocksDB refuses them until it has recovered).
    pub fn probe_write(&self) -> Result<(), StoreError> {
        let mut batch = WriteBatch::default();
        batch.put_cf(self.cf(cf::META)?, META_WRITE_PROBE, []);
        self.db
            .write_opt(batch, &sync_write())
            .map_err(StoreError::Write)
    }

    /// Writes every memtable to table files and waits, so that the next open replays no log
    /// (a clean shutdown).
    pub fn flush(&self) -> Result<(), StoreError> {
        let families = cf::ALL
            .into_iter()
            .map(|name| self.cf(name))
            .collect::<Result<Vec<_>, _>>()?;
        let mut options = FlushOptions::default();
        options.set_wait(true);
        self.db.flush_cfs_opt(&families, &options)?;
        Ok(())
    }

    /// Reads every table file the database lists: its size against the recorded one, and every
    /// entry of every column family through its block checksums (without filling the cache).
    /// A damaged file is an error naming it. `rewasm verify` runs this before its replay.
    pub fn check_files(&self) -> Result<FileCheck, StoreError> {
        let mut check = FileCheck {
            files: 0,
            bytes: 0,
            entries: 0,
        };
        for live in self.db.live_files()? {
            let file = format!(
                "{}/{}",
                self.db.path().display(),
                live.name.trim_start_matches('/')
            );
            let found = std::fs::metadata(&file)
                .map_err(|source| StoreError::File {
                    file: file.clone(),
                    source,
                })?
                .len();
            if usize::try_from(found).ok() != Some(live.size) {
                return Err(StoreError::FileSize {
                    file,
                    recorded: live.size,
                    found,
                });
            }
            check.files += 1;
            check.bytes += found;
        }
        for name in cf::ALL {
            let mut options = ReadOptions::default();
            options.set_verify_checksums(true);
            options.fill_cache(false);
            let mut entries = self.db.raw_iterator_cf_opt(self.cf(name)?, options);
            entries.seek_to_first();
            while entries.valid() {
                check.entries += 1;
                entries.next();
            }
            entries.status()?;
        }
        Ok(check)
    }

    /// Writes a prepared block: one `WriteBatch`, `sync = true`; the head cache moves to it.
    pub fn write_prepared(&self, prepared: PreparedBlock) -> Result<(), StoreError> {
        self.head_cache.begin_write();
        match self.db.write_opt(prepared.batch, &sync_write()) {
            Ok(()) => {
                self.head_cache
                    .advance(prepared.number, &prepared.head_changes);
                Ok(())
            }
            Err(error) => {
                self.head_cache.abort_write();
                Err(StoreError::Write(error))
            }
        }
    }

    /// Commits the genesis block and the consensus settings of the chain it starts, in one
    /// `WriteBatch` (so no store holds a genesis without its settings).
    pub fn commit_genesis(
        &self,
        block: BlockWrite,
        params: &ChainParams,
    ) -> Result<(), StoreError> {
        let mut prepared = self.prepare_block(&block)?;
        self.put_chain_params(&mut prepared.batch, params)?;
        self.write_prepared(prepared)
    }

    /// Deletes the proposals stored for heights below `next`, which can no longer be decided,
    /// key by key. A range tombstone per block would be simpler, but tombstones pile up in the
    /// memtable of a column family this rarely written (a dev chain writes nothing else there)
    /// and every read of it fragments all of them: a node grew to gigabytes within a minute.
    /// There are a few proposals per height, and none on a dev chain, so the scan is short.
    fn forget_proposals_below(&self, batch: &mut WriteBatch, next: u64) -> Result<(), StoreError> {
        let consensus = self.cf(cf::CONSENSUS)?;
        for prefix in [consensus_key::PROPOSED, consensus_key::OWN] {
            let mut read = ReadOptions::default();
            read.set_iterate_range(
                consensus_key::with_height(prefix, 0)..consensus_key::with_height(prefix, next),
            );
            for entry in self
                .db
                .iterator_cf_opt(consensus, read, IteratorMode::Start)
            {
                let (key, _) = entry?;
                batch.delete_cf(consensus, key);
            }
        }
        Ok(())
    }

    /// Records the consensus settings of a store that has none (one written before they were
    /// recorded); synced.
    pub fn record_chain_params(&self, params: &ChainParams) -> Result<(), StoreError> {
        let mut batch = WriteBatch::default();
        self.put_chain_params(&mut batch, params)?;
        self.db.write_opt(batch, &sync_write())?;
        Ok(())
    }

    fn put_chain_params(
        &self,
        batch: &mut WriteBatch,
        params: &ChainParams,
    ) -> Result<(), StoreError> {
        let meta = self.cf(cf::META)?;
        batch.put_cf(meta, META_CHAIN_PARAMS, params.encode());
        if let Some(validators) = params.validators_hash {
            batch.put_cf(meta, META_VALIDATORS, validators.as_bytes());
        }
        if let Some(dev_mode) = params.dev_mode {
            batch.put_cf(meta, META_DEV_MODE, codec::encode_dev_mode(dev_mode));
        }
        Ok(())
    }

    /// Commits a block atomically and durably: state changes (old slots of re-created or deleted
    /// accounts removed), trie nodes, header, receipts, indexes, logs, the new head and state
    /// root in one `WriteBatch` written with `sync = true`.
    pub fn commit_block(&self, block: BlockWrite) -> Result<(), StoreError> {
        let prepared = self.prepare_block(&block)?;
        self.write_prepared(prepared)
    }
}

impl trie::NodeSource for Store {
    fn node(&self, hash: &H256) -> Result<Option<Vec<u8>>, StoreError> {
        self.trie_node_reads.fetch_add(1, Ordering::Relaxed);
        Ok(self.db.get_cf(self.cf(cf::TRIE_NODES)?, hash.as_bytes())?)
    }
}

fn address_key(key: &[u8]) -> Result<H160, StoreError> {
    <[u8; 20]>::try_from(key)
        .map(H160)
        .map_err(|_| StoreError::corrupt("accounts", format!("key of {} bytes", key.len())))
}

fn leaf(stored: &StoredAccount) -> AccountLeaf {
    AccountLeaf {
        nonce: stored.nonce,
        balance: stored.balance,
        storage_root: stored.storage_root,
        code_hash: stored.code_hash,
    }
}

/// A storage trie value ([`storage_value_rlp`]) back to the slot: a canonical RLP integer of at
/// most 256 bits.
fn decode_storage_value(rlp: &[u8]) -> Result<H256, RlpError> {
    let value = rewasm_primitives::rlp::single_item(rlp)?.u256()?;
    Ok(H256(value.to_big_endian()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(number: u64) -> BlockWrite {
        BlockWrite {
            number,
            hash: H256::from_low_u64_be(number),
            header: number.to_be_bytes().to_vec(),
            changes: StateChanges::new(),
            transactions: Vec::new(),
            logs: Vec::new(),
            certificate: None,
        }
    }

    /// Block `number` setting alice's balance and one slot of hers.
    fn paying(number: u64, balance: u64, value: u64) -> BlockWrite {
        let mut write = block(number);
        write.changes.insert(
            H160::repeat_byte(1),
            AccountChange::Updated {
                account: BasicAccount {
                    nonce: 0,
                    balance: U256::from(balance),
                    code: Bytecode::new(Vec::new()),
                },
                storage_reset: false,
                storage: BTreeMap::from([(H256::repeat_byte(2), H256::from_low_u64_be(value))]),
            },
        );
        write
    }

    /// A view at the head reads one block's state whatever commits land while it lives (a
    /// call used to see two blocks mixed), and the head cache follows every commit.
    #[test]
    fn a_head_view_reads_one_block_and_the_head_cache_follows_commits() {
        use rewasm_primitives::state::State;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let (alice, slot) = (H160::repeat_byte(1), H256::repeat_byte(2));
        let balance = |state: &StoreState<'_>| state.basic(&alice).unwrap().unwrap().balance;
        store.commit_block(paying(0, 10, 1)).unwrap();
        let before = store.state();
        assert_eq!(before.head(), Some(0));
        assert_eq!(balance(&before), U256::from(10));
        assert_eq!(
            before.storage(&alice, &slot).unwrap(),
            H256::from_low_u64_be(1)
        );

        store.commit_block(paying(1, 20, 2)).unwrap();
        assert_eq!(
            balance(&before),
            U256::from(10),
            "the view moved to block 1"
        );
        assert_eq!(
            before.storage(&alice, &slot).unwrap(),
            H256::from_low_u64_be(1)
        );
        let after = store.state();
        assert_eq!(after.head(), Some(1));
        assert_eq!(balance(&after), U256::from(20));
        assert_eq!(
            after.storage(&alice, &slot).unwrap(),
            H256::from_low_u64_be(2)
        );
        assert_eq!(
            store.account(&alice).unwrap().unwrap().balance,
            U256::from(20)
        );
        assert_eq!(
            store.storage(&alice, &slot).unwrap(),
            H256::from_low_u64_be(2)
        );
        // Read by the old view after the commit, block 0's values must not have reached the
        // cache, which is at block 1.
        let again = store.state();
        assert_eq!(balance(&again), U256::from(20));
        assert_eq!(
            again.storage(&alice, &slot).unwrap(),
            H256::from_low_u64_be(2)
        );

        let mut gone = block(2);
        gone.changes.insert(alice, AccountChange::Deleted);
        store.commit_block(gone).unwrap();
        assert_eq!(store.account(&alice).unwrap(), None);
        assert_eq!(store.storage(&alice, &slot).unwrap(), H256::zero());
        assert_eq!(store.state().basic(&alice).unwrap(), None);
        drop((before, after, again));
        drop(store);
        let reopened = Store::open(dir.path()).unwrap();
        assert_eq!(reopened.state().head(), Some(2));
        assert_eq!(reopened.account(&alice).unwrap(), None);
    }

    fn consensus_entries_in_memory(store: &Store) -> u64 {
        let consensus = store.cf(cf::CONSENSUS).unwrap();
        store
            .db
            .property_int_value_cf(consensus, rocksdb::properties::NUM_ENTRIES_ACTIVE_MEM_TABLE)
            .unwrap()
            .unwrap()
    }

    /// Proposals are forgotten key by key once their height is committed, and a chain without
    /// any (a dev chain) writes nothing at all there: range tombstones written per block piled
    /// up in that memtable and every read of it fragmented them all (gigabytes in a minute).
    #[test]
    fn committed_heights_forget_their_proposals_without_range_tombstones() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        for number in 0..200 {
            store.commit_block(block(number)).unwrap();
        }
        assert_eq!(consensus_entries_in_memory(&store), 0);

        let hash = H256::repeat_byte(7);
        for height in [201, 203] {
            store.put_proposed_block(height, &hash, b"block").unwrap();
            store.put_own_proposal(height, 0, &hash, b"block").unwrap();
        }
        store.commit_block(block(200)).unwrap();
        store.commit_block(block(201)).unwrap();
        assert_eq!(store.proposed_block(201, &hash).unwrap(), None);
        assert_eq!(store.own_proposal(201, 0).unwrap(), None);
        assert!(store.proposed_block(203, &hash).unwrap().is_some());
        assert_eq!(store.own_proposal(203, 0).unwrap(), Some(hash));
    }
}
