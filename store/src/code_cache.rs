//! Verified contract code by hash, kept in memory.
//!
//! Every read of a contract account needs its code, and the store checks code against its hash
//! before trusting it (a mismatch is corruption). Hashing a 12 KiB contract costs about 30 µs,
//! more than a warm contract call, so code is verified once when it is loaded and then served
//! from here. Bounded in bytes and entries; the least recently used code goes first.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

use lru::LruCache;
use primitive_types::H256;

/// Bytes of code the cache holds by default (about 1300 contracts of the maximum size).
pub const DEFAULT_CODE_CACHE_BYTES: usize = 32 << 20;
/// Entries the cache holds at most, whatever their size.
const MAX_ENTRIES: usize = 16 * 1024;

/// An LRU of verified code, bounded in bytes.
#[derive(Debug)]
pub(crate) struct CodeCache {
    inner: Mutex<Inner>,
    max_bytes: usize,
}

#[derive(Debug)]
struct Inner {
    entries: LruCache<H256, Arc<[u8]>>,
    bytes: usize,
}

impl CodeCache {
    pub(crate) fn new(max_bytes: usize) -> Self {
        let entries = LruCache::new(NonZeroUsize::new(MAX_ENTRIES).unwrap_or(NonZeroUsize::MIN));
        Self {
            inner: Mutex::new(Inner { entries, bytes: 0 }),
            max_bytes,
        }
    }

    /// The code under `hash`, if cached. A poisoned lock only means a panic elsewhere while
    /// holding it; every update below leaves the cache consistent, so it is used anyway.
    pub(crate) fn get(&self, hash: &H256) -> Option<Arc<[u8]>> {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.entries.get(hash).cloned()
    }

    /// Keeps `code`, verified to hash to `hash`; code larger than the whole budget is not kept.
    pub(crate) fn put(&self, hash: H256, code: Arc<[u8]>) {
        if code.len() > self.max_bytes {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let added = code.len();
        if let Some((_, evicted)) = inner.entries.push(hash, code) {
            inner.bytes = inner.bytes.saturating_sub(evicted.len());
        }
        inner.bytes = inner.bytes.saturating_add(added);
        while inner.bytes > self.max_bytes {
            match inner.entries.pop_lru() {
                Some((_, evicted)) => inner.bytes = inner.bytes.saturating_sub(evicted.len()),
                None => break,
            }
        }
    }

    /// Bytes of code held.
    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_in_bytes_least_recently_used_first() {
        let cache = CodeCache::new(100);
        let code = |byte: u8, len: usize| Arc::from(vec![byte; len]);
        cache.put(H256::repeat_byte(1), code(1, 40));
        cache.put(H256::repeat_byte(2), code(2, 40));
        assert!(cache.get(&H256::repeat_byte(1)).is_some());
        cache.put(H256::repeat_byte(3), code(3, 40));
        assert!(
            cache.get(&H256::repeat_byte(2)).is_none(),
            "least recently used"
        );
        assert!(cache.get(&H256::repeat_byte(1)).is_some());
        assert_eq!(cache.bytes(), 80);
        cache.put(H256::repeat_byte(4), code(4, 101));
        assert!(cache.get(&H256::repeat_byte(4)).is_none(), "over budget");
        cache.put(H256::repeat_byte(1), code(1, 40));
        assert_eq!(
            cache.bytes(),
            80,
            "replacing an entry does not count it twice"
        );
    }
}
