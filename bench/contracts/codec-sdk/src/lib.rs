//! A token-shaped dispatcher with rewasm-sdk's ABI codec: four functions decoding static and
//! dynamic arguments and encoding their results, over raw storage. `codec-alloy` is the same
//! dispatcher with alloy-sol-types, so the difference in their sizes is the codecs'
//! (`scripts/abi-codec-size.sh`).
#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;

use rewasm_sdk::{Address, U256, abi, eei};

const TRANSFER: u32 = 0xa905_9cbb; // transfer(address,uint256)
const BALANCE_OF: u32 = 0x70a0_8231; // balanceOf(address)
const NAME: u32 = 0x06fd_de03; // name()
const TOTAL_LENGTH: u32 = 0xad70_be72; // totalLength(string[])

fn slot(owner: &Address) -> [u8; 32] {
    let mut key = [0u8; 32];
    key[12..].copy_from_slice(owner.as_bytes());
    key
}

fn decoded<T: abi::Decode>(args: &[u8]) -> T {
    abi::decode(args).unwrap_or_else(|error| rewasm_sdk::revert_with(error.reason()))
}

/// Dispatches on the selector.
pub fn dispatch() {
    let calldata = eei::calldata();
    let (selector, args) = match calldata.split_first_chunk::<4>() {
        Some((selector, args)) => (u32::from_be_bytes(*selector), args),
        None => eei::revert(&[]),
    };
    match selector {
        TRANSFER => {
            let (to, amount): (Address, U256) = decoded(args);
            eei::storage_store(&slot(&to), &amount.to_big_endian());
            eei::finish(&abi::encode(&(true,)))
        }
        BALANCE_OF => {
            let (owner,): (Address,) = decoded(args);
            let balance = U256::from_big_endian(&eei::storage_load(&slot(&owner)));
            eei::finish(&abi::encode(&(balance,)))
        }
        NAME => eei::finish(&abi::encode(&(String::from("rewasm token"),))),
        TOTAL_LENGTH => {
            let (names,): (Vec<String>,) = decoded(args);
            let total: usize = names.iter().map(String::len).sum();
            eei::finish(&abi::encode(&(U256::from(total),)))
        }
        _ => eei::revert(&[]),
    }
}

/// The entry point.
#[cfg(target_arch = "wasm32")]
#[unsafe(no_mangle)]
pub extern "C" fn main() {
    dispatch()
}
