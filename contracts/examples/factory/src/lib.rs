//! A factory: deploys children from init code with the EEI's `create` and keeps a registry.
#![cfg_attr(target_arch = "wasm32", no_std)]

use rewasm_sdk::prelude::*;

/// `address[] children` at slot 0 (Solidity's dynamic-array layout).
const CHILDREN: StorageVec<Address> = StorageVec::new(0);

#[event]
#[derive(Debug)]
pub struct ChildCreated {
    #[indexed]
    pub child: Address,
    pub index: U256,
}

#[derive(Debug)]
pub struct Factory;

#[contract(events(ChildCreated))]
impl Factory {
    /// Creates a child from `init_code` (e.g. a `NAME.deploy.wasm` with constructor arguments
    /// appended), forwarding the call's value, and returns its address.
    #[payable]
    pub fn deploy(&mut self, init_code: Vec<u8>) -> Result<Address, RevertData> {
        match eei::create(eei::call_value(), &init_code) {
            Ok(child) => {
                let index = CHILDREN.len();
                CHILDREN.push(child);
                ChildCreated { child, index: U256::from(index) }.emit();
                Ok(child)
            }
            Err(failed) => Err(RevertData(failed.return_data)),
        }
    }

    /// Number of children created.
    pub fn children(&self) -> U256 {
        U256::from(CHILDREN.len())
    }

    /// The child at `index`.
    pub fn child(&self, index: U256) -> Result<Address, &'static str> {
        let index = u64::try_from(index).map_err(|_| "factory: no such child")?;
        CHILDREN.get(index).ok_or("factory: no such child")
    }
}
