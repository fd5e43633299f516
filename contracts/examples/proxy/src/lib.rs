//! A forwarding proxy: every call runs the implementation's code on the proxy's storage with
//! `callDelegate`, and its output or revert data comes back unchanged.
#![cfg_attr(target_arch = "wasm32", no_std)]

use rewasm_sdk::prelude::*;

/// EIP-1967's implementation slot: keccak256("eip1967.proxy.implementation") - 1, so the
/// implementation's own storage layout (from slot 0) cannot collide with it.
const IMPLEMENTATION: StorageValue<Address> = StorageValue::at_slot([
    0x36, 0x08, 0x94, 0xa1, 0x3b, 0xa1, 0xa3, 0x21, 0x06, 0x67, 0xc8, 0x28, 0x49, 0x2d, 0xb9, 0x8d, 0xca, 0x3e,
    0x20, 0x76, 0xcc, 0x37, 0x35, 0xa9, 0x20, 0xa3, 0xca, 0x50, 0x5d, 0x38, 0x2b, 0xbc,
]);

#[derive(Debug)]
pub struct Proxy;

#[contract]
impl Proxy {
    #[constructor]
    pub fn new(&mut self, implementation: Address) {
        IMPLEMENTATION.set(implementation);
    }

    /// Everything else goes to the implementation.
    #[fallback]
    pub fn forward(&mut self, data: Vec<u8>) -> Vec<u8> {
        let result = eei::call_delegate(eei::ALL_GAS, &IMPLEMENTATION.get(), &data);
        result.unwrap_or_revert()
    }
}
