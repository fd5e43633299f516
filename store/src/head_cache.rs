//! The head state kept in memory, for reads at `latest` and for the block builder.
//!
//! `eth_call`, balance, nonce and storage reads at the head, and the blocks built on it, read the
//! same accounts and slots over and over; each read from RocksDB costs a lookup through its
//! memtables and block cache. This cache holds them as of one block, the head, and moves to the
//! next block in one step when a commit has written it, taking in the block's changed accounts
//! and slots. It never serves two blocks mixed:
//! - a reader with a snapshot ([`crate::StoreState`]) knows which block its snapshot holds, and
//!   uses and fills the cache only while the cache is at that block;
//! - a single read without a snapshot ([`crate::Store::account`]) uses the cache as it is, and
//!   fills it only if no commit was writing, or began or ended, while it read from RocksDB
//!   ([`Epoch`]).
//!
//! Bounded in entries ([`ACCOUNTS`], [`SLOTS`]); the least recently used go first.

use std::num::NonZeroUsize;
use std::sync::{Mutex, MutexGuard, PoisonError};

use lru::LruCache;
use primitive_types::{H160, H256};

use crate::codec::StoredAccount;

/// Accounts kept (about 150 bytes each with the LRU's links).
pub(crate) const ACCOUNTS: usize = 16 * 1024;
/// Storage slots kept (about 130 bytes each).
pub(crate) const SLOTS: usize = 64 * 1024;

/// What a committed block changes in the cache.
#[derive(Clone, Debug, Default)]
pub(crate) struct HeadChanges {
    /// Accounts as they are after the block (`None`: deleted).
    pub accounts: Vec<(H160, Option<StoredAccount>)>,
    /// Slots written by the block.
    pub slots: Vec<((H160, H256), H256)>,
    /// Some account's storage was wiped (deleted or created anew).
    pub storage_wiped: bool,
}

/// When a single read began: it may fill the cache only if the epoch is the same at its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Epoch(u64);

#[derive(Debug)]
pub(crate) struct HeadCache {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// The block the entries hold the state of; `None` before the genesis.
    number: Option<u64>,
    /// Bumped when a commit begins and when it ends.
    epoch: u64,
    /// Commits writing now (the chain writes one block at a time, but the cache does not rely
    /// on it).
    writing: u32,
    accounts: LruCache<H160, Option<StoredAccount>>,
    slots: LruCache<(H160, H256), H256>,
}

fn bound(entries: usize) -> NonZeroUsize {
    NonZeroUsize::new(entries).unwrap_or(NonZeroUsize::MIN)
}

impl HeadCache {
    pub(crate) fn new(number: Option<u64>) -> Self {
        Self {
            inner: Mutex::new(Inner {
                number,
                epoch: 0,
                writing: 0,
                accounts: LruCache::new(bound(ACCOUNTS)),
                slots: LruCache::new(bound(SLOTS)),
            }),
        }
    }

    /// Places the empty cache at block `number` (the store's head when it opens).
    pub(crate) fn start_at(&self, number: Option<u64>) {
        self.lock().number = number;
    }

    /// Every update leaves the cache consistent, so a lock poisoned by a panic elsewhere is
    /// used anyway.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The account as of block `number`, if the cache is at that block and holds it.
    pub(crate) fn account_at(&self, number: u64, address: &H160) -> Option<Option<StoredAccount>> {
        let mut inner = self.lock();
        (inner.number == Some(number))
            .then(|| inner.accounts.get(address).copied())
            .flatten()
    }

    /// Keeps an account read at block `number`, if the cache is at that block.
    pub(crate) fn keep_account_at(
        &self,
        number: u64,
        address: H160,
        account: Option<StoredAccount>,
    ) {
        let mut inner = self.lock();
        if inner.number == Some(number) {
            inner.accounts.put(address, account);
        }
    }

    /// The slot as of block `number`, if the cache is at that block and holds it.
    pub(crate) fn slot_at(&self, number: u64, address: &H160, slot: &H256) -> Option<H256> {
        let mut inner = self.lock();
        (inner.number == Some(number))
            .then(|| inner.slots.get(&(*address, *slot)).copied())
            .flatten()
    }

