//! [`StoreState`] and [`StateAt`]: the executor's views of a store, at the head while a block
//! executes, and at an older state root (`eth_call` on a past block).
//!
//! Both read committed state under an in-memory overlay of the changes committed through them;
//! they differ only in where committed state comes from (the flat head columns, or the tries
//! at a root), so the overlay rules live here once.

use std::collections::HashMap;
use std::sync::Mutex;

use primitive_types::{H160, H256};
use rewasm_primitives::AccountLeaf;
use rewasm_primitives::state::{
    AccountChange, BasicAccount, State, StateChanges, StateError, StateRead,
};

use rocksdb::{DB, SnapshotWithThreadMode as Snapshot};

use super::head_cache::Stamp;
use super::{Store, StoreError};

/// The committed state of a [`Store`] under an in-memory overlay of the block's pending changes.
///
/// The executor reads through the overlay and [`State::commit`]s each transaction into it, so
/// later transactions of the block see earlier ones; nothing reaches the disk until the merged
/// changes ([`Self::into_block_changes`]) go into a [`super::BlockWrite`].
///
/// A failed read (I/O, corruption) is a [`StateError`] whose source is the [`StoreError`]: the
/// executor ends the transaction with it and the block is abandoned.
pub struct StoreState<'a> {
    store: &'a Store,
    /// The committed state this view reads: one block's, whatever commits land meanwhile.
    snapshot: Snapshot<'a, DB>,
    /// The block the snapshot holds (the store's head when it was taken), for the head cache.
    head: Option<u64>,
    /// The head cache's generation when the view was taken.
    generation: u64,
    overlay: StateChanges,
}

impl std::fmt::Debug for StoreState<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreState")
            .field("head", &self.head)
            .field("overlay", &self.overlay)
            .finish_non_exhaustive()
    }
}

impl<'a> StoreState<'a> {
    pub(super) fn new(store: &'a Store) -> Self {
        // Before the snapshot: a rewrite of the head state that ends after this read moves the
        // cache to a later generation than the view's ([`Stamp`]).
        let generation = store.head_cache.generation();
        let snapshot = store.db.snapshot();
        // Unreadable, the head is unknown and the cache unused; the reads will report the error.
        let head = store.head_in(&snapshot).ok().flatten();
        Self {
            store,
            snapshot,
            head,
            generation,
            overlay: StateChanges::new(),
        }
    }

    /// What the view holds, as the head cache names states.
    fn stamp(&self) -> Option<Stamp> {
        self.head.map(|number| Stamp {
            number,
            generation: self.generation,
        })
    }

    /// The state root of this view's state (the head's, after its state edits).
    pub fn state_root(&self) -> Result<H256, StoreError> {
        self.store.state_root_in(&self.snapshot)
    }

    /// The block whose state this view reads, as the store's head said when it was taken.
    pub fn head(&self) -> Option<u64> {
        self.head
    }

    /// The committed account (with its code) in this view's block, without the overlay.
    pub fn committed_account(&self, address: &H160) -> Result<Option<BasicAccount>, StoreError> {
        let cached = self
            .stamp()
            .and_then(|stamp| self.store.head_cache.account_at(stamp, address));
        let stored = match cached {
            Some(stored) => stored,
            None => {
                let stored = self.store.stored_account_in(&self.snapshot, address)?;
                if let Some(stamp) = self.stamp() {
                    self.store
                        .head_cache
                        .keep_account_at(stamp, *address, stored);
                }
                stored
            }
        };
        stored
            .map(|stored| {
                self.store
                    .basic_account(stored.nonce, stored.balance, &stored.code_hash)
            })
            .transpose()
    }

    /// The committed slot in this view's block, without the overlay.
    pub fn committed_slot(&self, address: &H160, slot: &H256) -> Result<H256, StoreError> {
        if let Some(stamp) = self.stamp()
            && let Some(value) = self.store.head_cache.slot_at(stamp, address, slot)
        {
            return Ok(value);
        }
        let value = self.store.stored_slot_in(&self.snapshot, address, slot)?;
        if let Some(stamp) = self.stamp() {
            self.store
                .head_cache
                .keep_slot_at(stamp, *address, *slot, value);
        }
        Ok(value)
    }

    /// The store underneath.
    pub fn store(&self) -> &'a Store {
        self.store
    }

    /// The pending changes so far, merged.
    pub fn pending(&self) -> &StateChanges {
        &self.overlay
    }

    /// The block's changes, every transaction's merged in order, for [`super::BlockWrite`].
    pub fn into_block_changes(self) -> StateChanges {
        self.overlay
    }
}

impl State for StoreState<'_> {
    fn basic(&self, address: &H160) -> Result<Option<BasicAccount>, StateError> {
        match overlay_basic(&self.overlay, address) {
            Some(account) => Ok(account),
            None => self
                .committed_account(address)
                .map_err(account_error(address)),
        }
    }

    fn storage(&self, address: &H160, key: &H256) -> Result<H256, StateError> {
        match overlay_storage(&self.overlay, address, key) {
            Some(value) => Ok(value),
            None => self
                .committed_slot(address, key)
                .map_err(storage_error(address, key)),
        }
    }

    fn commit(&mut self, changes: StateChanges) {
        merge(&mut self.overlay, changes);
    }
}

