//! Refusing transactions while the store refuses writes.
//!
//! When a block cannot be committed because the store failed (a full disk, an I/O error), every
//! submission after it would fail the same way, and each would leave an accepted-looking
//! transaction in the pool that no block can hold. So the node remembers the failure and
//! refuses new transactions with the store's error until a write succeeds again, while reads go
//! on from what is committed. RocksDB stops taking writes after such an error and clears it by
//! itself once the disk has room for a memtable flush again (its `SstFileManager` polls every
//! 5 s); the node sees that by probing with a small synced write, at most once per
//! [`PROBE_INTERVAL`] while it refuses.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rewasm_store::Store;

use crate::chain::ChainError;

/// How often a refused submission may try the store again.
pub(super) const PROBE_INTERVAL: Duration = Duration::from_secs(1);

/// The store's last write failure, while it lasts.
#[derive(Debug, Default)]
pub(super) struct StoreFault(Mutex<Option<Fault>>);

#[derive(Debug)]
struct Fault {
    error: String,
    probed: Instant,
}

impl StoreFault {
    fn lock(&self) -> MutexGuard<'_, Option<Fault>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records what a sealing returned: a store error starts refusing, a committed block ends
    /// it. Other errors say nothing about the store.
    pub(super) fn observe<T>(&self, sealed: &Result<T, ChainError>) {
        match sealed {
            Ok(_) => self.clear(),
            Err(error @ ChainError::Store(_)) => {
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

    /// The store's error while it refuses writes, without probing.
    pub(super) fn current(&self) -> Option<String> {
        self.lock().as_ref().map(|fault| fault.error.clone())
    }
}
