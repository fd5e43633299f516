//! Journaled state: the executor's view of the world during one transaction.
//!
//! Every change is recorded with what it replaced, so a failed or reverted frame undoes exactly
//! its own changes (nested checkpoints are positions in the record). Reads fall through to the
//! committed [`State`]; nothing reaches it until the transaction ends and [`Journal::finish`]
//! turns the surviving changes, self-destructs and EIP-158 removals into [`StateChanges`].
//!
//! Every operation that may read committed state returns its [`StateError`]; a failed read
//! changes nothing in the journal.

use std::collections::{BTreeMap, BTreeSet};

use primitive_types::{H160, H256, U256};

use rewasm_primitives::LogEntry;
use rewasm_primitives::state::{
    AccountChange, BasicAccount, Bytecode, State, StateChanges, StateError,
};

/// An account as cached by the journal.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Cached {
    basic: BasicAccount,
    /// Slots written in this transaction (zero included).
    storage: BTreeMap<H256, H256>,
    /// Committed slots read so far: a slot read again (a warm read, priced at 100 gas under
    /// warm and cold access) is answered from memory, not from the store. One entry per slot
    /// read, each paid for by a read's gas (a cold one under warm and cold access).
    committed: BTreeMap<H256, H256>,
    /// The committed storage no longer applies (the account was created anew).
    storage_reset: bool,
}

/// One undoable change. Each records only what it replaced, never a copy of the account's
/// storage, so a journal's memory grows with the number of operations, not with operations ×
/// slots written (a contract that writes thousands of slots and then makes cheap calls would
/// otherwise copy the whole slot map on every balance change).
#[derive(Clone, Debug)]
enum Entry {
    /// The nonce, balance or code of `address` changed; `previous` is `None` when the account
    /// did not exist.
    Account {
        address: H160,
        previous: Option<BasicAccount>,
    },
    /// `address` was created anew: its slots written so far were set aside and its committed
    /// storage stopped applying.
    StorageReset {
        address: H160,
        previous: BTreeMap<H256, H256>,
        previous_reset: bool,
    },
    Storage {
        address: H160,
        key: H256,
        previous: Option<H256>,
    },
    Log,
    Refund {
        previous: u64,
    },
    Destructed {
        address: H160,
    },
    Touched {
        address: H160,
    },
    WarmAccount {
        address: H160,
    },
    WarmSlot {
        address: H160,
        key: H256,
    },
}

/// A position in the journal to return to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checkpoint(usize);

/// The transaction's journaled view of the world.
pub struct Journal<'s> {
    base: &'s dyn State,
    accounts: BTreeMap<H160, Option<Cached>>,
    entries: Vec<Entry>,
    logs: Vec<LogEntry>,
    refund: u64,
    destructed: BTreeSet<H160>,
    touched: BTreeSet<H160>,
    /// Accounts and slots the transaction accessed (EIP-2929's accessed_addresses and
    /// accessed_storage_keys).
    warm_accounts: BTreeSet<H160>,
    warm_slots: BTreeSet<(H160, H256)>,
    /// Every account and slot the code accessed, reverted frames included, when asked for
    /// (`eth_createAccessList`); each entry was paid for by an access's gas.
    accessed: Option<Accessed>,
}

/// The accounts and slots an execution's code accessed ([`Journal::record_accesses`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Accessed {
    /// Accounts whose balance, code or existence the code read, or that it called.
    pub accounts: BTreeSet<H160>,
    /// Storage slots it read or wrote.
    pub slots: BTreeSet<(H160, H256)>,
}

impl std::fmt::Debug for Journal<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("accounts", &self.accounts)
            .field("entries", &self.entries.len())
            .finish()
    }
}

impl Accessed {
    /// Without `sender`, `target`, the precompiles and their slots: what an access list need
    /// not name, since a transaction starts with them warm.
    pub fn without_implicit(mut self, sender: H160, target: H160) -> Self {
        let implicit = |address: &H160| {
            *address == sender
                || *address == target
                || crate::precompiles::Precompile::ALL
                    .iter()
                    .any(|precompile| precompile.address() == *address)
        };
        self.accounts.retain(|address| !implicit(address));
        self.slots.retain(|(address, _)| !implicit(address));
        self
    }
}

