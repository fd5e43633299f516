//! [`StoreState`]: the executor's view of a store while a block executes.

use std::sync::Mutex;

use primitive_types::{H160, H256};
use rewasm_vm::executor::{AccountChange, BasicAccount, State, StateChanges};

use super::{Store, StoreError};

/// The committed state of a [`Store`] under an in-memory overlay of the block's pending changes.
///
/// The executor reads through the overlay and [`State::commit`]s each transaction into it, so
/// later transactions of the block see earlier ones; nothing reaches the disk until the merged
/// changes ([`Self::into_block_changes`]) go into a [`super::BlockWrite`].
///
/// The `State` trait cannot return errors, so a failed read (I/O, corruption) reads as absent /
/// zero and is remembered: [`Self::into_block_changes`] (and [`Self::error`]) then report it, and
/// the block must be abandoned.
#[derive(Debug)]
pub struct StoreState<'a> {
    store: &'a Store,
    overlay: StateChanges,
    error: Mutex<Option<StoreError>>,
}

impl<'a> StoreState<'a> {
    pub(super) fn new(store: &'a Store) -> Self {
        Self {
            store,
            overlay: StateChanges::new(),
            error: Mutex::new(None),
        }
    }

    /// The store underneath.
    pub fn store(&self) -> &'a Store {
        self.store
    }

    /// The pending changes so far, merged.
    pub fn pending(&self) -> &StateChanges {
        &self.overlay
    }

    /// Takes the first read error seen, if any.
    pub fn error(&self) -> Option<StoreError> {
        self.error
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }

    /// The block's changes, every transaction's merged in order, for [`super::BlockWrite`];
    /// or the first read error, in which case the execution read wrong state and must be
    /// discarded.
    pub fn into_block_changes(self) -> Result<StateChanges, StoreError> {
        match self
            .error
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
        {
            Some(error) => Err(error),
            None => Ok(self.overlay),
        }
    }

    fn record<T: Default>(&self, result: Result<T, StoreError>) -> T {
        match result {
            Ok(value) => value,
            Err(error) => {
                let mut slot = self
                    .error
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                if slot.is_none() {
                    *slot = Some(error);
                }
                T::default()
            }
        }
    }
}

impl State for StoreState<'_> {
    fn basic(&self, address: &H160) -> Option<BasicAccount> {
        match self.overlay.get(address) {
            Some(AccountChange::Deleted) => None,
            Some(AccountChange::Updated { account, .. }) => Some(account.clone()),
            None => self.record(self.store.account(address)),
        }
    }

    fn storage(&self, address: &H160, key: &H256) -> H256 {
        match self.overlay.get(address) {
            Some(AccountChange::Deleted) => H256::zero(),
            Some(AccountChange::Updated {
                storage_reset,
                storage,
                ..
            }) => match storage.get(key) {
                Some(value) => *value,
                None if *storage_reset => H256::zero(),
                None => self.record(self.store.storage(address, key)),
            },
            None => self.record(self.store.storage(address, key)),
        }
    }

    fn commit(&mut self, changes: StateChanges) {
        for (address, change) in changes {
            let merged = match (self.overlay.remove(&address), change) {
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
            self.overlay.insert(address, merged);
        }
    }
}
