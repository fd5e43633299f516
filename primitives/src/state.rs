//! World state: the `State` trait the executor reads and commits to, and its in-memory
//! implementation (the node's RocksDB store implements the same trait).
//!
//! Reads are fallible, like revm's `Database`: a store can fail (I/O, corruption, a missing
//! trie node), and a failed read must never look like an absent account or a zero slot, or a
//! node would execute on made-up state. The executor ends the transaction with the
//! [`StateError`] instead (never a contract-visible result).

use std::collections::BTreeMap;
use std::error::Error;
use std::fmt;
use std::sync::Arc;

use primitive_types::{H160, H256, U256};

use crate::{AccountLeaf, EMPTY_CODE_HASH, keccak256};

/// Contract code and its Keccak-256 hash, computed once: when the code is created (a deploy,
/// a genesis allocation) or taken from the account that names it (the store). The hash is what
/// finds the compiled module and what the state trie commits to, so no call hashes code again
/// (keccak of a 12 KiB contract costs about 30 µs, more than a warm call).
#[derive(Clone, PartialEq, Eq)]
pub struct Bytecode {
    bytes: Arc<[u8]>,
    hash: H256,
}

impl Bytecode {
    /// `bytes`, hashed now.
    pub fn new(bytes: impl Into<Arc<[u8]>>) -> Self {
        let bytes = bytes.into();
        let hash = if bytes.is_empty() {
            EMPTY_CODE_HASH
        } else {
            keccak256(&bytes)
        };
        Self { bytes, hash }
    }

    /// `bytes` under a hash the caller has already checked (a store reading code by the hash
    /// it verified when the code was loaded).
    pub fn with_hash(bytes: Arc<[u8]>, hash: H256) -> Self {
        Self { bytes, hash }
    }

    /// Keccak-256 of the code ([`EMPTY_CODE_HASH`] for none).
    pub fn hash(&self) -> H256 {
        self.hash
    }

    /// The code, shared.
    pub fn bytes(&self) -> &Arc<[u8]> {
        &self.bytes
    }
}

impl Default for Bytecode {
    fn default() -> Self {
        Self {
            bytes: Arc::from([]),
            hash: EMPTY_CODE_HASH,
        }
    }
}

impl std::ops::Deref for Bytecode {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for Bytecode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bytecode")
            .field("len", &self.bytes.len())
            .field("hash", &self.hash)
            .finish()
    }
}

/// An account as the executor sees it, without storage.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BasicAccount {
    /// Transactions sent (or contracts created, for a contract).
    pub nonce: u64,
    /// Balance in wei.
    pub balance: U256,
    /// The code; empty for an externally owned account.
    pub code: Bytecode,
}

impl BasicAccount {
    /// EIP-161: no nonce, no balance, no code.
    pub fn is_empty(&self) -> bool {
        self.nonce == 0 && self.balance.is_zero() && self.code.is_empty()
    }

    /// Keccak-256 of the code.
    pub fn code_hash(&self) -> H256 {
        self.code.hash()
    }
}

/// What one transaction changed in one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountChange {
    /// The account no longer exists (selfdestructed, or emptied and touched: EIP-158).
    Deleted,
    /// The account exists with these fields; `storage_reset` says its old storage is gone
    /// (it was created anew) before `storage` applies.
    Updated {
        account: BasicAccount,
        storage_reset: bool,
        storage: BTreeMap<H256, H256>,
    },
}

/// The changes of a transaction, ready to commit.
pub type StateChanges = BTreeMap<H160, AccountChange>;

/// Which read of committed state failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateRead {
    /// An account (nonce, balance, code).
    Account(H160),
    /// One storage slot.
    Storage {
        /// The account.
        address: H160,
        /// The slot.
        key: H256,
    },
    /// The hash of a recent block (`getBlockHash`).
    BlockHash(u64),
}