impl<'s> Journal<'s> {
    /// An empty journal over `base`.
    pub fn new(base: &'s dyn State) -> Self {
        Self {
            base,
            accounts: BTreeMap::new(),
            entries: Vec::new(),
            logs: Vec::new(),
            refund: 0,
            destructed: BTreeSet::new(),
            touched: BTreeSet::new(),
            warm_accounts: BTreeSet::new(),
            warm_slots: BTreeSet::new(),
            accessed: None,
        }
    }

    /// From now on, records every account and slot accessed, whatever a revert undoes.
    pub fn record_accesses(&mut self) {
        self.accessed.get_or_insert_with(Accessed::default);
    }

    /// What was recorded since [`Journal::record_accesses`].
    pub fn take_accessed(&mut self) -> Option<Accessed> {
        self.accessed.take()
    }

    fn cached(&mut self, address: &H160) -> Result<Option<&Cached>, StateError> {
        let cached = match self.accounts.entry(*address) {
            std::collections::btree_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::btree_map::Entry::Vacant(entry) => {
                let basic = self.base.basic(address)?;
                entry.insert(basic.map(|basic| Cached {
                    basic,
                    ..Cached::default()
                }))
            }
        };
        Ok(cached.as_ref())
    }

    /// The account, if it exists.
    pub fn basic(&mut self, address: &H160) -> Result<Option<BasicAccount>, StateError> {
        Ok(self.cached(address)?.map(|cached| cached.basic.clone()))
    }

    /// True if the account exists.
    pub fn exists(&mut self, address: &H160) -> Result<bool, StateError> {
        Ok(self.cached(address)?.is_some())
    }

    /// EIP-161: exists and is not empty.
    pub fn is_alive(&mut self, address: &H160) -> Result<bool, StateError> {
        Ok(self
            .cached(address)?
            .is_some_and(|cached| !cached.basic.is_empty()))
    }

    /// The balance (zero for an absent account).
    pub fn balance(&mut self, address: &H160) -> Result<U256, StateError> {
        Ok(self
            .cached(address)?
            .map(|cached| cached.basic.balance)
            .unwrap_or_default())
    }

    /// The code (empty for an absent account).
    pub fn code(&mut self, address: &H160) -> Result<Bytecode, StateError> {
        Ok(self
            .cached(address)?
            .map(|cached| cached.basic.code.clone())
            .unwrap_or_default())
    }

    /// A storage slot.
    pub fn storage(&mut self, address: &H160, key: &H256) -> Result<H256, StateError> {
        match self.cached(address)? {
            None => Ok(H256::zero()),
            Some(cached) => match cached.storage.get(key) {
                Some(value) => Ok(*value),
                None if cached.storage_reset => Ok(H256::zero()),
                None => self.committed_storage(address, key),
            },
        }
    }

    /// A slot's committed value, read from the store once per transaction.
    fn committed_storage(&mut self, address: &H160, key: &H256) -> Result<H256, StateError> {
        let base = self.base;
        let Some(Some(cached)) = self.accounts.get_mut(address) else {
            return base.storage(address, key);
        };
        if let Some(value) = cached.committed.get(key) {
            return Ok(*value);
        }
        let value = base.storage(address, key)?;
        cached.committed.insert(*key, value);
        Ok(value)
    }

    /// The value of a storage slot when the transaction started: the committed one, or zero
    /// for an account created anew in the transaction (EIP-2200's original value).
    pub fn original_storage(&mut self, address: &H160, key: &H256) -> Result<H256, StateError> {
        match self.cached(address)? {
            Some(cached) if cached.storage_reset => Ok(H256::zero()),
            _ => self.committed_storage(address, key),
        }
    }

    /// Marks `address` accessed; true when it was not yet (EIP-2929's cold access).
    pub fn access_account(&mut self, address: &H160) -> bool {
        if let Some(accessed) = &mut self.accessed {
            accessed.accounts.insert(*address);
        }
        self.warm_created(address)
    }

