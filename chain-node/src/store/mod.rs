//! The node's persistent store: world state, blocks, receipts and indexes in RocksDB.
//!
//! # Layout
//!
//! One RocksDB database with these column families (all keys and values fixed-width big-endian
//! unless said otherwise; see [`codec`]):
//!
//! | column family   | key                       | value                                        |
//! |-----------------|---------------------------|----------------------------------------------|
//! | `accounts`      | address (20)              | nonce (8) ++ balance (32) ++ code hash (32)  |
//! | `storage`       | address (20) ++ slot (32) | value (32); a zero value is never stored     |
//! | `storage_roots` | address (20)              | the account's storage root (32), a cache     |
//! | `code`          | code hash (32)            | code (never deleted: content-addressed)      |
//! | `blocks`        | number (8)                | header bytes (opaque for now)                |
//! | `block_hashes`  | block hash (32)           | number (8)                                   |
//! | `receipts`      | tx hash (32)              | receipt bytes (opaque)                       |
//! | `tx_index`      | tx hash (32)              | block number (8) ++ index in block (4)       |
//! | `logs`          | number (8)                | the block's logs (opaque)                    |
//! | `meta`          | `schema_version`, `head`  | version (4); head number (8) ++ hash (32)    |
//!
//! # Atomicity
//!
//! A block — its state changes, header, receipts, indexes, logs and the new head — is written
//! by [`Store::commit_block`] as ONE `WriteBatch` with `sync = true`: after a crash the store
//! holds either the whole block or none of it, and an acknowledged block is on disk.
//!
//! # Execution
//!
//! [`StoreState`] is the executor's [`State`](rewasm_vm::executor::State) over a store: the
//! transactions of a block commit into an in-memory overlay (so each sees the ones before it),
//! and [`StoreState::into_block_changes`] hands the merged changes to [`BlockWrite`].
//!
//! # State root
//!
//! [`Store::state_root`] computes the Byzantium state root from the store. Storage roots are
//! cached per account in `storage_roots` and recomputed on commit only for the accounts the block
//! touches (from that account's slots), but the account trie itself is still rebuilt over every
//! account: cost O(accounts) per block. The node needs an incremental (persisted) Merkle-Patricia
//! trie, whose cost per block is proportional to the accounts and slots touched; that is the next
//! step, and it will replace `storage_roots` with trie-node column families.

pub mod codec;
mod state;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use primitive_types::{H160, H256};
use rewasm_vm::executor::{AccountChange, BasicAccount, StateChanges};
use rewasm_vm::state_root::{self, AccountLeaf, EMPTY_CODE_HASH, EMPTY_ROOT};
use rocksdb::{
    ColumnFamily, ColumnFamilyDescriptor, DB, DBCompressionType, IteratorMode, Options,
    PrefixRange, ReadOptions, WriteBatch, WriteOptions,
};

use codec::StoredAccount;
pub use state::StoreState;

/// The layout version this code reads and writes. Bump it on any change of layout or encoding;
/// a store of another version is refused at open ([`StoreError::SchemaMismatch`]).
pub const SCHEMA_VERSION: u32 = 1;

/// Column family names.
pub mod cf {
    /// address → account.
    pub const ACCOUNTS: &str = "accounts";
    /// address ++ slot → value.
    pub const STORAGE: &str = "storage";
    /// address → storage root (cache, maintained on commit).
    pub const STORAGE_ROOTS: &str = "storage_roots";
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
    /// Schema version and head.
    pub const META: &str = "meta";
    /// Every column family of the schema.
    pub const ALL: [&str; 10] = [
        ACCOUNTS,
        STORAGE,
        STORAGE_ROOTS,
        CODE,
        BLOCKS,
        BLOCK_HASHES,
        RECEIPTS,
        TX_INDEX,
        LOGS,
        META,
    ];
}

/// `meta` key of the schema version (4 bytes big-endian).
pub const META_SCHEMA_VERSION: &[u8] = b"schema_version";
/// `meta` key of the head (number ++ hash).
pub const META_HEAD: &[u8] = b"head";

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// RocksDB failed (I/O, corruption it detected itself, lock held by another process, …).
    #[error("rocksdb: {0}")]
    Rocks(#[from] rocksdb::Error),
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
    /// A block that does not extend the head.
    #[error("block {number} does not extend the head {head:?}")]
    NotNextBlock { head: Option<u64>, number: u64 },
    /// More transactions in one block than a `u32` index counts.
    #[error("too many transactions in one block")]
    TooManyTransactions,
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
}