impl fmt::Display for StateRead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Account(address) => write!(f, "account {address:?}"),
            Self::Storage { address, key } => write!(f, "slot {key:?} of {address:?}"),
            Self::BlockHash(number) => write!(f, "the hash of block {number}"),
        }
    }
}

/// A read of committed state failed. `source` is the state's own typed error (the node's
/// `StoreError`, say), kept whole so the caller can downcast it; the executor works over
/// `dyn State`, so one compiled executor serves every store, and the error is erased to the
/// trait object here rather than made a type parameter of every executor type.
#[derive(Clone, Debug, thiserror::Error)]
#[error("reading {read} failed: {source}")]
pub struct StateError {
    /// What was being read.
    pub read: StateRead,
    /// Why it failed.
    #[source]
    pub source: Arc<dyn Error + Send + Sync>,
}

impl StateError {
    /// A failed `read` because of `source`.
    pub fn new(read: StateRead, source: impl Error + Send + Sync + 'static) -> Self {
        Self {
            read,
            source: Arc::new(source),
        }
    }

    /// The state's own error, if it is an `E`.
    pub fn source_as<E: Error + 'static>(&self) -> Option<&E> {
        self.source.downcast_ref()
    }
}

/// Two errors are equal when they failed the same read with the same message (the sources are
/// trait objects, compared by what they say).
impl PartialEq for StateError {
    fn eq(&self, other: &Self) -> bool {
        self.read == other.read && self.source.to_string() == other.source.to_string()
    }
}

impl Eq for StateError {}

/// Read access to committed state, and commit.
pub trait State: Send + Sync {
    /// The account, if it exists.
    fn basic(&self, address: &H160) -> Result<Option<BasicAccount>, StateError>;
    /// A storage slot (zero when absent).
    fn storage(&self, address: &H160, key: &H256) -> Result<H256, StateError>;
    /// Applies one transaction's changes.
    fn commit(&mut self, changes: StateChanges);
}

/// A full account with storage, for the in-memory state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Account {
    /// Nonce, balance, code.
    pub basic: BasicAccount,
    /// Non-zero storage slots.
    pub storage: BTreeMap<H256, H256>,
}

/// State held in memory: tests, `rewasm run`, `rewasm statetest`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InMemoryState {
    /// Every existing account.
    pub accounts: BTreeMap<H160, Account>,
}

impl InMemoryState {
    /// The Byzantium state root over every account.
    pub fn state_root(&self) -> H256 {
        crate::state_root(self.accounts.iter().map(|(address, account)| {
            let leaf = AccountLeaf {
                nonce: account.basic.nonce,
                balance: account.basic.balance,
                storage_root: crate::storage_root(account.storage.iter().map(|(k, v)| (*k, *v))),
                code_hash: account.basic.code_hash(),
            };
            (*address, leaf)
        }))
    }
}

impl State for InMemoryState {
    fn basic(&self, address: &H160) -> Result<Option<BasicAccount>, StateError> {
        Ok(self
            .accounts
            .get(address)
            .map(|account| account.basic.clone()))
    }

    fn storage(&self, address: &H160, key: &H256) -> Result<H256, StateError> {
        Ok(self
            .accounts
            .get(address)
            .and_then(|account| account.storage.get(key).copied())
            .unwrap_or_default())
    }

    fn commit(&mut self, changes: StateChanges) {
        for (address, change) in changes {
            match change {
                AccountChange::Deleted => {
                    self.accounts.remove(&address);
                }
                AccountChange::Updated {
                    account,
                    storage_reset,
                    storage,
                } => {
                    let entry = self.accounts.entry(address).or_default();
                    entry.basic = account;
                    if storage_reset {
                        entry.storage.clear();
                    }
                    for (key, value) in storage {
                        if value.is_zero() {
                            entry.storage.remove(&key);
                        } else {
                            entry.storage.insert(key, value);
                        }
                    }
                }
            }
        }
    }
}
