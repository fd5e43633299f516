//! Recovered senders, remembered by transaction hash.
//!
//! A transaction's sender is recovered when it is submitted, again when its block is built and
//! again for every lookup by hash (`eth_getTransactionReceipt`, `eth_getTransactionByHash`),
//! and a secp256k1 recovery costs more than the rest of such a request. The sender is a
//! function of the raw bytes, and the hash is the keccak of those bytes, so a hash seen before
//! gives the same sender: remembering it changes no result, only the cost. Only successful
//! recoveries are kept (a failure is cheap to find again), at most [`CAPACITY`], the oldest
//! forgotten first.

use std::collections::{HashMap, VecDeque};
use std::sync::{LazyLock, Mutex};

use primitive_types::{H160, H256};

/// Senders remembered: enough for the transactions of the recent blocks and the pool
/// (about 2 MiB).
pub(super) const CAPACITY: usize = 1 << 15;

/// A bounded map of senders by hash, forgetting the oldest first.
#[derive(Debug)]
struct Remembered {
    capacity: usize,
    senders: HashMap<H256, H160>,
    order: VecDeque<H256>,
}

impl Remembered {
    fn new(capacity: usize) -> Self {
        Self {
            capacity,
            senders: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    fn get(&self, hash: &H256) -> Option<H160> {
        self.senders.get(hash).copied()
    }

    fn insert(&mut self, hash: H256, sender: H160) {
        if self.senders.insert(hash, sender).is_none() {
            self.order.push_back(hash);
            if self.order.len() > self.capacity
                && let Some(oldest) = self.order.pop_front()
            {
                self.senders.remove(&oldest);
            }
        }
    }
}

static REMEMBERED: LazyLock<Mutex<Remembered>> =
    LazyLock::new(|| Mutex::new(Remembered::new(CAPACITY)));

fn remembered() -> std::sync::MutexGuard<'static, Remembered> {
    // The map is consistent between statements; a panic elsewhere leaves it usable.
    REMEMBERED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The sender of the transaction `hash`: remembered, or `recover`ed (without holding the
/// memory's lock) and remembered.
pub(super) fn recover<E>(hash: H256, recover: impl FnOnce() -> Result<H160, E>) -> Result<H160, E> {
    if let Some(sender) = remembered().get(&hash) {
        return Ok(sender);
    }
    let sender = recover()?;
    remembered().insert(hash, sender);
    Ok(sender)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sender_is_recovered_once_and_failures_are_not_kept() {
        let hash = keccak_like(1);
        let mut calls = 0;
        let mut once = || {
            calls += 1;
            Ok::<_, ()>(H160::repeat_byte(1))
        };
        assert_eq!(recover(hash, &mut once), Ok(H160::repeat_byte(1)));
        assert_eq!(recover(hash, &mut once), Ok(H160::repeat_byte(1)));
        assert_eq!(calls, 1);
        let failing = keccak_like(2);
        assert_eq!(recover(failing, || Err::<H160, _>("bad")), Err("bad"));
        assert_eq!(
            recover(failing, || Ok::<_, &str>(H160::zero())),
            Ok(H160::zero())
        );
    }

    /// A hash no real transaction has.
    fn keccak_like(i: u64) -> H256 {
        H256::from_low_u64_be(0x5e4d_0000_0000 + i)
    }

    #[test]
    fn the_oldest_are_forgotten_past_the_capacity() {
        let mut memory = Remembered::new(3);
        for i in 0..4 {
            memory.insert(keccak_like(i), H160::from_low_u64_be(i));
        }
        memory.insert(keccak_like(3), H160::from_low_u64_be(3));
        assert_eq!(memory.senders.len(), 3);
        assert_eq!(memory.get(&keccak_like(0)), None);
        assert_eq!(memory.get(&keccak_like(1)), Some(H160::from_low_u64_be(1)));
        assert_eq!(memory.get(&keccak_like(3)), Some(H160::from_low_u64_be(3)));
    }
}
