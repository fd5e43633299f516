//! Refusing transactions while the store refuses writes.
//!
//! When a block cannot be written (a full disk, an I/O error: [`StoreError::Write`]), every
//! submission after it would fail the same way, and each would leave an accepted-looking
//! transaction in the pool that no block can hold. So the node remembers the failure and
//! refuses new transactions with the store's error until a write succeeds again, while reads go
//! on from what is committed. The transactions of the block that failed leave the pool under the
//! sealing lock (no later block can take them), and their submitters are answered with the
//! error ([`StoreFault::refuse`]). RocksDB stops taking writes after such an error and clears it
//! by itself once the disk has room for a memtable flush again (its `SstFileManager` polls every
//! 5 s); the node sees that by probing with a small synced write, at most once per
//! [`PROBE_INTERVAL`] while it refuses. An error RocksDB does not recover from by itself (a
//! failing disk) keeps the node refusing until it is restarted.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use primitive_types::H256;
use rewasm_store::{Store, StoreError};

use super::lock_or_recover;
use crate::chain::ChainError;

/// How often a refused submission may try the store again.
pub(super) const PROBE_INTERVAL: Duration = Duration::from_secs(1);

/// Refusals kept for submitters not yet answered; past this many (a miner with no submitter
/// waiting), the oldest are forgotten.
const MAX_REFUSALS: usize = 4096;

/// The store's last write failure, while it lasts, and the transactions it refused.
#[derive(Debug, Default)]
pub(super) struct StoreFault {
    fault: Mutex<Option<Fault>>,
    refused: Mutex<HashMap<H256, String>>,
}

#[derive(Debug)]
struct Fault {
    error: String,
    probed: Instant,
}

impl StoreFault {
    fn lock(&self) -> MutexGuard<'_, Option<Fault>> {
        lock_or_recover(&self.fault)
    }

    /// Records what a sealing returned: a failed write starts refusing, a committed block ends
    /// it. Other errors (a read, a stale block) say nothing about writing.
    pub(super) fn observe<T>(&self, sealed: &Result<T, ChainError>) {
        match sealed {
            Ok(_) => self.clear(),
            Err(error @ ChainError::Store(StoreError::Write(_))) => {
                let mut fault = self.lock();
                if fault.is_none() {
                    tracing::error!(
                        %error,
                        "the store failed; taking no transactions until it accepts writes again"
                    );
                }
                *fault = Some(Fault {
                    error: error.to_string(),
                    probed: Instant::now(),
                });
            }
            Err(_) => {}
        }
    }

    fn clear(&self) {
        if self.lock().take().is_some() {
            tracing::info!("the store accepts writes again; taking transactions");
        }
    }

    /// The store's error while it refuses writes, probing it first if the last probe is older
    /// than [`PROBE_INTERVAL`].
    pub(super) fn check(&self, store: &Store) -> Result<(), String> {
        let mut guard = self.lock();
        let Some(fault) = guard.as_mut() else {
            return Ok(());
        };
        if fault.probed.elapsed() < PROBE_INTERVAL {
            return Err(fault.error.clone());
        }
        match store.probe_write() {
            Ok(()) => {
                *guard = None;
                drop(guard);
                tracing::info!("the store accepts writes again; taking transactions");
                Ok(())
            }
            Err(error) => {
                fault.error = ChainError::Store(error).to_string();
                fault.probed = Instant::now();
                Err(fault.error.clone())
            }
        }
    }

    /// Answers the submitters of `hashes` (a block whose write failed, its transactions already
    /// out of the pool) with `error`.
    pub(super) fn refuse(&self, hashes: impl IntoIterator<Item = H256>, error: &ChainError) {
        let mut refused = lock_or_recover(&self.refused);
        if refused.len() >= MAX_REFUSALS {
            refused.clear();
        }
        let error = error.to_string();
        refused.extend(hashes.into_iter().map(|hash| (hash, error.clone())));
    }

    /// The error `hash`'s block failed with, if it did (once).
    pub(super) fn take_refusal(&self, hash: &H256) -> Option<String> {
        lock_or_recover(&self.refused).remove(hash)
    }
}