    /// Keeps a slot read at block `number`, if the cache is at that block.
    pub(crate) fn keep_slot_at(&self, number: u64, address: H160, slot: H256, value: H256) {
        let mut inner = self.lock();
        if inner.number == Some(number) {
            inner.slots.put((address, slot), value);
        }
    }

    /// For a read without a snapshot: the account as the cache has it, or the epoch to fill it
    /// at after reading the store.
    pub(crate) fn account(&self, address: &H160) -> Result<Option<StoredAccount>, Epoch> {
        let mut inner = self.lock();
        match inner.accounts.get(address) {
            Some(account) => Ok(*account),
            None => Err(Epoch(inner.epoch)),
        }
    }

    /// Keeps an account read from the store since `epoch`, if no commit began or ended since.
    pub(crate) fn keep_account(&self, epoch: Epoch, address: H160, account: Option<StoredAccount>) {
        let mut inner = self.lock();
        if inner.epoch == epoch.0 && inner.writing == 0 {
            inner.accounts.put(address, account);
        }
    }

    /// For a read without a snapshot: the slot as the cache has it, or the epoch to fill it at.
    pub(crate) fn slot(&self, address: &H160, slot: &H256) -> Result<H256, Epoch> {
        let mut inner = self.lock();
        match inner.slots.get(&(*address, *slot)) {
            Some(value) => Ok(*value),
            None => Err(Epoch(inner.epoch)),
        }
    }

    /// Keeps a slot read from the store since `epoch`, if no commit began or ended since.
    pub(crate) fn keep_slot(&self, epoch: Epoch, address: H160, slot: H256, value: H256) {
        let mut inner = self.lock();
        if inner.epoch == epoch.0 && inner.writing == 0 {
            inner.slots.put((address, slot), value);
        }
    }

    /// A commit is about to write: single reads from now on do not fill the cache.
    pub(crate) fn begin_write(&self) {
        let mut inner = self.lock();
        inner.epoch = inner.epoch.wrapping_add(1);
        inner.writing = inner.writing.saturating_add(1);
    }

    /// The write of block `number` failed: the cache still holds the head before it.
    pub(crate) fn abort_write(&self) {
        self.end_write(|_| {});
    }

    /// Block `number` was written with `changes`: the cache moves to it. A cache that was not
    /// at the block before is emptied instead (it cannot tell what else changed).
    pub(crate) fn advance(&self, number: u64, changes: &HeadChanges) {
        self.end_write(|inner| {
            let follows = number
                .checked_sub(1)
                .is_some_and(|parent| inner.number == Some(parent));
            if !follows || changes.storage_wiped {
                inner.slots.clear();
            }
            if !follows {
                inner.accounts.clear();
            }
            for (address, account) in &changes.accounts {
                inner.accounts.put(*address, *account);
            }
            for (key, value) in &changes.slots {
                inner.slots.put(*key, *value);
            }
            inner.number = Some(number);
        });
    }

    /// A write that keeps the head's number but changes its state (a dev chain's state edit)
    /// ended, written or not: the cache empties and holds no block until the next advance.
    pub(crate) fn forget(&self) {
        self.end_write(|inner| {
            inner.accounts.clear();
            inner.slots.clear();
            inner.number = None;
        });
    }

    fn end_write(&self, update: impl FnOnce(&mut Inner)) {
        let mut inner = self.lock();
        update(&mut inner);
        inner.epoch = inner.epoch.wrapping_add(1);
        inner.writing = inner.writing.saturating_sub(1);
    }