/// The state at an older root of a [`Store`] (any root it committed), read through the tries,
/// under an in-memory overlay: what `eth_call` on a past block executes against. Commits never
/// reach the store.
///
/// Read errors are as in [`StoreState`]; a root the store does not have reads as
/// [`StoreError::MissingTrieNode`].
#[derive(Debug)]
pub struct StateAt<'a> {
    store: &'a Store,
    root: H256,
    overlay: StateChanges,
    /// Account leaves read so far: a storage read needs the account's storage root, and a call
    /// reads the same few accounts over and over.
    leaves: Mutex<HashMap<H160, Option<AccountLeaf>>>,
}

impl<'a> StateAt<'a> {
    pub(super) fn new(store: &'a Store, root: H256) -> Self {
        Self {
            store,
            root,
            overlay: StateChanges::new(),
            leaves: Mutex::new(HashMap::new()),
        }
    }

    /// The state root this view reads.
    pub fn root(&self) -> H256 {
        self.root
    }

    /// The changes committed through this view so far, merged.
    pub fn pending(&self) -> &StateChanges {
        &self.overlay
    }

    /// The changes committed through this view, merged.
    pub fn into_changes(self) -> StateChanges {
        self.overlay
    }

    fn leaf(&self, address: &H160) -> Result<Option<AccountLeaf>, StoreError> {
        let mut leaves = self
            .leaves
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(leaf) = leaves.get(address) {
            return Ok(*leaf);
        }
        let leaf = self.store.account_leaf_at(self.root, address)?;
        leaves.insert(*address, leaf);
        Ok(leaf)
    }

    fn committed_basic(&self, address: &H160) -> Result<Option<BasicAccount>, StoreError> {
        self.leaf(address)?
            .map(|leaf| {
                self.store
                    .basic_account(leaf.nonce, leaf.balance, &leaf.code_hash)
            })
            .transpose()
    }

    fn committed_storage(&self, address: &H160, key: &H256) -> Result<H256, StoreError> {
        match self.leaf(address)? {
            None => Ok(H256::zero()),
            Some(leaf) => self.store.slot_in(&leaf.storage_root, key),
        }
    }
}

impl State for StateAt<'_> {
    fn basic(&self, address: &H160) -> Result<Option<BasicAccount>, StateError> {
        match overlay_basic(&self.overlay, address) {
            Some(account) => Ok(account),
            None => self
                .committed_basic(address)
                .map_err(account_error(address)),
        }
    }

    fn storage(&self, address: &H160, key: &H256) -> Result<H256, StateError> {
        match overlay_storage(&self.overlay, address, key) {
            Some(value) => Ok(value),
            None => self
                .committed_storage(address, key)
                .map_err(storage_error(address, key)),
        }
    }

    fn commit(&mut self, changes: StateChanges) {
        merge(&mut self.overlay, changes);
    }
}

fn account_error(address: &H160) -> impl FnOnce(StoreError) -> StateError {
    let read = StateRead::Account(*address);
    move |error| StateError::new(read, error)
}

fn storage_error(address: &H160, key: &H256) -> impl FnOnce(StoreError) -> StateError {
    let read = StateRead::Storage {
        address: *address,
        key: *key,
    };
    move |error| StateError::new(read, error)
}

/// The account as the overlay has it, or `None` when the overlay does not decide (read the
/// committed state).
fn overlay_basic(overlay: &StateChanges, address: &H160) -> Option<Option<BasicAccount>> {
    match overlay.get(address)? {
        AccountChange::Deleted => Some(None),
        AccountChange::Updated { account, .. } => Some(Some(account.clone())),
    }
}

/// The slot as the overlay has it, or `None` when the overlay does not decide.
fn overlay_storage(overlay: &StateChanges, address: &H160, key: &H256) -> Option<H256> {
    match overlay.get(address)? {
        AccountChange::Deleted => Some(H256::zero()),
        AccountChange::Updated {
            storage_reset,
            storage,
            ..
        } => match storage.get(key) {
            Some(value) => Some(*value),
            None if *storage_reset => Some(H256::zero()),
            None => None,
        },
    }
}

/// Merges one transaction's changes into the pending ones, so that the result applied to the
/// committed state equals applying both in order.
fn merge(overlay: &mut StateChanges, changes: StateChanges) {
    for (address, change) in changes {
        let merged = match (overlay.remove(&address), change) {
            (_, AccountChange::Deleted) => AccountChange::Deleted,
            // Re-created: the earlier pending slots go with the old storage.
            (
                _,
                AccountChange::Updated {
                    account,
                    storage_reset: true,
                    storage,
                },
            ) => AccountChange::Updated {
                account,
                storage_reset: true,
                storage,
            },
            // Deleted earlier in the block: the committed storage is gone.
            (
                Some(AccountChange::Deleted),
                AccountChange::Updated {
                    account,
                    storage_reset: false,
                    storage,
                },
            ) => AccountChange::Updated {
                account,
                storage_reset: true,
                storage,
            },
            (
                Some(AccountChange::Updated {
                    storage_reset,
                    storage: mut pending,
                    ..
                }),
                AccountChange::Updated {
                    account,
                    storage_reset: false,
                    storage,
                },
            ) => {
                pending.extend(storage);
                AccountChange::Updated {
                    account,
                    storage_reset,
                    storage: pending,
                }
            }
            (
                None,
                AccountChange::Updated {
                    account,
                    storage_reset: false,
                    storage,
                },
            ) => AccountChange::Updated {
                account,
                storage_reset: false,
                storage,
            },
        };
        overlay.insert(address, merged);
    }
}
