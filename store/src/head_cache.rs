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

/// Which state a reader's view holds: its block and the cache's generation when it was taken
/// (read before the view's snapshot).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub number: u64,
    pub generation: u64,
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
    /// The block the entries hold the state of; `None` before the genesis, and between a
    /// rewrite of the head state (a dev chain's edit or rewind) and the next block.
    number: Option<u64>,
    /// Bumped when a rewrite of the head state begins and when it ends: a block number can
    /// then stand for another state (an edited head, a block sealed again after a rewind), so
    /// a reader's view must match the generation as well as the number ([`Stamp`]).
    generation: u64,
    /// Bumped when a commit begins and when it ends.
    epoch: u64,
    /// Commits writing now (the chain writes one block at a time, but the cache does not rely
    /// on it).
    writing: u32,
    accounts: LruCache<H160, Option<StoredAccount>>,
    slots: LruCache<(H160, H256), H256>,
}

impl Inner {
    /// Whether the entries are the state `stamp` names.
    fn holds(&self, stamp: Stamp) -> bool {
        self.number == Some(stamp.number) && self.generation == stamp.generation
    }

    fn forget(&mut self) {
        self.accounts.clear();
        self.slots.clear();
        self.number = None;
        self.generation = self.generation.wrapping_add(1);
    }
}

fn bound(entries: usize) -> NonZeroUsize {
    NonZeroUsize::new(entries).unwrap_or(NonZeroUsize::MIN)
}

impl HeadCache {
    pub(crate) fn new(number: Option<u64>) -> Self {
        Self {
            inner: Mutex::new(Inner {
                number,
                generation: 0,
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

    /// The current generation, for a view about to take its snapshot.
    pub(crate) fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// The account as of `stamp`, if the cache holds that state and the account.
    pub(crate) fn account_at(&self, stamp: Stamp, address: &H160) -> Option<Option<StoredAccount>> {
        let mut inner = self.lock();
        inner
            .holds(stamp)
            .then(|| inner.accounts.get(address).copied())
            .flatten()
    }

    /// Keeps an account read in the state of `stamp`, if the cache holds that state.
    pub(crate) fn keep_account_at(
        &self,
        stamp: Stamp,
        address: H160,
        account: Option<StoredAccount>,
    ) {
        let mut inner = self.lock();
        if inner.holds(stamp) {
            inner.accounts.put(address, account);
        }
    }

    /// The slot as of `stamp`, if the cache holds that state and the slot.
    pub(crate) fn slot_at(&self, stamp: Stamp, address: &H160, slot: &H256) -> Option<H256> {
        let mut inner = self.lock();
        inner
            .holds(stamp)
            .then(|| inner.slots.get(&(*address, *slot)).copied())
            .flatten()
    }

    /// Keeps a slot read in the state of `stamp`, if the cache holds that state.
    pub(crate) fn keep_slot_at(&self, stamp: Stamp, address: H160, slot: H256, value: H256) {
        let mut inner = self.lock();
        if inner.holds(stamp) {
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

    /// A write that may change the state of a block number the cache has held (a dev chain's
    /// state edit or rewind) begins: the cache empties, holds no block, and moves to a new
    /// generation, so that no view taken before can use or fill it.
    pub(crate) fn begin_rewrite(&self) {
        let mut inner = self.lock();
        inner.epoch = inner.epoch.wrapping_add(1);
        inner.writing = inner.writing.saturating_add(1);
        inner.forget();
    }

    /// The rewrite ended, written or not: another generation, so that a view taken while it
    /// was writing (whose snapshot may hold either state) cannot use the cache either.
    pub(crate) fn end_rewrite(&self) {
        self.end_write(|inner| inner.forget());
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

    /// Block `number` in the first generation.
    fn at(number: u64) -> Stamp {
        Stamp {
            number,
            generation: 0,
        }
    }

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
        cache.keep_account_at(at(7), alice, account(1));
        assert_eq!(cache.account_at(at(7), &alice), Some(account(1)));
        cache.keep_account_at(at(8), H160::repeat_byte(2), account(2));
        assert_eq!(cache.account_at(at(7), &H160::repeat_byte(2)), None);

        cache.begin_write();
        assert_eq!(
            cache.account_at(at(7), &alice),
            Some(account(1)),
            "still block 7"
        );
        let changes = HeadChanges {
            accounts: vec![(alice, account(5))],
            ..HeadChanges::default()
        };
        cache.advance(8, &changes);
        assert_eq!(cache.account_at(at(7), &alice), None);
        assert_eq!(cache.account_at(at(8), &alice), Some(account(5)));
        cache.keep_account_at(at(7), H160::repeat_byte(3), account(3));
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
        cache.keep_slot_at(at(0), bob, slot, H256::repeat_byte(1));
        cache.keep_account_at(at(0), bob, account(1));
        cache.begin_write();
        cache.advance(
            1,
            &HeadChanges {
                accounts: vec![(alice, None)],
                slots: vec![((alice, slot), H256::repeat_byte(4))],
                storage_wiped: false,
            },
        );
        assert_eq!(cache.account_at(at(1), &alice), Some(None));
        assert_eq!(
            cache.slot_at(at(1), &alice, &slot),
            Some(H256::repeat_byte(4))
        );
        assert_eq!(
            cache.slot_at(at(1), &bob, &slot),
            Some(H256::repeat_byte(1))
        );

        cache.begin_write();
        cache.advance(
            2,
            &HeadChanges {
                storage_wiped: true,
                ..HeadChanges::default()
            },
        );
        assert_eq!(
            cache.slot_at(at(2), &bob, &slot),
            None,
            "a wipe drops slots"
        );
        assert_eq!(cache.account_at(at(2), &bob), Some(account(1)));

        cache.begin_write();
        cache.advance(9, &HeadChanges::default());
        assert_eq!(
            cache.account_at(at(9), &bob),
            None,
            "a gap drops everything"
        );
        cache.begin_write();
        cache.abort_write();
        assert_eq!(cache.len(), (0, 0));
    }

    /// A rewrite (a dev chain's edit or rewind) keeps block numbers but changes what they hold:
    /// a view from before it neither uses nor fills the cache, even once the cache is at its
    /// block number again.
    #[test]
    fn a_view_from_before_a_rewrite_never_meets_the_cache_again() {
        let cache = HeadCache::new(Some(5));
        let alice = H160::repeat_byte(1);
        let old = Stamp {
            number: 6,
            generation: cache.generation(),
        };
        cache.begin_rewrite();
        let during = cache.generation();
        cache.end_rewrite();
        assert_eq!(cache.account_at(at(5), &alice), None);
        cache.begin_write();
        cache.advance(6, &HeadChanges::default());
        let now = Stamp {
            number: 6,
            generation: cache.generation(),
        };
        for stale in [
            old,
            Stamp {
                number: 6,
                generation: during,
            },
        ] {
            cache.keep_account_at(stale, alice, account(9));
            assert_eq!(cache.account_at(now, &alice), None, "{stale:?} filled it");
            assert_eq!(cache.account_at(stale, &alice), None);
        }
        cache.keep_account_at(now, alice, account(3));
        assert_eq!(cache.account_at(now, &alice), Some(account(3)));
    }
}