    /// Marks an account a create is about to make accessed, without recording it: an access
    /// list names what the code reads and calls, not what it creates (as geth's does).
    pub fn warm_created(&mut self, address: &H160) -> bool {
        let cold = self.warm_accounts.insert(*address);
        if cold {
            self.entries.push(Entry::WarmAccount { address: *address });
        }
        cold
    }

    /// Marks slot `key` of `address` accessed; true when it was not yet.
    pub fn access_slot(&mut self, address: &H160, key: &H256) -> bool {
        if let Some(accessed) = &mut self.accessed {
            accessed.slots.insert((*address, *key));
        }
        let cold = self.warm_slots.insert((*address, *key));
        if cold {
            self.entries.push(Entry::WarmSlot {
                address: *address,
                key: *key,
            });
        }
        cold
    }

    /// Changes an account's nonce, balance or code through `change`, creating it (empty) if
    /// absent, and records the undo.
    fn modify(
        &mut self,
        address: &H160,
        change: impl FnOnce(&mut BasicAccount),
    ) -> Result<(), StateError> {
        self.cached(address)?;
        let slot = self.accounts.entry(*address).or_insert(None);
        self.entries.push(Entry::Account {
            address: *address,
            previous: slot.as_ref().map(|cached| cached.basic.clone()),
        });
        change(&mut slot.get_or_insert_with(Cached::default).basic);
        Ok(())
    }

    /// Sets the balance.
    pub fn set_balance(&mut self, address: &H160, balance: U256) -> Result<(), StateError> {
        self.modify(address, |basic| basic.balance = balance)
    }

