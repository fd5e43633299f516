//! Snapshots of a dev chain (`evm_snapshot` / `evm_revert`) and its reset to genesis
//! (`anvil_reset`), as test frameworks use them to start each test from the same state.
//!
//! Reverting rewinds the store: the head goes back to the snapshot's block, the later blocks
//! (with their receipts, indexes and logs) and the state edits made since are removed, and the
//! state is restored, all in one synced write ([`rewasm_store::Store::rewind`]). The chain keeps
//! every state's trie, but the flat head state (what execution reads) is keyed by address, which
//! the trie hashes away; so while a snapshot is held, every commit first records what it is
//! about to overwrite (the [`Journal`]): each account it changes as it was, each slot it writes
//! as it was, and, when it wipes an account's storage, every slot the account had. Reverting
//! merges the records from the snapshot on (the oldest value of each wins) into the changes
//! that restore the state, whose root must then be the snapshot's, or nothing is written.
//!
//! Reset needs no record: every account of the head state is deleted and the genesis accounts
//! written again, which must give the genesis state root.
//!
//! The journal costs nothing while no snapshot is held, and is dropped with the last one. At
//! most [`MAX_SNAPSHOTS`] are held. What remains afterwards is the chain as if the later blocks
//! had never been sealed: `rewasm verify` replays it like any other.

use std::collections::BTreeMap;

use primitive_types::{H160, H256};
use rewasm_executor::{AccountChange, BasicAccount, StateChanges};
use rewasm_store::Store;

/// The most snapshots held at once: each keeps the journal of every later commit alive.
pub const MAX_SNAPSHOTS: usize = 1024;

/// The most accounts and slots the journal records (about 100 bytes each) before it releases
/// every snapshot, logged: a dev chain run for long under a snapshot cannot take the memory.
pub const MAX_JOURNAL_ENTRIES: usize = 1 << 20;

/// What reverting to a snapshot returns to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SnapshotPoint {
    /// The head's number.
    pub number: u64,
    /// The head's hash.
    pub hash: H256,
    /// The state root then (after the head's state edits made until then).
    pub state_root: H256,
    /// The state edits after the head made until then.
    pub edits: u32,
}

/// What one commit overwrote.
#[derive(Debug, Default)]
struct Undo {
    accounts: BTreeMap<H160, Original>,
}

/// An account as it was before a commit, as far as the commit touched it.
#[derive(Debug, Default)]
struct Original {
    /// `None`: it did not exist.
    account: Option<BasicAccount>,
    /// The slots the commit wrote, or every slot when it wiped the storage.
    slots: BTreeMap<H256, H256>,
    /// The commit wiped the storage (re-created or deleted the account).
    wiped: bool,
}

/// The snapshots held and the undo records of every commit since the oldest.
#[derive(Debug, Default)]
pub(crate) struct Journal {
    next_id: u64,
    /// Oldest first: id, the point, how many commits were recorded before it.
    snapshots: Vec<(u64, SnapshotPoint, usize)>,
    commits: Vec<Undo>,
    /// Accounts and slots recorded in `commits`.
    entries: usize,
}

/// The accounts and slots one commit's record holds.
fn entries_of(undo: &Undo) -> usize {
    undo.accounts
        .values()
        .map(|original| 1 + original.slots.len())
        .sum()
}

/// Why a snapshot could not be taken.
#[derive(Debug, thiserror::Error)]
#[error("{MAX_SNAPSHOTS} snapshots are held already; revert to one (or reset) first")]
pub struct TooManySnapshots;

impl Journal {
    /// Holds a snapshot at `point`; its id.
    pub(crate) fn take(&mut self, point: SnapshotPoint) -> Result<u64, TooManySnapshots> {
        if self.snapshots.len() >= MAX_SNAPSHOTS {
            return Err(TooManySnapshots);
        }
        self.next_id = self.next_id.saturating_add(1);
        self.snapshots
            .push((self.next_id, point, self.commits.len()));
        Ok(self.next_id)
    }

    /// Whether commits must be recorded.
    pub(crate) fn recording(&self) -> bool {
        !self.snapshots.is_empty()
    }

    /// Records what `changes` are about to overwrite in `store`'s head state.
    pub(crate) fn record(
        &mut self,
        store: &Store,
        changes: &StateChanges,
    ) -> Result<(), rewasm_store::StoreError> {
        if !self.recording() {
            return Ok(());
        }
        let mut undo = Undo::default();
        for (address, change) in changes {
            let (wiped, written) = match change {
                AccountChange::Deleted => (true, None),
                AccountChange::Updated {
                    storage_reset,
                    storage,
                    ..
                } => (*storage_reset, Some(storage)),
            };
            let slots = if wiped {
                store.storage_slots(address)?
            } else {
                let mut slots = BTreeMap::new();
                for slot in written.into_iter().flat_map(BTreeMap::keys) {
                    slots.insert(*slot, store.storage(address, slot)?);
                }
                slots
            };
            let original = Original {
                account: store.account(address)?,
                slots,
                wiped,
            };
            undo.accounts.insert(*address, original);
        }
        self.entries = self.entries.saturating_add(entries_of(&undo));
        self.commits.push(undo);
        if self.entries > MAX_JOURNAL_ENTRIES {
            tracing::warn!(
                snapshots = self.snapshots.len(),
                entries = self.entries,
                "the snapshot journal is full; every snapshot is released (evm_revert answers false)"
            );
            self.clear();
        }
        Ok(())
    }