    /// Entries held: accounts, slots.
    #[cfg(test)]
    pub(crate) fn len(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.accounts.len(), inner.slots.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use primitive_types::U256;

    fn account(balance: u64) -> Option<StoredAccount> {
        Some(StoredAccount {
            nonce: 0,
            balance: U256::from(balance),
            code_hash: H256::zero(),
            storage_root: H256::zero(),
        })
    }

    #[test]
    fn a_reader_at_another_block_neither_uses_nor_fills_the_cache() {
        let cache = HeadCache::new(Some(7));
        let alice = H160::repeat_byte(1);
        cache.keep_account_at(7, alice, account(1));
        assert_eq!(cache.account_at(7, &alice), Some(account(1)));
        cache.keep_account_at(8, H160::repeat_byte(2), account(2));
        assert_eq!(cache.account_at(7, &H160::repeat_byte(2)), None);

        cache.begin_write();
        assert_eq!(
            cache.account_at(7, &alice),
            Some(account(1)),
            "still block 7"
        );
        let changes = HeadChanges {
            accounts: vec![(alice, account(5))],
            ..HeadChanges::default()
        };
        cache.advance(8, &changes);
        assert_eq!(cache.account_at(7, &alice), None);
        assert_eq!(cache.account_at(8, &alice), Some(account(5)));
        cache.keep_account_at(7, H160::repeat_byte(3), account(3));
        assert_eq!(
            cache.len(),
            (1, 0),
            "a block-7 reader filled a block-8 cache"
        );
    }

    #[test]
    fn a_single_read_fills_only_if_no_commit_began_or_ended_meanwhile() {
        let cache = HeadCache::new(Some(0));
        let alice = H160::repeat_byte(1);
        let slot = H256::repeat_byte(9);
        let Err(epoch) = cache.account(&alice) else {
            panic!("empty cache")
        };
        cache.begin_write();
        cache.keep_account(epoch, alice, account(1));
        assert!(cache.account(&alice).is_err(), "filled during a write");
        let Err(during) = cache.slot(&alice, &slot) else {
            panic!("empty cache")
        };
        cache.keep_slot(during, alice, slot, H256::repeat_byte(1));
        assert!(cache.slot(&alice, &slot).is_err(), "filled during a write");
        cache.advance(1, &HeadChanges::default());
        cache.keep_account(epoch, alice, account(1));
        assert!(cache.account(&alice).is_err(), "filled across a commit");

        let Err(epoch) = cache.account(&alice) else {
            panic!("empty cache")
        };
        cache.keep_account(epoch, alice, account(2));
        assert_eq!(cache.account(&alice), Ok(account(2)));
    }

    #[test]
    fn overlapping_writes_keep_single_reads_out_until_both_end() {
        let cache = HeadCache::new(Some(0));
        let alice = H160::repeat_byte(1);
        cache.begin_write();
        cache.begin_write();
        cache.advance(1, &HeadChanges::default());
        let Err(epoch) = cache.account(&alice) else {
            panic!("empty cache")
        };
        cache.keep_account(epoch, alice, account(1));
        assert!(
            cache.account(&alice).is_err(),
            "filled while a write was on"
        );
        cache.abort_write();
        let Err(epoch) = cache.account(&alice) else {
            panic!("empty cache")
        };
        cache.keep_account(epoch, alice, account(1));
        assert_eq!(cache.account(&alice), Ok(account(1)));
    }

    #[test]
    fn a_commit_puts_its_changes_in_and_a_wipe_or_gap_drops_what_it_cannot_tell() {
        let cache = HeadCache::new(Some(0));
        let (alice, bob) = (H160::repeat_byte(1), H160::repeat_byte(2));
        let slot = H256::repeat_byte(9);
        cache.keep_slot_at(0, bob, slot, H256::repeat_byte(1));
        cache.keep_account_at(0, bob, account(1));
        cache.begin_write();
        cache.advance(
            1,
            &HeadChanges {
                accounts: vec![(alice, None)],
                slots: vec![((alice, slot), H256::repeat_byte(4))],
                storage_wiped: false,
            },
        );
        assert_eq!(cache.account_at(1, &alice), Some(None));
        assert_eq!(cache.slot_at(1, &alice, &slot), Some(H256::repeat_byte(4)));
        assert_eq!(cache.slot_at(1, &bob, &slot), Some(H256::repeat_byte(1)));

        cache.begin_write();
        cache.advance(
            2,
            &HeadChanges {
                storage_wiped: true,
                ..HeadChanges::default()
            },
        );
        assert_eq!(cache.slot_at(2, &bob, &slot), None, "a wipe drops slots");
        assert_eq!(cache.account_at(2, &bob), Some(account(1)));

        cache.begin_write();
        cache.advance(9, &HeadChanges::default());
        assert_eq!(cache.account_at(9, &bob), None, "a gap drops everything");
        cache.begin_write();
        cache.abort_write();
        assert_eq!(cache.len(), (0, 0));
    }
}