    /// Adds to the balance; false (and no change) on overflow.
    pub fn credit(&mut self, address: &H160, amount: U256) -> Result<bool, StateError> {
        match self.balance(address)?.checked_add(amount) {
            Some(balance) => {
                self.set_balance(address, balance)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Moves `amount` from `from` to `to`; false (and no change) if `from` cannot pay.
    pub fn transfer(&mut self, from: &H160, to: &H160, amount: U256) -> Result<bool, StateError> {
        let Some(rest) = self.balance(from)?.checked_sub(amount) else {
            return Ok(false);
        };
        if from == to {
            self.touch(to);
            return Ok(true);
        }
        let Some(credited) = self.balance(to)?.checked_add(amount) else {
            return Ok(false);
        };
        self.set_balance(from, rest)?;
        self.set_balance(to, credited)?;
        self.touch(to);
        Ok(true)
    }

    /// Sets the nonce.
    pub fn set_nonce(&mut self, address: &H160, nonce: u64) -> Result<(), StateError> {
        self.modify(address, |basic| basic.nonce = nonce)
    }

    /// Sets the code.
    pub fn set_code(&mut self, address: &H160, code: Bytecode) -> Result<(), StateError> {
        self.modify(address, |basic| basic.code = code)
    }

    /// Creates a fresh account at `address` (keeping any balance it already had), with nonce 1
    /// (EIP-161) and no storage.
    pub fn create_account(&mut self, address: &H160) -> Result<(), StateError> {
        let balance = self.balance(address)?;
        self.modify(address, |basic| {
            *basic = BasicAccount {
                nonce: 1,
                balance,
                code: Bytecode::default(),
            };
        })?;
        if let Some(Some(cached)) = self.accounts.get_mut(address) {
            self.entries.push(Entry::StorageReset {
                address: *address,
                previous: std::mem::take(&mut cached.storage),
                previous_reset: cached.storage_reset,
            });
            cached.storage_reset = true;
        }
        Ok(())
    }

    /// Writes a storage slot; the account must exist.
    pub fn set_storage(
        &mut self,
        address: &H160,
        key: H256,
        value: H256,
    ) -> Result<(), StateError> {
        self.cached(address)?;
        if let Some(Some(cached)) = self.accounts.get_mut(address) {
            let previous = cached.storage.insert(key, value);
            self.entries.push(Entry::Storage {
                address: *address,
                key,
                previous,
            });
        }
        Ok(())
    }

    /// Appends a log.
    pub fn log(&mut self, entry: LogEntry) {
        self.logs.push(entry);
        self.entries.push(Entry::Log);
    }

    /// Adds to the refund counter.
    pub fn add_refund(&mut self, amount: u64) {
        self.entries.push(Entry::Refund {
            previous: self.refund,
        });
        self.refund = self.refund.saturating_add(amount);
    }

    /// Takes from the refund counter, saturating at zero.
    pub fn sub_refund(&mut self, amount: u64) {
        self.entries.push(Entry::Refund {
            previous: self.refund,
        });
        self.refund = self.refund.saturating_sub(amount);
    }

    /// The refund counter.
    pub fn refund(&self) -> u64 {
        self.refund
    }

    /// Marks an account for destruction at the end of the transaction; true the first time.
    pub fn mark_destructed(&mut self, address: &H160) -> bool {
        let first = self.destructed.insert(*address);
        if first {
            self.entries.push(Entry::Destructed { address: *address });
        }
        first
    }

    /// Records that an account was touched (EIP-158 removes touched empty accounts).
    pub fn touch(&mut self, address: &H160) {
        if self.touched.insert(*address) {
            self.entries.push(Entry::Touched { address: *address });
        }
    }

    /// The current position, to return to with [`Journal::revert_to`].
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint(self.entries.len())
    }

    /// Undoes every change since `checkpoint`.
    pub fn revert_to(&mut self, checkpoint: Checkpoint) {
        while self.entries.len() > checkpoint.0 {
            let Some(entry) = self.entries.pop() else {
                break;
            };
            self.undo(entry);
        }
    }

    fn undo(&mut self, entry: Entry) {
        match entry {
            Entry::Account {
                address,
                previous: None,
            } => {
                self.accounts.insert(address, None);
            }
            Entry::Account {
                address,
                previous: Some(previous),
            } => {
                if let Some(Some(cached)) = self.accounts.get_mut(&address) {
                    cached.basic = previous;
                }
            }
            Entry::StorageReset {
                address,
                previous,
                previous_reset,
            } => {
                if let Some(Some(cached)) = self.accounts.get_mut(&address) {
                    cached.storage = previous;
                    cached.storage_reset = previous_reset;
                }
            }
            Entry::Storage {
                address,
                key,
                previous,
            } => {
                if let Some(Some(cached)) = self.accounts.get_mut(&address) {
                    match previous {
                        Some(value) => cached.storage.insert(key, value),
                        None => cached.storage.remove(&key),
                    };
                }
            }
            Entry::Log => {
                self.logs.pop();
            }
            Entry::Refund { previous } => self.refund = previous,
            Entry::Destructed { address } => {
                self.destructed.remove(&address);
            }
            Entry::Touched { address } => {
                self.touched.remove(&address);
            }
            Entry::WarmAccount { address } => {
                self.warm_accounts.remove(&address);
            }
            Entry::WarmSlot { address, key } => {
                self.warm_slots.remove(&(address, key));
            }
        }
    }

    /// The logs so far.
    pub fn logs(&self) -> &[LogEntry] {
        &self.logs
    }

    /// Ends the transaction: deletes self-destructed accounts and touched empty ones (EIP-158),
    /// and returns every change with the logs.
    pub fn finish(mut self) -> Result<(StateChanges, Vec<LogEntry>), StateError> {
        let mut changes = StateChanges::new();
        for address in std::mem::take(&mut self.destructed) {
            changes.insert(address, AccountChange::Deleted);
            self.accounts.remove(&address);
        }
        let touched = std::mem::take(&mut self.touched);
        for (address, cached) in std::mem::take(&mut self.accounts) {
            let Some(cached) = cached else { continue };
            if touched.contains(&address) && cached.basic.is_empty() {
                if self.base.basic(&address)?.is_some() || cached.storage_reset {
                    changes.insert(address, AccountChange::Deleted);
                }
                continue;
            }
            if self.base.basic(&address)?.as_ref() == Some(&cached.basic)
                && cached.storage.is_empty()
                && !cached.storage_reset
            {
                continue;
            }
            changes.insert(
                address,
                AccountChange::Updated {
                    account: cached.basic,
                    storage_reset: cached.storage_reset,
                    storage: cached.storage,
                },
            );
        }
        Ok((changes, self.logs))
    }
}
