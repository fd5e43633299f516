//! The senders a dev chain's node sends transactions for without their keys, as anvil's
//! `anvil_impersonateAccount` does.
//!
//! Such a transaction carries the impersonation marker for a signature
//! ([`crate::tx::seal_impersonated`]). Whether a *block* may hold one is the chain's rule
//! (genesis `devMode`, [`crate::tx::Signatures`]), so replays and `rewasm verify` accept it
//! whatever this node impersonates later; this set only decides what the *pool* takes: a marked
//! transaction whose sender is not impersonated right now is refused, so a test that stopped
//! impersonating an account cannot still send for it.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use primitive_types::H160;

/// The most accounts impersonated at once: each `anvil_impersonateAccount` adds one.
pub const MAX_IMPERSONATED: usize = 4_096;

/// Why an account could not be impersonated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{MAX_IMPERSONATED} accounts are impersonated already; stop impersonating one \
     (anvil_stopImpersonatingAccount) or impersonate every sender (anvil_autoImpersonateAccount)"
)]
pub struct TooManyImpersonated;

/// The impersonated accounts, and whether every sender is (`anvil_autoImpersonateAccount`).
#[derive(Debug, Default)]
pub struct Impersonation {
    accounts: Mutex<HashSet<H160>>,
    everyone: AtomicBool,
}

impl Impersonation {
    fn accounts(&self) -> std::sync::MutexGuard<'_, HashSet<H160>> {
        // A set of addresses is consistent between statements; a panic elsewhere leaves it usable.
        self.accounts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Starts impersonating `address` (again: no change).
    pub fn start(&self, address: H160) -> Result<(), TooManyImpersonated> {
        let mut accounts = self.accounts();
        if accounts.len() >= MAX_IMPERSONATED && !accounts.contains(&address) {
            return Err(TooManyImpersonated);
        }
        accounts.insert(address);
        Ok(())
    }

    /// Stops impersonating `address`; whether it was.
    pub fn stop(&self, address: &H160) -> bool {
        self.accounts().remove(address)
    }

    /// Impersonates every sender, or only those started one by one.
    pub fn set_everyone(&self, everyone: bool) {
        self.everyone.store(everyone, Ordering::SeqCst);
    }

    /// Whether the node sends for `address` without its key.
    pub fn covers(&self, address: &H160) -> bool {
        self.everyone.load(Ordering::SeqCst) || self.accounts().contains(address)
    }

    /// Impersonates nobody (`anvil_reset`).
    pub fn clear(&self) {
        self.accounts().clear();
        self.set_everyone(false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_covered_while_impersonated_and_the_set_is_bounded() {
        let impersonation = Impersonation::default();
        let first = H160::from_low_u64_be(1);
        assert!(!impersonation.covers(&first));
        impersonation.start(first).unwrap();
        assert!(impersonation.covers(&first));
        assert!(impersonation.stop(&first));
        assert!(!impersonation.stop(&first));
        assert!(!impersonation.covers(&first));

        impersonation.set_everyone(true);
        assert!(impersonation.covers(&first));
        impersonation.clear();
        assert!(!impersonation.covers(&first));

        for i in 0..MAX_IMPERSONATED as u64 {
            impersonation.start(H160::from_low_u64_be(i)).unwrap();
        }
        assert_eq!(
            impersonation.start(H160::repeat_byte(0xff)),
            Err(TooManyImpersonated)
        );
        impersonation.start(H160::from_low_u64_be(3)).unwrap();
    }
}