/// A block turned into one `WriteBatch`, not yet written: [`Store::write_prepared`] writes it,
/// dropping it writes nothing.
pub struct PreparedBlock {
    batch: WriteBatch,
}

impl std::fmt::Debug for PreparedBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedBlock")
            .field("operations", &self.batch.len())
            .finish()
    }
}

/// The persistent store. Cheap reads through `&self`; RocksDB handles concurrency, the caller
/// (the block builder) serialises block commits.
pub struct Store {
    db: DB,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.db.path())
            .finish()
    }
}

fn cf_options() -> Options {
    let mut options = Options::default();
    options.set_compression_type(DBCompressionType::Lz4);
    options
}

fn sync_write() -> WriteOptions {
    let mut options = WriteOptions::default();
    options.set_sync(true);
    options
}

impl Store {
    /// Opens the store at `path`, creating it (with the current schema version) if there is no
    /// database there. An existing database must carry [`SCHEMA_VERSION`] and every column
    /// family, or the open fails with a typed error.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let mut options = cf_options();
        options.set_paranoid_checks(true);
        let existing = path.join("CURRENT").exists();
        if existing {
            // Open every column family the database has (a newer schema may have more, and
            // RocksDB refuses to open a subset), then check ours are there and the version.
            let names = DB::list_cf(&options, path)?;
            for name in cf::ALL {
                if !names.iter().any(|n| n == name) {
                    return Err(StoreError::MissingColumnFamily(name));
                }
            }
            let descriptors = names
                .into_iter()
                .map(|name| ColumnFamilyDescriptor::new(name, cf_options()));
            let db = DB::open_cf_descriptors(&options, path, descriptors)?;
            let store = Self { db };
            match store.db.get_cf(store.cf(cf::META)?, META_SCHEMA_VERSION)? {
                None => Err(StoreError::SchemaMissing),
                Some(bytes) => {
                    let found = codec::u32_be(&bytes, "meta")?;
                    if found == SCHEMA_VERSION {
                        Ok(store)
                    } else {
                        Err(StoreError::SchemaMismatch {
                            found,
                            expected: SCHEMA_VERSION,
                        })
                    }
                }
            }
        } else {
            options.create_if_missing(true);
            options.create_missing_column_families(true);
            let descriptors = cf::ALL
                .into_iter()
                .map(|name| ColumnFamilyDescriptor::new(name, cf_options()));
            let db = DB::open_cf_descriptors(&options, path, descriptors)?;
            let store = Self { db };
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

    fn cf(&self, name: &'static str) -> Result<&ColumnFamily, StoreError> {
        self.db
            .cf_handle(name)
            .ok_or(StoreError::MissingColumnFamily(name))
    }

    /// A state view for executing a block on top of the committed state.
    pub fn state(&self) -> StoreState<'_> {
        StoreState::new(self)
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

    /// The committed account (with its code), if it exists.
    pub fn account(&self, address: &H160) -> Result<Option<BasicAccount>, StoreError> {
        let Some(stored) = self.stored_account(address)? else {
            return Ok(None);
        };
        let code = self.code(&stored.code_hash)?.ok_or_else(|| {
            StoreError::corrupt("code", format!("no code for hash {:?}", stored.code_hash))
        })?;
        Ok(Some(BasicAccount {
            nonce: stored.nonce,
            balance: stored.balance,
            code,
        }))
    }

    /// Code by hash (the empty code for [`EMPTY_CODE_HASH`]). The hash is checked: code whose
    /// keccak differs from its key is corruption.
    pub fn code(&self, hash: &H256) -> Result<Option<Arc<[u8]>>, StoreError> {
        if *hash == EMPTY_CODE_HASH {
            return Ok(Some(Arc::from(Vec::new())));
        }
        match self.db.get_pinned_cf(self.cf(cf::CODE)?, hash.as_bytes())? {
            None => Ok(None),
            Some(code) => {
                if state_root::keccak256(&code) != *hash {
                    return Err(StoreError::corrupt(
                        "code",
                        format!("code under {hash:?} hashes differently"),
                    ));
                }
                Ok(Some(Arc::from(code.as_ref())))
            }
        }
    }

    /// A committed storage slot (zero when absent).
    pub fn storage(&self, address: &H160, slot: &H256) -> Result<H256, StoreError> {
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

    /// The logs bytes of block `number`.
    pub fn block_logs(&self, number: u64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.db.get_cf(self.cf(cf::LOGS)?, number.to_be_bytes())?)
    }

    // ---- state root -------------------------------------------------------------------------

    /// The cached storage root of a committed account ([`EMPTY_ROOT`] when none is cached, which
    /// only happens for an account that does not exist).
    fn cached_storage_root(&self, address: &H160) -> Result<H256, StoreError> {
        match self
            .db
            .get_pinned_cf(self.cf(cf::STORAGE_ROOTS)?, address.as_bytes())?
        {
            None => Ok(EMPTY_ROOT),
            Some(bytes) => codec::h256(&bytes, "storage_roots"),
        }
    }

    /// The Byzantium state root of the committed state: the account trie over every account,
    /// with the cached storage roots. O(accounts); see the module docs.
    pub fn state_root(&self) -> Result<H256, StoreError> {
        self.state_root_after(&StateChanges::new())
    }

    /// The state root the store would have after committing `changes` (what a block builder
    /// puts in the header before [`Store::commit_block`]). Nothing is written.
    pub fn state_root_after(&self, changes: &StateChanges) -> Result<H256, StoreError> {
        let roots = self.touched_storage_roots(changes)?;
        let mut leaves = Vec::new();
        for item in self
            .db
            .iterator_cf(self.cf(cf::ACCOUNTS)?, IteratorMode::Start)
        {
            let (key, value) = item?;
            let address = address_key(&key)?;
            if changes.contains_key(&address) {
                continue;
            }
            let stored = StoredAccount::decode(&value)?;
            let storage_root = self.cached_storage_root(&address)?;
            leaves.push((address, leaf(&stored, storage_root)));
        }
        for (address, change) in changes {
            if let AccountChange::Updated { account, .. } = change {
                let storage_root = roots.get(address).copied().unwrap_or(EMPTY_ROOT);
                let stored = StoredAccount {
                    nonce: account.nonce,
                    balance: account.balance,
                    code_hash: account.code_hash(),
                };
                leaves.push((*address, leaf(&stored, storage_root)));
            }
        }
        Ok(state_root::state_root(leaves))
    }

    /// The state root recomputed from every account's slots, ignoring the `storage_roots` cache
    /// (a consistency check; O(state)).
    pub fn state_root_uncached(&self) -> Result<H256, StoreError> {
        let mut leaves = Vec::new();
        for item in self
            .db
            .iterator_cf(self.cf(cf::ACCOUNTS)?, IteratorMode::Start)
        {
            let (key, value) = item?;
            let address = address_key(&key)?;
            let stored = StoredAccount::decode(&value)?;
            let storage_root = state_root::storage_root(self.storage_slots(&address)?);
            leaves.push((address, leaf(&stored, storage_root)));
        }
        Ok(state_root::state_root(leaves))
    }

    /// The new storage root of every account `changes` updates: its committed slots (none after a
    /// reset) with the changed slots applied.
    fn touched_storage_roots(
        &self,
        changes: &StateChanges,
    ) -> Result<BTreeMap<H160, H256>, StoreError> {
        let mut roots = BTreeMap::new();
        for (address, change) in changes {
            let AccountChange::Updated {
                storage_reset,
                storage,
                ..
            } = change
            else {
                continue;
            };
            let root = if !storage_reset && storage.is_empty() {
                // Untouched storage: the cache is right (EMPTY_ROOT for a new account).
                self.cached_storage_root(address)?
            } else {
                let mut slots = if *storage_reset {
                    BTreeMap::new()
                } else {
                    self.storage_slots(address)?
                };
                for (key, value) in storage {
                    if value.is_zero() {
                        slots.remove(key);
                    } else {
                        slots.insert(*key, *value);
                    }
                }
                state_root::storage_root(slots)
            };
            roots.insert(*address, root);
        }
        Ok(roots)
    }

    // ---- writes -----------------------------------------------------------------------------

    /// Builds the `WriteBatch` of a block without writing it.
    pub fn prepare_block(&self, block: &BlockWrite) -> Result<PreparedBlock, StoreError> {
        let head = self.head()?.map(|(number, _)| number);
        let expected = head.map_or(Some(0), |head| head.checked_add(1));
        if expected != Some(block.number) {
            return Err(StoreError::NotNextBlock {
                head,
                number: block.number,
            });
        }

        let accounts = self.cf(cf::ACCOUNTS)?;
        let storage_cf = self.cf(cf::STORAGE)?;
        let roots_cf = self.cf(cf::STORAGE_ROOTS)?;
        let code_cf = self.cf(cf::CODE)?;
        let mut batch = WriteBatch::default();

        let roots = self.touched_storage_roots(&block.changes)?;
        for (address, change) in &block.changes {
            match change {
                AccountChange::Deleted => {
                    batch.delete_cf(accounts, address.as_bytes());
                    batch.delete_cf(roots_cf, address.as_bytes());
                    self.delete_storage(&mut batch, address)?;
                }
                AccountChange::Updated {
                    account,
                    storage_reset,
                    storage,
                } => {
                    let code_hash = account.code_hash();
                    if code_hash != EMPTY_CODE_HASH {
                        batch.put_cf(code_cf, code_hash.as_bytes(), account.code.as_ref());
                    }
                    let stored = StoredAccount {
                        nonce: account.nonce,
                        balance: account.balance,
                        code_hash,
                    };
                    batch.put_cf(accounts, address.as_bytes(), stored.encode());
                    if *storage_reset {
                        self.delete_storage(&mut batch, address)?;
                    }
                    // Batch operations apply in order: a slot set after the reset survives it.
                    for (slot, value) in storage {
                        let key = codec::storage_key(address, slot);
                        if value.is_zero() {
                            batch.delete_cf(storage_cf, key);
                        } else {
                            batch.put_cf(storage_cf, key, value.as_bytes());
                        }
                    }
                    let root = roots.get(address).copied().unwrap_or(EMPTY_ROOT);
                    batch.put_cf(roots_cf, address.as_bytes(), root.as_bytes());
                }
            }
        }

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
        batch.put_cf(
            self.cf(cf::META)?,
            META_HEAD,
            codec::encode_head(block.number, &block.hash),
        );
        Ok(PreparedBlock { batch })
    }

    /// Writes a prepared block: one `WriteBatch`, `sync = true`.
    pub fn write_prepared(&self, prepared: PreparedBlock) -> Result<(), StoreError> {
        self.db.write_opt(prepared.batch, &sync_write())?;
        Ok(())
    }

    /// Commits a block atomically and durably: state changes (old slots of re-created or deleted
    /// accounts removed), header, receipts, indexes, logs and the new head in one `WriteBatch`
    /// written with `sync = true`.
    pub fn commit_block(&self, block: BlockWrite) -> Result<(), StoreError> {
        let prepared = self.prepare_block(&block)?;
        self.write_prepared(prepared)
    }

    /// Adds a delete of every committed slot of `address` to `batch`.
    fn delete_storage(&self, batch: &mut WriteBatch, address: &H160) -> Result<(), StoreError> {
        let storage_cf = self.cf(cf::STORAGE)?;
        let mut read = ReadOptions::default();
        read.set_iterate_range(PrefixRange(address.as_bytes()));
        for item in self
            .db
            .iterator_cf_opt(storage_cf, read, IteratorMode::Start)
        {
            let (key, _) = item?;
            batch.delete_cf(storage_cf, key);
        }
        Ok(())
    }
}

fn address_key(key: &[u8]) -> Result<H160, StoreError> {
    <[u8; 20]>::try_from(key)
        .map(H160)
        .map_err(|_| StoreError::corrupt("accounts", format!("key of {} bytes", key.len())))
}

fn leaf(stored: &StoredAccount, storage_root: H256) -> AccountLeaf {
    AccountLeaf {
        nonce: stored.nonce,
        balance: stored.balance,
        storage_root,
        code_hash: stored.code_hash,
    }
}