    /// The last record's commit did not happen.
    pub(crate) fn discard_last(&mut self) {
        if self.recording()
            && let Some(undo) = self.commits.pop()
        {
            self.entries = self.entries.saturating_sub(entries_of(&undo));
        }
    }

    /// The point of snapshot `id` and the changes that restore its state, if it is held.
    pub(crate) fn restore(&self, id: u64) -> Option<(SnapshotPoint, StateChanges)> {
        let &(_, point, position) = self.snapshots.iter().find(|(held, ..)| *held == id)?;
        let mut merged: BTreeMap<H160, Original> = BTreeMap::new();
        for undo in self.commits.get(position..).unwrap_or_default() {
            for (address, original) in &undo.accounts {
                let entry = merged.entry(*address).or_insert_with(|| Original {
                    account: original.account.clone(),
                    ..Original::default()
                });
                entry.wiped |= original.wiped;
                for (slot, value) in &original.slots {
                    entry.slots.entry(*slot).or_insert(*value);
                }
            }
        }
        let changes = merged
            .into_iter()
            .map(|(address, original)| {
                let change = match original.account {
                    None => AccountChange::Deleted,
                    Some(account) => AccountChange::Updated {
                        account,
                        storage_reset: original.wiped,
                        storage: original.slots,
                    },
                };
                (address, change)
            })
            .collect();
        Some((point, changes))
    }

    /// After a revert to snapshot `id`: it and every later one are gone, and so are the records
    /// of the commits it undid.
    pub(crate) fn reverted(&mut self, id: u64) {
        if let Some(index) = self.snapshots.iter().position(|(held, ..)| *held == id)
            && let Some(&(_, _, position)) = self.snapshots.get(index)
        {
            self.snapshots.truncate(index);
            self.commits.truncate(position);
        }
        if self.snapshots.is_empty() {
            self.commits.clear();
        }
        self.entries = self.commits.iter().map(entries_of).sum();
    }

    /// After a reset: no snapshot is held.
    pub(crate) fn clear(&mut self) {
        self.snapshots.clear();
        self.commits.clear();
        self.entries = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(nonce: u64) -> Option<BasicAccount> {
        Some(BasicAccount {
            nonce,
            ..BasicAccount::default()
        })
    }

    fn original(nonce: Option<u64>, slots: &[(u8, u8)], wiped: bool) -> Original {
        Original {
            account: nonce.and_then(account),
            slots: slots
                .iter()
                .map(|&(slot, value)| (H256::repeat_byte(slot), H256::repeat_byte(value)))
                .collect(),
            wiped,
        }
    }

    fn undo(entries: Vec<(u8, Original)>) -> Undo {
        Undo {
            accounts: entries
                .into_iter()
                .map(|(address, original)| (H160::repeat_byte(address), original))
                .collect(),
        }
    }

    /// The oldest record of each account and slot wins; a wipe anywhere after the snapshot
    /// restores the storage from empty; an account that did not exist is deleted; a later
    /// snapshot's revert undoes only the commits after it.
    #[test]
    fn a_revert_restores_the_oldest_value_of_everything_touched_since_its_snapshot() {
        let point = SnapshotPoint {
            number: 3,
            hash: H256::repeat_byte(3),
            state_root: H256::repeat_byte(0x33),
            edits: 0,
        };
        let mut journal = Journal::default();
        journal.record_pushed(undo(vec![(1, original(Some(9), &[], false))]));
        let first = journal.take(point).unwrap();
        assert!(journal.recording());
        journal.record_pushed(undo(vec![
            (1, original(Some(1), &[(5, 5)], false)),
            (2, original(None, &[], true)),
        ]));
        let second = journal.take(SnapshotPoint { number: 4, ..point }).unwrap();
        journal.record_pushed(undo(vec![(1, original(Some(2), &[(5, 9), (6, 3)], true))]));

        let (at, changes) = journal.restore(first).unwrap();
        assert_eq!(at, point);
        let Some(AccountChange::Updated {
            account,
            storage_reset,
            storage,
        }) = changes.get(&H160::repeat_byte(1))
        else {
            panic!("{changes:?}");
        };
        assert_eq!(account.nonce, 1);
        assert!(storage_reset);
        assert_eq!(
            storage.get(&H256::repeat_byte(5)),
            Some(&H256::repeat_byte(5))
        );
        assert_eq!(
            storage.get(&H256::repeat_byte(6)),
            Some(&H256::repeat_byte(3))
        );
        assert_eq!(
            changes.get(&H160::repeat_byte(2)),
            Some(&AccountChange::Deleted)
        );

        let (_, later) = journal.restore(second).unwrap();
        assert_eq!(later.len(), 1, "only the commit after the second snapshot");
        journal.reverted(second);
        assert!(journal.restore(second).is_none());
        assert!(
            journal.restore(first).is_some(),
            "the earlier snapshot stays"
        );
        journal.reverted(first);
        assert!(!journal.recording());
        assert!(journal.commits.is_empty());
        assert!(journal.restore(7).is_none());
    }

    impl Journal {
        /// Records `undo` as a commit's, as [`Journal::record`] does from a store.
        fn record_pushed(&mut self, undo: Undo) {
            if self.recording() {
                self.commits.push(undo);
            }
        }
    }
}
