//! The smallest useful contract: a counter that starts at a constructor argument.
#![cfg_attr(target_arch = "wasm32", no_std)]

use rewasm_sdk::prelude::*;

/// Slot 0, as `uint256 count;` would be in Solidity.
const COUNT: StorageValue<U256> = StorageValue::new(0);

#[derive(Debug)]
pub struct Counter;

#[contract]
impl Counter {
    #[constructor]
    pub fn new(&mut self, start: U256) {
        COUNT.set(start);
    }

    /// The current count.
    pub fn count(&self) -> U256 {
        COUNT.get()
    }

    /// Adds one and returns the new count.
    pub fn increment(&mut self) -> U256 {
        let count = COUNT.get() + 1;
        COUNT.set(count);
        // Printed on a dev chain when built with `--features debug`; nothing otherwise.
        rewasm_sdk::debug!("counter: now {}", count);
        count
    }

    /// Subtracts one; reverts at zero.
    pub fn decrement(&mut self) -> Result<U256, &'static str> {
        let count = COUNT.get();
        if count.is_zero() {
            return Err("counter: already zero");
        }
        COUNT.set(count - 1);
        Ok(count - 1)
    }
}
